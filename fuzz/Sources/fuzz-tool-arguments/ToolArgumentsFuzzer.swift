// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

import BoardSupport
import FoundationEssentials
import JSON
import TOML

/// A model's tool-call arguments checked against a tool's parameter schema, as `ToolRegistry.call` does
/// before touching a line.
///
/// Input: a parameter schema in TOML (the `[tools.parameters]` table of a configuration), a NUL byte, then
/// the arguments as JSON. Without a NUL, or when the schema does not decode, the whole input is the JSON
/// and is checked against the example configuration's schemas and a richer one.
///
/// Arguments nested more than 64 deep are skipped: building them is the JSON decoder's work, which the
/// server-message target fuzzes; this target is about the validation.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzToolArguments(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let input = UnsafeBufferPointer(start: data, count: size)
    var schemas = fixedSchemas
    var json = input[...]
    if let separator = input.firstIndex(of: 0) {
        json = input[(separator + 1)...]
        let text = String(decoding: input[..<separator], as: UTF8.self)
        if let schema = try? TOMLDecoder().decode(ParameterSchema.self, from: text) {
            schemas = [schema]
            _ = schema.jsonSchema
        }
    }
    guard nestingDepth(json) <= 64 else { return 0 }
    guard let arguments = try? JSONDecoder().decode(JSONValue.self, from: Data(json)) else { return 0 }
    for schema in schemas {
        if let problem = schema.validate(arguments) { precondition(!problem.isEmpty) }
    }
    return 0
}

/// The deepest bracket nesting, ignoring brackets in strings.
private func nestingDepth(_ bytes: Slice<UnsafeBufferPointer<UInt8>>) -> Int {
    var depth = 0
    var deepest = 0
    var inString = false
    var escaped = false
    for byte in bytes {
        if inString {
            if escaped { escaped = false } else if byte == UInt8(ascii: "\\") { escaped = true } else if byte == UInt8(ascii: "\"") { inString = false }
            continue
        }
        switch byte {
        case UInt8(ascii: "\""): inString = true
        case UInt8(ascii: "["), UInt8(ascii: "{"):
            depth += 1
            deepest = max(deepest, depth)
        case UInt8(ascii: "]"), UInt8(ascii: "}"): depth -= 1
        default: break
        }
    }
    return deepest
}

/// The example configuration's schemas, and one that uses every feature.
private let fixedSchemas: [ParameterSchema] = {
    var schemas: [ParameterSchema] = []
    let example = """
        [[tools]]
        name = "door"
        description = "Opens the door."
        action = { kind = "pulse", line = "GPIO27", max_pulse_ms = 2000 }
        [tools.parameters]
        type = "object"
        [tools.parameters.properties.duration_ms]
        type = "integer"
        minimum = 100
        maximum = 2000
        [[tools]]
        name = "lamp"
        description = "Switches the lamp."
        action = { kind = "set", line = "GPIO22" }
        [[tools]]
        name = "fan"
        description = "Toggles the fan."
        action = { kind = "toggle", line = "GPIO23" }
        """
    if let config = try? ToolsConfig.parse(example) { schemas += config.tools.map(\.parameters) }
    let rich = """
        type = "object"
        required = ["mode", "levels"]
        [properties.mode]
        type = "string"
        enum = ["off", "low", "high"]
        [properties.levels]
        type = "array"
        items = { type = "number", minimum = -1.5, maximum = 1e3 }
        [properties.schedule]
        type = "object"
        required = ["at"]
        properties = { at = { type = "integer", minimum = 0 }, repeat = { type = "boolean" }, note = { type = "string" } }
        """
    if let schema = try? TOMLDecoder().decode(ParameterSchema.self, from: rich) { schemas.append(schema) }
    precondition(schemas.count == 4, "the fixed schemas no longer decode")
    return schemas
}()
