// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

import JSON
import Testing

@Suite("JSONWriter")
struct JSONWriterTests {
    @Test("compact, keys sorted, slashes not escaped, UTF-8 kept")
    func compact() {
        let value: JSONValue = ["mimeType": "audio/pcm;rate=16000", "b": [1, 2.5, true, nil], "a": ["z": "日本", "y": [:]]]
        #expect(value.jsonString == #"{"a":{"y":{},"z":"日本"},"b":[1,2.5,true,null],"mimeType":"audio/pcm;rate=16000"}"#)
    }

    @Test("control characters, quotes and backslashes are escaped")
    func escaping() {
        let value = JSONValue.string("q\"b\\n\n r\r t\t \u{08}\u{0C} \u{00} \u{1B}[31m \u{7F} \u{85}")
        #expect(value.jsonString == #""q\"b\\n\n r\r t\t \b\f \u0000 \u001b[31m "# + "\u{7F} \u{85}\"")
    }

    @Test("doubles in shortest form, whole ones without .0; non-finite as null")
    func doubles() {
        #expect(JSONValue.double(40).jsonString == "40")
        #expect(JSONValue.double(0.7).jsonString == "0.7")
        #expect(JSONValue.double(-0.25).jsonString == "-0.25")
        #expect(JSONValue.double(1e21).jsonString == "1e+21")
        #expect(JSONValue.double(1e-7).jsonString == "1e-07")
        #expect(JSONValue.double(.nan).jsonString == "null")
        #expect(JSONValue.double(.infinity).jsonString == "null")
        #expect(JSONValue.int(Int.min).jsonString == "-9223372036854775808")
    }

    @Test("what the writer writes, the parser reads back unchanged")
    func roundTrip() throws {
        let values: [JSONValue] = [
            ["args": ["city": "Paris", "days": 3, "ratio": 0.125, "tags": ["a", "b"], "none": nil, "ok": false]],
            .string("line\nbreak \u{1F} and \u{10FFFF} and \"quotes\""),
            [[[[[]]]]],
            .int(-42),
        ]
        for value in values {
            #expect(try JSONParser().parse(value.jsonBytes) == value)
        }
    }
}
