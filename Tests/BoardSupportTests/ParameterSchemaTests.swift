// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

import Foundation
import JSON
import TOML
import Testing

@testable import BoardSupport

/// Schemas nested `depth` levels: objects with one property `p` down to a boolean (or arrays of arrays
/// down to a boolean), as a TOML document and the matching JSON value.
private enum Nested {
    static func objectSchema(_ depth: Int) -> String {
        var inner = "{ type = \"boolean\" }"
        for _ in 1..<depth { inner = "{ type = \"object\", required = [\"p\"], properties = { p = \(inner) } }" }
        return "schema = \(inner)\n"
    }

    static func arraySchema(_ depth: Int) -> String {
        var inner = "{ type = \"boolean\" }"
        for _ in 1..<depth { inner = "{ type = \"array\", items = \(inner) }" }
        return "schema = \(inner)\n"
    }

    static func objectValue(_ depth: Int, leaf: JSONValue = true) -> JSONValue {
        var value = leaf
        for _ in 1..<depth { value = ["p": value] }
        return value
    }

    static func objectJSON(_ depth: Int) -> String {
        var inner = #"{"type":"boolean"}"#
        for _ in 1..<depth { inner = #"{"type":"object","properties":{"p":\#(inner)}}"# }
        return inner
    }
}

private struct Wrapper: Decodable {
    var schema: ParameterSchema
}

private func decodingError(_ text: String) -> TOMLDecodingError? {
    do {
        _ = try TOMLDecoder().decode(Wrapper.self, from: text)
        return nil
    } catch {
        return error
    }
}

@Suite("Parameter schemas")
struct ParameterSchemaTests {
    @Test("schemas nest at most 16 levels; the 17th is refused naming the key path and the limit")
    func depthLimit() throws {
        #expect(ParameterSchema.maximumDepth == 16)
        for make in [Nested.objectSchema, Nested.arraySchema] {
            let deepest = try TOMLDecoder().decode(Wrapper.self, from: make(16)).schema
            var levels = 1
            var schema = deepest
            while let next = schema.property("p") ?? schema.items {
                levels += 1
                schema = next
            }
            #expect(levels == 16)
            #expect(schema.type == .boolean)

            let error = try #require(decodingError(make(17)))
            #expect(error.kind == .invalidValue)
            #expect(error.message.contains("at most 16 levels deep"), "\(error)")
            #expect(error.path.hasPrefix("schema."))
            #expect(error.line == 1)
        }
        let tooDeep = Nested.objectSchema(17)
        #expect(decodingError(tooDeep)?.path == "schema" + String(repeating: ".properties.p", count: 16))
    }

    @Test("the limit holds for any decoder, JSON too")
    func depthLimitInJSON() throws {
        let ok = try JSONDecoder().decode(ParameterSchema.self, from: Data(Nested.objectJSON(16).utf8))
        #expect(ok.property("p") != nil)
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode(ParameterSchema.self, from: Data(Nested.objectJSON(17).utf8))
        }
    }

    @Test("arguments are checked at every level of a 16-level schema, with the name of the bad one")
    func deepValidation() throws {
        let schema = try TOMLDecoder().decode(Wrapper.self, from: Nested.objectSchema(16)).schema
        #expect(schema.validate(Nested.objectValue(16)) == nil)
        #expect(schema.validate(Nested.objectValue(16, leaf: "yes")) == "'p' must be a boolean (true or false), got string \"yes\"")
        #expect(schema.validate(Nested.objectValue(15)) == "'p' must be an object, got boolean true")
        #expect(schema.validate(Nested.objectValue(3, leaf: [:])) == "missing required argument 'p' (object)")
        // The JSON Schema for the model has every level too.
        var json = schema.jsonSchema
        var levels = 1
        while let next = json["properties"]?["p"] {
            levels += 1
            json = next
        }
        #expect(levels == 16)
    }

    @Test("a wide schema: thousands of properties, all required, and an unknown argument named in sorted order")
    func wideSchema() throws {
        let names = (0..<3_000).map { "p\($0)" }
        var text = "[schema]\ntype = \"object\"\nrequired = [" + names.map { "\"\($0)\"" }.joined(separator: ", ") + "]\n"
        for name in names { text += "[schema.properties.\(name)]\ntype = \"integer\"\n" }
        let schema = try TOMLDecoder(rejectsUnknownKeys: true).decode(Wrapper.self, from: text).schema
        #expect(schema.properties.map(\.name) == names)
        #expect(schema.required == names)

        var arguments: [String: JSONValue] = [:]
        for (index, name) in names.enumerated() { arguments[name] = .int(index) }
        #expect(schema.validate(.object(arguments)) == nil)
        arguments["zz"] = 1
        arguments["q9"] = 1
        arguments["q10"] = 1
        let problem = try #require(schema.validate(.object(arguments)))
        #expect(problem.hasPrefix("unknown argument 'q10'; this tool takes: p0, p1, p2"))
        arguments = [:]
        #expect(schema.validate(.object(arguments)) == "missing required argument 'p0' (integer)")

        let wrongRequired = text.replacingOccurrences(of: "required = [", with: "required = [\"nope\", ")
        #expect(decodingError(wrongRequired)?.message == "required lists 'nope', which is not among the properties")
    }
}
