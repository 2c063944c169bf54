// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

public import JSON

/// What a tool call produced: a JSON object for the model, `{"ok":true,...}` or `{"ok":false,"error":"..."}`.
public struct ToolResult: Sendable, Equatable {
    /// The object to send back as the function response.
    public var response: JSONValue

    /// Whether the call failed (the response has an `error`).
    public var isError: Bool { response["error"] != nil }

    /// The error text, if the call failed.
    public var errorMessage: String? { response["error"]?.stringValue }

    static func failure(_ message: String, _ extra: [String: JSONValue] = [:]) -> ToolResult {
        var object = extra
        object["ok"] = false
        object["error"] = .string(message)
        return ToolResult(response: .object(object))
    }
}
