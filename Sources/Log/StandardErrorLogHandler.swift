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
///
/// A multi-line message stays one line (its line breaks escaped), so it is one journal entry at its own
/// priority, and anything shaped like a Google API key is masked before it is written: a last line of
/// defence, since nothing should log a key in the first place.
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
    /// Where lines go: standard error, or another descriptor (tests pass a pipe).
    public let fileDescriptor: Int32

    /// A handler writing to `fileDescriptor` (standard error unless a test passes a pipe); without a
    /// style, journald's when that descriptor is the journal stream (`JOURNAL_STREAM`).
    public init(style: Style? = nil, fileDescriptor: Int32 = 2) {
        self.fileDescriptor = fileDescriptor
        if let style {
            self.style = style
        } else {
            let stream = getenv("JOURNAL_STREAM").map { String(cString: $0) }
            self.style = Self.isJournalStream(stream, fileDescriptor: fileDescriptor) ? .journald : .terminal
        }
    }

    /// Whether `fileDescriptor` is the journal stream systemd announced in `JOURNAL_STREAM` (`DEVICE:INODE`
    /// of the stream it connected to stderr). A child that inherited the variable but writes to a
    /// terminal or a file must not print `<6>` prefixes there, so the descriptor itself is compared.
    public static func isJournalStream(_ value: String?, fileDescriptor: Int32) -> Bool {
        guard let value else { return false }
        let parts = value.split(separator: ":")
        guard parts.count == 2, let device = UInt64(parts[0]), let inode = UInt64(parts[1]) else { return false }
        var info = stat()
        guard fstat(fileDescriptor, &info) == 0 else { return false }
        return UInt64(info.st_dev) == device && UInt64(info.st_ino) == inode
    }

    /// Writes the record as one line.
    public func log(level: Logger.Level, label: String, message: String) {
        // One write(2) per record keeps lines from different threads whole.
        var bytes = Array(line(level: level, label: label, message: message).utf8)
        bytes.withUnsafeMutableBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = write(fileDescriptor, buffer.baseAddress! + offset, buffer.count - offset)
                if written < 0 && errno == EINTR { continue }
                if written <= 0 { break }
                offset += written
            }
        }
    }

    /// The line written for a record, newline included: API keys masked, control characters in `label`
    /// and `message` escaped (a newline becomes `\n`, so a record is always one journal entry, and
    /// text from a server can never start a line of its own with a forged priority).
    public func line(level: Logger.Level, label: String, message: String) -> String {
        let label = label.escapingControlCharacters()
        let message = Self.maskingKeys(message).escapingControlCharacters()
        switch style {
        case .journald: return "<\(Self.syslogPriority(level))>\(label): \(message)\n"
        case .terminal: return "\(level) \(label): \(message)\n"
        }
    }

    /// The syslog priority of a level (journald's `PRIORITY=`).
    public static func syslogPriority(_ level: Logger.Level) -> Int {
        switch level {
        case .trace, .debug: 7
        case .info: 6
        case .notice: 5
        case .warning: 4
        case .error: 3
        case .critical: 2
        }
    }

    /// `message` with every Google API key (`AIza` and 35 more URL-safe characters) replaced by
    /// `AIza…(masked)`.
    public static func maskingKeys(_ message: String) -> String {
        guard message.utf8.count >= 39, message.contains("AIza") else { return message }
        let bytes = Array(message.utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var index = 0
        let marker = Array("AIza".utf8)
        while index < bytes.count {
            if index + 39 <= bytes.count, Array(bytes[index..<index + 4]) == marker,
                bytes[index + 4..<index + 39].allSatisfy(isKeyCharacter),
                index + 39 == bytes.count || !isKeyCharacter(bytes[index + 39])
            {
                out += Array("AIza…(masked)".utf8)
                index += 39
            } else {
                out.append(bytes[index])
                index += 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    private static func isKeyCharacter(_ byte: UInt8) -> Bool {
        (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
            || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_")
    }
}
