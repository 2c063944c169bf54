// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

import Testing

@testable import TOML

private struct Config: Decodable, Equatable {
    struct Button: Decodable, Equatable {
        var line: String
        var activeLow: Bool
        var debounceMs: UInt16?

        enum CodingKeys: String, CodingKey {
            case line
            case activeLow = "active_low"
            case debounceMs = "debounce_ms"
        }
    }

    struct Tool: Decodable, Equatable {
        struct Action: Decodable, Equatable {
            var kind: String
            var line: String
            var maxPulseMs: Int?

            enum CodingKeys: String, CodingKey {
                case kind, line
                case maxPulseMs = "max_pulse_ms"
            }
        }

        var name: String
        var action: Action
    }

    var title: String
    var gain: Double
    var button: Button
    var tools: [Tool]
    var labels: [String: String]?
}

@Suite("TOML decoder")
struct TOMLDecoderTests {
    static let good = """
        title = "kitchen"
        gain = 2

        [button]
        line = "GPIO17"
        active_low = true
        debounce_ms = 30

        [labels]
        relay = "the lamp relay"

        [[tools]]
        name = "door"
        action = { kind = "pulse", line = "GPIO27", max_pulse_ms = 500 }

        [[tools]]
        name = "lamp"
        [tools.action]
        kind = "set"
        line = "GPIO22"
        """

    @Test("decodes nested structs, arrays of tables, optionals and dictionaries")
    func decodes() throws {
        let config = try TOMLDecoder().decode(Config.self, from: Self.good)
        #expect(config.title == "kitchen")
        #expect(config.gain == 2.0)
        #expect(config.button == .init(line: "GPIO17", activeLow: true, debounceMs: 30))
        #expect(config.tools.count == 2)
        #expect(config.tools[0].action.maxPulseMs == 500)
        #expect(config.tools[1].action == .init(kind: "set", line: "GPIO22", maxPulseMs: nil))
        #expect(config.labels == ["relay": "the lamp relay"])
    }

    private func decodingError(_ text: String, strict: Bool = false) -> TOMLDecodingError? {
        do {
            _ = try TOMLDecoder(rejectsUnknownKeys: strict).decode(Config.self, from: text)
            return nil
        } catch {
            return error
        }
    }

    @Test("a wrong type names the key path and the line")
    func typeMismatch() throws {
        let text = Self.good.replacingOccurrences("max_pulse_ms = 500", "max_pulse_ms = \"500\"")
        let error = try #require(decodingError(text))
        #expect(error.kind == .typeMismatch)
        #expect(error.path == "tools[0].action.max_pulse_ms")
        #expect(error.line == 14)
        #expect(error.description == "tools[0].action.max_pulse_ms (line 14): expected an integer, found string")
    }

    @Test("a missing key names its table and the table's line")
    func missingKey() throws {
        let text = Self.good.replacingOccurrences("kind = \"set\"\n", "")
        let error = try #require(decodingError(text))
        #expect(error.kind == .missingKey)
        #expect(error.description == "tools[1].action (line 18): missing required key kind")
    }

    @Test("an out-of-range integer says which range")
    func outOfRange() throws {
        let error = try #require(decodingError(Self.good.replacingOccurrences("debounce_ms = 30", "debounce_ms = 70000")))
        #expect(error.description == "button.debounce_ms (line 7): 70000 is out of range: expected an integer from 0 to 65535")
    }

    @Test("a table where a string belongs")
    func tableForString() throws {
        let error = try #require(decodingError(Self.good.replacingOccurrences("title = \"kitchen\"", "title = { a = 1 }")))
        #expect(error.description == "title (line 1): expected a string, found table")
    }

    @Test("syntax errors come through with line and column")
    func syntax() throws {
        let error = try #require(decodingError(Self.good.replacingOccurrences("gain = 2", "gain = ")))
        #expect(error.kind == .syntax)
        #expect(error.description.hasPrefix("line 2, column 8: expected a value"))
    }

    @Test("unknown keys are reported with their line, and refused in strict mode")
    func unknownKeys() throws {
        let text = Self.good.replacingOccurrences("max_pulse_ms = 500", "max_puls_ms = 500")
            + "\ncolour = \"red\"\n"
        let (_, unknown) = try TOMLDecoder().decodeReportingUnknownKeys(Config.self, from: text)
        #expect(unknown.map(\.path) == ["tools[0].action.max_puls_ms", "tools[1].action.colour"])
        #expect(unknown[0].position.line == 14)
        #expect(unknown[0].description == "tools[0].action.max_puls_ms (line 14): unknown key; did you mean max_pulse_ms?")
        #expect(unknown[1].description.contains("expected one of: kind, line, max_pulse_ms"))

        let error = try #require(decodingError(text, strict: true))
        #expect(error.kind == .unknownKey)
        #expect(error.description == "tools[0].action.max_puls_ms (line 14): unknown key; did you mean max_pulse_ms?")
    }

    @Test("a validation error thrown by a custom init keeps the path and line")
    func customValidation() throws {
        struct Limits: Decodable {
            var speed: Int
            init(from decoder: any Decoder) throws {
                let container = try decoder.container(keyedBy: CodingKeys.self)
                speed = try container.decode(Int.self, forKey: .speed)
                guard speed <= 10 else {
                    throw DecodingError.dataCorruptedError(
                        forKey: .speed, in: container, debugDescription: "must be at most 10, found \(speed)")
                }
            }
            enum CodingKeys: String, CodingKey { case speed }
        }
        struct Root: Decodable { var limits: [Limits] }
        do {
            _ = try TOMLDecoder().decode(Root.self, from: "[[limits]]\nspeed = 1\n\n[[limits]]\nspeed = 11\n")
            Issue.record("decoded an invalid value")
        } catch {
            #expect(error.description == "limits[1].speed (line 5): must be at most 10, found 11")
        }
    }
}

extension String {
    fileprivate func replacingOccurrences(_ target: String, _ replacement: String) -> String {
        var result = ""
        var rest = self[...]
        while let range = rest.range(of: target) {
            result += rest[..<range.lowerBound]
            result += replacement
            rest = rest[range.upperBound...]
        }
        return result + rest
    }
}

extension Substring {
    fileprivate func range(of target: String) -> Range<Index>? {
        var start = startIndex
        while start < endIndex {
            if self[start...].hasPrefix(target) {
                return start..<index(start, offsetBy: target.count)
            }
            start = index(after: start)
        }
        return nil
    }
}
