// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

/// A small structured logger, passed by value into every library that logs.
///
/// livevoiced cannot link swift-log (its manifest needs Swift 6.2; the daemon must build with Debian 13's
/// Swift 6.0.3), so this keeps swift-log's shape in a few lines: libraries accept a `Logger` and never make
/// their own backend; only the executable chooses where log lines go. Tests pass an ``InMemoryLogHandler``.
public struct Logger: Sendable {
    /// Severity, lowest first. Chosen as in swift-log's "choosing log levels" guide.
    public enum Level: Int, Sendable, Comparable, CaseIterable, CustomStringConvertible {
        case trace, debug, info, notice, warning, error, critical

        /// Lower severity first.
        public static func < (lhs: Level, rhs: Level) -> Bool { lhs.rawValue < rhs.rawValue }

        /// The text form.
        public var description: String {
            switch self {
            case .trace: "trace"
            case .debug: "debug"
            case .info: "info"
            case .notice: "notice"
            case .warning: "warning"
            case .error: "error"
            case .critical: "critical"
            }
        }

        /// Parses `debug`, `info`, ... (as in a config file or `--log-level`).
        public init?(name: String) {
            guard let level = Level.allCases.first(where: { $0.description == name.lowercased() }) else { return nil }
            self = level
        }
    }

    /// The subsystem, printed with every line (`live`, `audio`, `gpio`, ...).
    public var label: String
    /// Lines below this level are dropped before their message is even built.
    public var level: Level
    private let handler: any LogHandler

    /// A value with the given fields.
    public init(label: String, level: Level = .info, handler: any LogHandler) {
        self.label = label
        self.level = level
        self.handler = handler
    }

    /// A logger that drops everything (the default for library users who pass none).
    public static let disabled = Logger(label: "", level: .critical, handler: NullLogHandler())

    /// The same backend and level under another label.
    public func child(_ label: String) -> Logger {
        var copy = self
        copy.label = label
        return copy
    }

    @inlinable
    public func log(_ level: Level, _ message: @autoclosure () -> String) {
        guard level >= self.level else { return }
        emit(level, message())
    }

    @usableFromInline
    func emit(_ level: Level, _ message: String) {
        handler.log(level: level, label: label, message: message)
    }

    @inlinable public func trace(_ message: @autoclosure () -> String) { log(.trace, message()) }
    @inlinable public func debug(_ message: @autoclosure () -> String) { log(.debug, message()) }
    @inlinable public func info(_ message: @autoclosure () -> String) { log(.info, message()) }
    @inlinable public func notice(_ message: @autoclosure () -> String) { log(.notice, message()) }
    @inlinable public func warning(_ message: @autoclosure () -> String) { log(.warning, message()) }
    @inlinable public func error(_ message: @autoclosure () -> String) { log(.error, message()) }
    @inlinable public func critical(_ message: @autoclosure () -> String) { log(.critical, message()) }
}

/// Where log lines go. Implementations must be thread-safe: lines come from network and service threads.
public protocol LogHandler: Sendable {
    func log(level: Logger.Level, label: String, message: String)
}

/// Drops every line.
public struct NullLogHandler: LogHandler {
    /// A handler.
    public init() {}
    /// Records one line.
    public func log(level: Logger.Level, label: String, message: String) {}
}
