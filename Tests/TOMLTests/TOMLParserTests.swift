// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

import Testing

@testable import TOML

@Suite("TOML parser")
struct TOMLParserTests {
    static let board = #"""
        # livevoiced board profile: Raspberry Pi 4 with a ReSpeaker 2-mic HAT
        title = "Pi 4 + ReSpeaker"
        version = 2

        [audio]
        capture = "plughw:CARD=seeed2micvoicec,DEV=0"
        playback = 'plughw:CARD=seeed2micvoicec,DEV=0'
        gain_db = -3.5
        aec.enabled = true
        aec.tail_ms = 128

        [button]
        line = "GPIO17"
        active_low = true
        bias = "pull-up"
        debounce_ms = 30

        [[tools]]
        name = "garage_door"
        description = """
        Presses the garage door opener \
        for a moment."""

        [tools.action]
        kind = "pulse"
        line = "GPIO27"
        max_pulse_ms = 1_000

        [[tools]]
        name = "lamp"
        parameters = { type = "object", required = ["on"], properties.on = { type = "boolean" } }
        action = { kind = "set", line = "GPIO22", safe_value = 0 }
        """#

    @Test("a board profile with tables, dotted keys, arrays of tables and inline tables")
    func boardProfile() throws {
        let root = try TOMLDocument(parsing: Self.board).root
        #expect(root["title"]?.stringValue == "Pi 4 + ReSpeaker")
        #expect(root["version"]?.integerValue == 2)
        let audio = try #require(root["audio"]?.tableValue)
        #expect(audio["playback"]?.stringValue == "plughw:CARD=seeed2micvoicec,DEV=0")
        #expect(audio["gain_db"]?.floatValue == -3.5)
        #expect(audio["aec"]?["enabled"]?.boolValue == true)
        #expect(audio["aec"]?["tail_ms"]?.integerValue == 128)
        let tools = try #require(root["tools"]?.arrayValue)
        #expect(tools.count == 2)
        #expect(tools[0]["description"]?.stringValue == "Presses the garage door opener for a moment.")
        #expect(tools[0]["action"]?["max_pulse_ms"]?.integerValue == 1000)
        #expect(tools[1]["parameters"]?["properties"]?["on"]?["type"]?.stringValue == "boolean")
        #expect(tools[1]["parameters"]?["required"]?.arrayValue?.first?.stringValue == "on")
        #expect(tools[1]["action"]?["safe_value"]?.integerValue == 0)
    }

    @Test("every key and value keeps its line and column")
    func positions() throws {
        let root = try TOMLDocument(parsing: Self.board).root
        #expect(root.keyPosition("title") == SourcePosition(line: 2, column: 1))
        #expect(root["title"]?.position == SourcePosition(line: 2, column: 9))
        #expect(root["button"]?.position.line == 12)
        let tools = try #require(root["tools"]?.arrayValue)
        #expect(tools[0].position.line == 18)
        #expect(tools[1].position.line == 29)
        #expect(tools[0]["action"]?.position.line == 24)
        #expect(tools[0]["action"]?["max_pulse_ms"]?.position == SourcePosition(line: 27, column: 16))
        // Columns count characters, not bytes.
        #expect(throws: TOMLSyntaxError("expected the end of the line after the value, found 'x'", at: SourcePosition(line: 1, column: 9))) {
            try TOMLDocument(parsing: "k = \"é\" x\n")
        }
    }

    @Test("keys are kept in document order")
    func order() throws {
        let root = try TOMLDocument(parsing: "b = 1\na = 2\nc = 3\n").root
        #expect(root.keys == ["b", "a", "c"])
    }

    @Test("basic, literal and multi-line strings with escapes")
    func strings() throws {
        let text = #"""
            basic = "tab\there \"quoted\" \\ \u00e9 \U0001F600"
            literal = 'C:\Users\nodes'
            ml = """
            Roses are red
            Violets are blue"""
            mlquotes = """Here are two quotation marks: "". Simple enough."""
            fivequotes = """"This," she said, "is just a pointless statement.""""
            mllit = '''
            The first newline is
            trimmed in raw strings.
               All other whitespace
               is preserved.
            '''
            quoted."key with spaces" = 1
            'literal key' = 2
            """#
        let root = try TOMLDocument(parsing: text).root
        #expect(root["basic"]?.stringValue == "tab\there \"quoted\" \\ é 😀")
        #expect(root["literal"]?.stringValue == #"C:\Users\nodes"#)
        #expect(root["ml"]?.stringValue == "Roses are red\nViolets are blue")
        #expect(root["mlquotes"]?.stringValue == #"Here are two quotation marks: "". Simple enough."#)
        #expect(root["fivequotes"]?.stringValue == #""This," she said, "is just a pointless statement.""#)
        #expect(
            root["mllit"]?.stringValue
                == "The first newline is\ntrimmed in raw strings.\n   All other whitespace\n   is preserved.\n")
        #expect(root["quoted"]?["key with spaces"]?.integerValue == 1)
        #expect(root["literal key"]?.integerValue == 2)
    }

    @Test("integers in every base, with underscores and signs")
    func integers() throws {
        let text = """
            a = +99
            b = -17
            c = 0
            d = 1_000_000
            e = 0xDEAD_beef
            f = 0o755
            g = 0b1101_0110
            h = -0
            """
        let root = try TOMLDocument(parsing: text).root
        #expect(root["a"]?.integerValue == 99)
        #expect(root["b"]?.integerValue == -17)
        #expect(root["c"]?.integerValue == 0)
        #expect(root["d"]?.integerValue == 1_000_000)
        #expect(root["e"]?.integerValue == 0xDEAD_BEEF)
        #expect(root["f"]?.integerValue == 0o755)
        #expect(root["g"]?.integerValue == 0b1101_0110)
        #expect(root["h"]?.integerValue == 0)
    }

    @Test("floats, inf and nan; booleans")
    func floats() throws {
        let text = """
            a = 3.1415
            b = -0.01
            c = 5e+22
            d = 1e06
            e = -2E-2
            f = 6.626e-34
            g = 224_617.445_991
            h = inf
            i = -inf
            j = nan
            t = true
            u = false
            """
        let root = try TOMLDocument(parsing: text).root
        #expect(root["a"]?.floatValue == 3.1415)
        #expect(root["b"]?.floatValue == -0.01)
        #expect(root["c"]?.floatValue == 5e22)
        #expect(root["d"]?.floatValue == 1e6)
        #expect(root["e"]?.floatValue == -2e-2)
        #expect(root["f"]?.floatValue == 6.626e-34)
        #expect(root["g"]?.floatValue == 224_617.445_991)
        #expect(root["h"]?.floatValue == .infinity)
        #expect(root["i"]?.floatValue == -.infinity)
        #expect(root["j"]?.floatValue?.isNaN == true)
        #expect(root["t"]?.boolValue == true)
        #expect(root["u"]?.boolValue == false)
    }

    @Test("arrays span lines, hold comments and a trailing comma, and mix types")
    func arrays() throws {
        let text = """
            lines = [
              "GPIO17", # the button
              "GPIO27",
            ]
            nested = [[1, 2], ["a"]]
            empty = []
            """
        let root = try TOMLDocument(parsing: text).root
        #expect(root["lines"]?.arrayValue?.compactMap(\.stringValue) == ["GPIO17", "GPIO27"])
        #expect(root["nested"]?.arrayValue?.count == 2)
        #expect(root["nested"]?.arrayValue?[1].arrayValue?[0].stringValue == "a")
        #expect(root["empty"]?.arrayValue?.isEmpty == true)
    }

    @Test("sub-tables of dotted-key tables and implicit super-tables are allowed")
    func tableRules() throws {
        let text = """
            [fruit]
            apple.color = "red"
            apple.taste.sweet = true

            [fruit.apple.texture]
            smooth = true

            [x.y.z.w]
            [x]
            a = 1
            """
        let root = try TOMLDocument(parsing: text).root
        #expect(root["fruit"]?["apple"]?["texture"]?["smooth"]?.boolValue == true)
        #expect(root["fruit"]?["apple"]?["taste"]?["sweet"]?.boolValue == true)
        #expect(root["x"]?["a"]?.integerValue == 1)
        #expect(root["x"]?["y"]?["z"]?["w"]?.tableValue?.isEmpty == true)
    }

    @Test("the TOML spec's nested arrays of tables, and unusual keys (checked against Python's tomllib)")
    func specExamples() throws {
        let text = """
            [[fruits]]
            name = "apple"
            [fruits.physical]
            color = "red"
            [[fruits.varieties]]
            name = "red delicious"
            [[fruits.varieties]]
            name = "granny smith"
            [[fruits]]
            name = "banana"
            [[fruits.varieties]]
            name = "plantain"

            [keys]
            "a.b" = 1
            a . b = 2
            "" = 3
            site."google.com" = true
            3.14159 = "pi"
            [ x . 'w v' ]
            q = 2
            """
        let root = try TOMLDocument(parsing: text).root
        let fruits = try #require(root["fruits"]?.arrayValue)
        #expect(fruits.map { $0["name"]?.stringValue } == ["apple", "banana"])
        #expect(fruits[0]["physical"]?["color"]?.stringValue == "red")
        #expect(fruits[0]["varieties"]?.arrayValue?.compactMap { $0["name"]?.stringValue } == ["red delicious", "granny smith"])
        #expect(fruits[1]["varieties"]?.arrayValue?.count == 1)
        let keys = try #require(root["keys"]?.tableValue)
        #expect(keys["a.b"]?.integerValue == 1)
        #expect(keys["a"]?["b"]?.integerValue == 2)
        #expect(keys[""]?.integerValue == 3)
        #expect(keys["site"]?["google.com"]?.boolValue == true)
        #expect(keys["3"]?["14159"]?.stringValue == "pi")
        #expect(root["x"]?["w v"]?["q"]?.integerValue == 2)
    }

    @Test("line-ending backslashes and quotes inside multi-line strings")
    func multilineEdges() throws {
        let text = #"""
            s1 = """
            The quick brown \


              fox jumps over \
                the lazy dog."""
            ml = """a""b"""
            ml2 = """a""\""""
            lit = '''That's'''
            litslash = '''C:\new\ \
            x''''
            """#
        let root = try TOMLDocument(parsing: text).root
        #expect(root["s1"]?.stringValue == "The quick brown fox jumps over the lazy dog.")
        #expect(root["ml"]?.stringValue == #"a""b"#)
        #expect(root["ml2"]?.stringValue == #"a""""#)
        #expect(root["lit"]?.stringValue == "That's")
        #expect(root["litslash"]?.stringValue == "C:\\new\\ \\\nx'", "no escapes nor line joins in literal strings")
    }

    @Test("CRLF line endings and a byte order mark")
    func crlf() throws {
        let root = try TOMLDocument(parsing: "\u{FEFF}a = 1\r\n[t]\r\nb = \"x\"\r\n").root
        #expect(root["a"]?.integerValue == 1)
        #expect(root["t"]?["b"]?.stringValue == "x")
    }

    static let invalid: [(String, Int, Int, String)] = [
        ("a = 1\nb = \n", 2, 5, "expected a value"),
        ("name \"x\"\n", 1, 6, "expected '=' after the key name"),
        ("a = \"unterminated\nb = 1\n", 1, 18, "unterminated string"),
        ("a = 1\na = 2\n", 2, 1, "duplicate key a (first defined at line 1)"),
        ("[t]\nx = 1\n[t]\n", 3, 1, "table [t] is defined twice (first at line 1)"),
        ("a = 1 b = 2\n", 1, 7, "expected the end of the line after the value"),
        ("a = 007\n", 1, 5, "leading zeros"),
        ("a = 1__0\n", 1, 5, "invalid number 1__0"),
        ("a = 0x\n", 1, 5, "invalid number"),
        ("a = 1.\n", 1, 5, "invalid number"),
        ("a = \"\\q\"\n", 1, 6, "invalid escape sequence \\q"),
        ("a = \"\\uD800\"\n", 1, 6, "is not a Unicode scalar value"),
        ("a = yes\n", 1, 5, "strings need quotes"),
        ("when = 1979-05-27T07:32:00Z\n", 1, 8, "dates and times are not supported"),
        ("t = 07:32:00\n", 1, 5, "dates and times are not supported"),
        ("a = { b = 1, }\n", 1, 14, "trailing comma"),
        ("a = { b = 1,\n c = 2 }\n", 1, 13, "one line"),
        ("a = { b = 1 }\n[a]\n", 2, 1, "inline table"),
        ("a = { b = 1 }\na.c = 2\n", 2, 1, "inline table"),
        ("a = [1]\n[[a]]\n", 2, 1, "already has an array value"),
        ("[a]\nb = 1\n[a.b]\n", 3, 1, "a.b already has an integer value at line 2; it cannot also be a table"),
        ("a = +0x10\n", 1, 5, "invalid number +0x10"),
        ("a = \"\\e\"\n", 1, 6, "invalid escape sequence \\e"),
        ("a = 1\r\n b = 2\r", 2, 7, "found a carriage return"),
        ("[fruit]\napple.color = 'red'\n[fruit.apple]\n", 3, 1, "already defined with dotted keys"),
        ("[a.b.c]\nz = 9\n[a]\nb.c.t = 1\n", 4, 1, "dotted key"),
        ("[[t]]\n[t]\n", 2, 1, "conflicts with the array of tables"),
        ("a = [1 2]\n", 1, 8, "expected ',' or ']'"),
        ("[t\n", 1, 3, "expected ']'"),
        ("a = 1 # bad \u{01} comment\n", 1, 13, "not allowed in a comment"),
        ("a = 99999999999999999999\n", 1, 5, "does not fit"),
        ("= 1\n", 1, 1, "expected a key"),
        ("a = \"\"\"never closed\n", 1, 5, "unterminated multi-line string"),
    ]

    @Test("syntax errors give line, column and what was expected", arguments: invalid)
    func syntaxErrors(text: String, line: Int, column: Int, fragment: String) {
        do {
            _ = try TOMLDocument(parsing: text)
            Issue.record("parsed without error: \(text)")
        } catch {
            #expect(error.line == line, "\(error)")
            #expect(error.column == column, "\(error)")
            #expect(error.message.contains(fragment), "\(error)")
            #expect(error.description.hasPrefix("line \(line), column \(column): "))
        }
    }
}
