// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

import BoardSupport
import GeminiLive
import JSON

/// The one place where the configured GPIO tools meet the Live API: each `[[tools]]` entry becomes a
/// function declaration, and each result a function response.
///
/// Long actions (a pulse, a switch with an auto-off timer) are declared `NON_BLOCKING` where the model
/// can call functions asynchronously, so it keeps talking while the relay works, and their results are
/// answered with `scheduling: WHEN_IDLE` (folded in once the model is quiet). Everything else is declared
/// `BLOCKING` where that is possible (the model waits for "the door is open"); a synchronous-only model
/// gets no behaviour at all, an asynchronous-only one `NON_BLOCKING` for every tool.
struct ToolAdapter: Sendable {
    /// The configured tools.
    let tools: ToolsConfig
    /// How the model takes function calls (the README's model table).
    let functionCalls: LiveModelCapabilities.FunctionCalls

    /// The declared behaviour of `tool`, nil for the model's default.
    func behavior(_ tool: ToolConfig) -> FunctionDeclaration.Behavior? {
        switch functionCalls {
        case .synchronousOnly: nil
        case .asynchronousOnly: .nonBlocking
        case .asynchronousByDefault: Self.isLong(tool) ? .nonBlocking : .blocking
        case .both: Self.isLong(tool) ? .nonBlocking : nil
        }
    }

    /// The `tools` of the `setup` message (nil when none are configured).
    var liveTools: [Tool]? {
        guard !tools.tools.isEmpty else { return nil }
        return [Tool(functionDeclarations: tools.tools.map(declaration))]
    }

    func declaration(_ tool: ToolConfig) -> FunctionDeclaration {
        FunctionDeclaration(
            name: tool.name, description: tool.description, parametersJsonSchema: tool.parameters.jsonSchema,
            behavior: behavior(tool))
    }

    /// The response to call `id` of `name` with a tool result.
    func response(id: String, name: String, result: JSONValue) -> FunctionResponse {
        let object: [String: JSONValue]
        if case .object(let members) = result { object = members } else { object = ["result": result] }
        let tool = tools.tools.first { $0.name == name }
        let scheduling: FunctionResponse.Scheduling? = tool.flatMap(behavior) == .nonBlocking ? .whenIdle : nil
        return FunctionResponse(id: id, name: name, response: object, scheduling: scheduling)
    }

    /// A pulse or an auto-off timer: something that takes time or has an effect later.
    static func isLong(_ tool: ToolConfig) -> Bool {
        tool.action.kind == .pulse || tool.action.autoOffMs != nil
    }
}
