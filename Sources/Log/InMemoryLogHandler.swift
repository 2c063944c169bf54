// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

import Synchronization

/// Keeps every record in memory so tests can assert on what was logged (and on what was not, such as a
/// secret), the way swift-log's `InMemoryLogHandler` is used.
public final class InMemoryLogHandler: LogHandler {
    /// One logged line.
    public struct Entry: Sendable, Equatable {
        /// The severity.
        public var level: Logger.Level
        /// The subsystem that logged it.
        public var label: String
        /// The text.
        public var message: String
    }

    private let storage = Mutex<[Entry]>([])

    /// A handler.
    public init() {}

    /// Records one line.
    public func log(level: Logger.Level, label: String, message: String) {
        storage.withLock { $0.append(Entry(level: level, label: label, message: message)) }
    }

    /// Every record so far, oldest first.
    public var entries: [Entry] { storage.withLock { $0 } }

    /// All messages joined by newlines, for `contains` checks.
    public var text: String { entries.map { "\($0.level) \($0.label): \($0.message)" }.joined(separator: "\n") }
}
