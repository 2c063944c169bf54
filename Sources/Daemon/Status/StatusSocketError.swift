// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

/// Why the status socket could not be served or read: what is wrong and what to do.
public struct StatusSocketError: Error, Sendable, CustomStringConvertible {
    /// The kind of failure. A struct over a private enum, so kinds can be added later.
    public struct Kind: Hashable, Sendable, CustomStringConvertible {
        private enum Value: String, Hashable, Sendable { case notRunning, permissionDenied, noAnswer, badPath, system }
        private let value: Value
        /// No daemon listens there (no socket, or one left from an earlier run).
        public static let notRunning = Kind(value: .notRunning)
        /// The socket is there but this user may not connect (not in group livevoiced).
        public static let permissionDenied = Kind(value: .permissionDenied)
        /// The daemon did not answer in time, or sent something that is not a status.
        public static let noAnswer = Kind(value: .noAnswer)
        /// The path cannot be a socket (too long, or another kind of file is there).
        public static let badPath = Kind(value: .badPath)
        /// A system call failed.
        public static let system = Kind(value: .system)
        public var description: String { value.rawValue }
    }

    /// The kind of failure.
    public var kind: Kind
    /// What is wrong and how to fix it.
    public var message: String

    /// A failure of `kind`.
    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }
}
