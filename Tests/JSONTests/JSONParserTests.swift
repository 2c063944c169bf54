// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

import JSON
import Testing

@Suite("JSONParser")
struct JSONParserTests {
    private func parse(_ text: String) throws -> JSONValue { try JSONParser().parse(text) }

    private func failure(_ text: String, maxDepth: Int = 512) -> JSONParseError? {
        do {
            _ = try JSONParser(maxDepth: maxDepth).parse(Array(text.utf8))
            return nil
        } catch {
            return error
        }
    }

    @Test("every kind of value, with white space anywhere it is allowed")
    func values() throws {
        let value = try parse(" {\"a\" : [1, -2, 3.5, -0.25e2, 1E3, true, false, null, \"x\"],\n\t\"b\":{}, \"c\":[] }\r\n")
        #expect(value == ["a": [1, -2, 3.5, -25.0, 1000.0, true, false, nil, "x"], "b": [:], "c": []])
        #expect(try parse("17") == .int(17))
        #expect(try parse("\"top\"") == .string("top"))
        #expect(try parse("null") == .null)
    }

    @Test("integers that fit stay integers; larger ones and fractions become doubles")
    func numbers() throws {
        #expect(try parse("9223372036854775807") == .int(Int.max))
        #expect(try parse("-9223372036854775808") == .int(Int.min))
        #expect(try parse("9223372036854775808") == .double(9223372036854775808.0))
        #expect(try parse("12345678901234567890123") == .double(12345678901234567890123.0))
        #expect(try parse("0") == .int(0))
        #expect(try parse("-0") == .int(0))
        #expect(try parse("2.0") == .double(2))
        #expect(try parse("1e400") == .double(.infinity))
    }

    @Test("escapes, including surrogate pairs; a lone surrogate becomes U+FFFD")
    func escapes() throws {
        #expect(try parse(#""a\"b\\c\/d\b\f\n\r\t""#) == .string("a\"b\\c/d\u{08}\u{0C}\n\r\t"))
        #expect(try parse(#""\u00e9\u4E2D""#) == .string("é中"))
        #expect(try parse(#""\ud83d\ude00""#) == .string("😀"))
        #expect(try parse(#""\ud83d x""#) == .string("\u{FFFD} x"))
        #expect(try parse(#""\ude00""#) == .string("\u{FFFD}"))
        #expect(try parse(#""\ud83d\u0041""#) == .string("\u{FFFD}A"))
        #expect(try parse("\"naïve 日本\"") == .string("naïve 日本"))
    }

    @Test("a repeated key keeps the last value")
    func duplicateKeys() throws {
        #expect(try parse(#"{"k":1,"k":2}"#) == ["k": 2])
    }

    @Test("malformed input is refused with what is wrong and where")
    func malformed() {
        let cases: [(String, String, Int)] = [
            ("", "empty input", 0),
            ("   ", "only white space", 3),
            ("{", "expected a string key", 1),
            (#"{"a" 1}"#, "expected ':'", 5),
            (#"{"a":1,}"#, "expected a string key", 7),
            ("[1,]", "expected a value", 3),
            ("[1 2]", "expected ',' or ']'", 3),
            (#"{"a":1 "b":2}"#, "expected ',' or '}'", 7),
            ("01", "leading zeros", 1),
            ("-", "a digit must follow '-'", 1),
            ("1.", "a digit must follow '.'", 2),
            ("1e", "a digit must follow the exponent", 2),
            ("tru", "expected 'true'", 0),
            ("nul", "expected 'null'", 0),
            ("[1] x", "after the JSON value", 4),
            ("\"abc", "unterminated string", 0),
            ("\"a\u{01}b\"", "control character byte 0x01", 2),
            (#""\x""#, #"invalid escape sequence '\x'"#, 1),
            (#""\u12""#, "four hex digits", 1),
            ("'single'", "expected a value", 0),
        ]
        for (input, message, offset) in cases {
            let error = failure(input)
            #expect(error?.message.contains(message) == true, "\(input.debugDescription): \(String(describing: error))")
            #expect(error?.offset == offset, "\(input.debugDescription): \(String(describing: error))")
        }
    }

    @Test("invalid UTF-8 is refused")
    func invalidUTF8() throws {
        for bytes: [UInt8] in [[0x22, 0xFF, 0x22], [0x22, 0xC3, 0x22], [0x22, 0x5C, 0x6E, 0xED, 0xA0, 0x80, 0x22]] {
            #expect(throws: JSONParseError.self) { try JSONParser().parse(bytes) }
        }
    }

    @Test("nesting up to the depth limit parses; one level more is a clear error")
    func depth() throws {
        func nested(_ depth: Int) -> String { String(repeating: "[", count: depth) + String(repeating: "]", count: depth) }
        var value = try JSONParser().parse(nested(512))
        var levels = 0
        while case .array(let elements) = value {
            levels += 1
            guard let first = elements.first else { break }
            value = first
        }
        #expect(levels == 512)
        let error = failure(nested(513))
        #expect(error?.message == "arrays and objects nested deeper than 512 levels")
        #expect(error?.offset == 512)
        #expect(failure(String(repeating: "{\"a\":", count: 4) + "1" + String(repeating: "}", count: 4), maxDepth: 3) != nil)
        // A document nested far past the limit fails at the limit, without walking the rest.
        #expect(failure(nested(1_000_000))?.offset == 512)
    }

    @Test("wide arrays and objects keep every element in order")
    func wide() throws {
        let count = 100_000
        let array = try parse("[" + (0..<count).map(String.init).joined(separator: ",") + "]")
        #expect(array.arrayValue?.count == count)
        #expect(array.arrayValue?.last == .int(count - 1))
        let object = try parse("{" + (0..<count).map { "\"k\($0)\":\($0)" }.joined(separator: ",") + "}")
        #expect(object.objectValue?.count == count)
        #expect(object["k77"] == 77)
    }
}
