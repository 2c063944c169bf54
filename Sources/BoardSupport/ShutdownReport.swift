// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

/// What ``ToolRegistry/shutdown()`` did to one output.
public struct ShutdownReport: Sendable, Equatable {
    /// The tool.
    public var tool: String
    /// Its line, as configured.
    public var line: String
    /// The logical value it was set to.
    public var value: Bool
    /// The error, if the line could not be set.
    public var error: String?
}
