// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Writes one line per record to standard error: `<level> label: message`.
///
/// Every message and label is escaped (``Swift/String/escapingControlCharacters(keepingLineBreaks:)``) before
/// it is written, so text from outside (a close reason with a newline, a server message with ANSI escapes)
/// can neither forge a second line, in a terminal or in journald, nor drive the terminal.
///
/// Under systemd the `<N>` prefix is the syslog priority that journald understands
/// (`SyslogLevelPrefix=true` is its default), so levels survive into `journalctl -p`.
/// On a terminal the prefix is a readable level name instead.
public struct StandardErrorLogHandler: LogHandler {
    /// How the level is written.
    public enum Style: Sendable {
        /// `warning live: …`, for people.
        case terminal
        /// `<4>live: …`, the syslog priority journald reads.
        case journald
    }

    /// How lines are written.
    public let style: Style

    /// A handler; without a style, journald's when standard error goes to the journal (`JOURNAL_STREAM`).
    public init(style: Style? = nil) {
        if let style {
            self.style = style
        } else {
            // journald sets JOURNAL_STREAM for services whose stderr it owns.
            self.style = getenv("JOURNAL_STREAM") != nil ? .journald : .terminal
        }
    }

    /// Writes the record as one line.
    public func log(level: Logger.Level, label: String, message: String) {
        // One write(2) per line keeps lines from different threads whole.
        var bytes = Array(line(level: level, label: label, message: message).utf8)
        bytes.withUnsafeMutableBytes { buffer in
            _ = write(2, buffer.baseAddress, buffer.count)
        }
    }

    /// The line written for a record, newline included; control characters in `label` and `message` escaped.
    public func line(level: Logger.Level, label: String, message: String) -> String {
        let label = label.escapingControlCharacters()
        let message = message.escapingControlCharacters()
        switch style {
        case .journald: return "<\(Self.syslogPriority(level))>\(label): \(message)\n"
        case .terminal: return "\(level) \(label): \(message)\n"
        }
    }

    static func syslogPriority(_ level: Logger.Level) -> Int {
        switch level {
        case .trace, .debug: 7
        case .info: 6
        case .notice: 5
        case .warning: 4
        case .error: 3
        case .critical: 2
        }
    }
}
