// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

public import GPIO

/// A configuration that cannot be used, found at start-up: names the key path and the line.
public struct BoardConfigError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The key path, as `tools[1].action.line`.
    public var path: String
    /// The line in the configuration file, when known.
    public var line: Int?
    /// What is wrong and how to fix it.
    public var message: String
    /// The GPIO error behind it, if there is one.
    public var underlying: GPIOError?

    /// An error at `path` (`line`).
    public init(path: String, line: Int?, message: String, underlying: GPIOError? = nil) {
        self.path = path
        self.line = line
        self.message = message
        self.underlying = underlying
    }

    public var description: String {
        if let line { return "\(path) (line \(line)): \(message)" }
        return "\(path): \(message)"
    }
}
