// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Writes one line per record to standard error: `<level> label: message`.
///
/// Under systemd the `<N>` prefix is the syslog priority that journald understands
/// (`SyslogLevelPrefix=true` is its default), so levels survive into `journalctl -p`.
/// On a terminal the prefix is a readable level name instead.
public struct StandardErrorLogHandler: LogHandler {
    public enum Style: Sendable { case terminal, journald }
    public let style: Style

    public init(style: Style? = nil) {
        if let style {
            self.style = style
        } else {
            // journald sets JOURNAL_STREAM for services whose stderr it owns.
            self.style = getenv("JOURNAL_STREAM") != nil ? .journald : .terminal
        }
    }

    public func log(level: Logger.Level, label: String, message: String) {
        let line: String
        switch style {
        case .journald:
            line = "<\(Self.syslogPriority(level))>\(label): \(message)\n"
        case .terminal:
            line = "\(level) \(label): \(message)\n"
        }
        // One write(2) per line keeps lines from different threads whole.
        var bytes = Array(line.utf8)
        bytes.withUnsafeMutableBytes { buffer in
            _ = write(2, buffer.baseAddress, buffer.count)
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
