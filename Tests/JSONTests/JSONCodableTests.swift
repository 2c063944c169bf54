// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

import Foundation
import JSON
import Testing

private struct Sample: Codable, Equatable {
    struct Inner: Codable, Equatable {
        var flag: Bool
        var values: [Int16]
    }

    var name: String
    var count: Int
    var ratio: Double
    var inner: Inner?
    var list: [Inner]
    var free: JSONValue?
    var extra: [String: JSONValue]?
    var big: UInt64?
}

@Suite("JSONValueDecoder and JSONValueEncoder")
struct JSONCodableTests {
    private func decode(_ text: String) throws -> Sample {
        try JSONValueDecoder().decode(Sample.self, from: Array(text.utf8))
    }

    @Test("decodes nested types, optionals and free-form JSON; unknown members are ignored")
    func decodeSample() throws {
        let sample = try decode(#"{"name":"n","count":3,"ratio":0.5,"inner":{"flag":true,"values":[1,-2]},"list":[{"flag":false,"values":[]}],"free":{"deep":[[1]]},"extra":{"k":"v"},"big":9223372036854775807,"ignored":1}"#)
        #expect(sample.name == "n" && sample.count == 3 && sample.ratio == 0.5)
        #expect(sample.inner == .init(flag: true, values: [1, -2]))
        #expect(sample.list == [.init(flag: false, values: [])])
        #expect(sample.free == ["deep": [[1]]])
        #expect(sample.extra == ["k": "v"])
        #expect(sample.big == UInt64(Int.max))
        // Past Int's range a number is a double, which no longer holds it exactly: refused, not rounded.
        #expect(throws: DecodingError.self) { try decode(#"{"name":"n","count":1,"ratio":1,"list":[],"big":18446744073709551615}"#) }
    }

    @Test("a wrong type is an error that names the path, the expected and the found type")
    func typeMismatch() throws {
        do {
            _ = try decode(#"{"name":"n","count":3,"ratio":1,"list":[{"flag":true,"values":[1]},{"flag":"yes","values":[]}]}"#)
            Issue.record("expected a type mismatch")
        } catch DecodingError.typeMismatch(_, let context) {
            #expect(context.codingPath.map(\.stringValue) == ["list", "1", "flag"])
            #expect(context.debugDescription == "expected a boolean, found string")
        }
        #expect(throws: DecodingError.self) { try decode(#"{"name":"n","count":2.5,"ratio":1,"list":[]}"#) }
        #expect(throws: DecodingError.self) { try decode(#"{"name":"n","count":1e30,"ratio":1,"list":[]}"#) }
        #expect(throws: DecodingError.self) { try decode(#"{"name":"n","count":1,"ratio":1,"list":[{"flag":true,"values":[40000]}]}"#) }
        #expect(throws: DecodingError.self) { try decode(#"{"name":"n","ratio":1,"list":[]}"#) }
        #expect(throws: JSONParseError.self) { try decode("{") }
        // A whole number written as 3.0 is an integer (JSON does not tell them apart).
        #expect(try decode(#"{"name":"n","count":3.0,"ratio":1,"list":[]}"#).count == 3)
    }

    @Test("encodes to the same document, nil optionals left out, and decodes back")
    func encodeSample() throws {
        let sample = Sample(name: "n", count: 3, ratio: 0.5, inner: nil, list: [.init(flag: true, values: [7])],
                            free: [1, "two"], extra: nil, big: 12)
        let bytes = try JSONValueEncoder().encode(sample)
        #expect(String(decoding: bytes, as: UTF8.self)
            == #"{"big":12,"count":3,"free":[1,"two"],"list":[{"flag":true,"values":[7]}],"name":"n","ratio":0.5}"#)
        #expect(try JSONValueDecoder().decode(Sample.self, from: bytes) == sample)
    }

    @Test("non-finite numbers are refused when encoding")
    func nonFinite() {
        #expect(throws: EncodingError.self) { try JSONValueEncoder().encode(["x": Double.nan]) }
        #expect(throws: EncodingError.self) { try JSONValueEncoder().encode([Double.infinity]) }
    }

    @Test("JSONValue still works with Foundation's coders")
    func foundationInterop() throws {
        let value: JSONValue = ["a": [1, 2.5, "s", nil, true], "b": [:]]
        let data = try JSONEncoder().encode(value)
        #expect(try JSONDecoder().decode(JSONValue.self, from: data) == value)
        #expect(try JSONValueDecoder().decode(JSONValue.self, from: Array(data)) == value)
    }

    @Test("free-form JSON nested close to the parser's limit decodes as it is")
    func deepFreeForm() throws {
        let deep = String(repeating: "[", count: 500) + "0" + String(repeating: "]", count: 500)
        let sample = try decode(#"{"name":"n","count":1,"ratio":1,"list":[],"free":"# + deep + #","extra":{"a":"# + deep + "}}")
        var depth = 0
        var node = sample.free
        while case .array(let elements)? = node {
            depth += 1
            node = elements.first
        }
        #expect(depth == 500)
        #expect(try JSONValueEncoder().encodeValue(sample)["free"] == sample.free)
    }
}
