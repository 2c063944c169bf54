// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

import Testing

@testable import TOML

/// Any TOML value, decoded through the real `Decodable` machinery (keyed and unkeyed containers all the
/// way down), to check that deep documents decode and that every level is walked.
private indirect enum Tree: Decodable, Equatable {
    case leaf
    case array([Tree])
    case table([String: Tree])

    init(from decoder: any Decoder) throws {
        if let table = try? decoder.container(keyedBy: AnyKey.self) {
            var members: [String: Tree] = [:]
            for key in table.allKeys { members[key.stringValue] = try table.decode(Tree.self, forKey: key) }
            self = .table(members)
        } else if var array = try? decoder.unkeyedContainer() {
            var elements: [Tree] = []
            while !array.isAtEnd { elements.append(try array.decode(Tree.self)) }
            self = .array(elements)
        } else {
            self = .leaf
        }
    }

    /// How many tables and arrays nest below this one.
    var depth: Int {
        switch self {
        case .leaf: 0
        case .array(let elements): 1 + (elements.map(\.depth).max() ?? 0)
        case .table(let members): 1 + (members.values.map(\.depth).max() ?? 0)
        }
    }
}

private struct AnyKey: CodingKey {
    var stringValue: String
    init(stringValue: String) { self.stringValue = stringValue }
    var intValue: Int? { nil }
    init?(intValue: Int) { nil }
}

/// Documents whose tables and arrays nest exactly `depth` levels below the root, written each way TOML allows.
private enum Deep {
    static func arrays(_ depth: Int) -> String {
        "x = " + String(repeating: "[", count: depth) + "1" + String(repeating: "]", count: depth) + "\n"
    }

    static func inlineTables(_ depth: Int) -> String {
        // x = {a = {a = ... {a = 1} ...}}: x is level 1, each `a = {` one more.
        "x = " + String(repeating: "{a = ", count: depth) + "1" + String(repeating: "}", count: depth) + "\n"
    }

    static func header(_ depth: Int) -> String {
        "[" + Array(repeating: "a", count: depth).joined(separator: ".") + "]\nv = 1\n"
    }

    static func dottedKey(_ depth: Int) -> String {
        // a.a. … .a = 1 with depth + 1 parts: `depth` tables, then the scalar.
        Array(repeating: "a", count: depth + 1).joined(separator: ".") + " = 1\n"
    }

    static func arraysOfTables(_ depth: Int) -> String {
        // [[a.a. … .a]]: each part an array of tables (two levels) except the ones before it, so use a header
        // under arrays of tables: [[a]] then [[a.a]] … each adds an array and a table.
        precondition(depth % 2 == 0)
        var text = ""
        var name: [String] = []
        for _ in 0..<(depth / 2) {
            name.append("a")
            text += "[[" + name.joined(separator: ".") + "]]\n"
        }
        return text
    }

    // Closures, not bare method references: Swift 6.0.3 crashes converting those to @Sendable in a tuple.
    static let kinds: [(String, @Sendable (Int) -> String)] = [
        ("arrays", { arrays($0) }), ("inline tables", { inlineTables($0) }), ("a table header", { header($0) }),
        ("a dotted key", { dottedKey($0) }), ("arrays of tables", { arraysOfTables($0) }),
    ]
}

@Suite("TOML nesting limit")
struct TOMLNestingTests {
    @Test("a document nested 100,000 levels deep is a syntax error with line and column, not a crash")
    func hugeDepth() throws {
        let arrayOfTablesHeader: @Sendable (Int) -> String = {
            "[[" + Array(repeating: "a", count: $0).joined(separator: ".") + "]]\n"
        }
        let forms = Deep.kinds.filter { $0.0 != "arrays of tables" } + [("an array-of-tables header", arrayOfTablesHeader)]
        for (kind, make) in forms {
            let text = make(100_000)
            #expect(throws: TOMLSyntaxError.self, "\(kind)") { try TOMLDocument(parsing: text) }
            do {
                _ = try TOMLDocument(parsing: text)
            } catch {
                #expect(error.message.contains("at most 128 levels"), "\(kind): \(error)")
                #expect(error.line >= 1 && error.column >= 1)
            }
        }
    }

    @Test("exactly 128 levels parse and decode in every form; 129 are refused where the limit is crossed")
    func boundary() throws {
        #expect(TOMLDocument.maximumNestingDepth == 128)
        for (kind, make) in Deep.kinds {
            let document = try TOMLDocument(parsing: make(128))
            let tree = try TOMLDecoder().decode(Tree.self, from: document.root)
            // The root table itself is one more level than the limit counts.
            #expect(tree.depth == 129, "\(kind)")

            let over = kind == "arrays of tables" ? make(130) : make(129)
            do {
                _ = try TOMLDocument(parsing: over)
                Issue.record("\(kind): 129 levels were accepted")
            } catch {
                #expect(error.message.contains("too deeply nested"), "\(kind): \(error)")
            }
        }
    }

    @Test("the error points at the bracket that crosses the limit")
    func position() throws {
        let text = "title = \"deep\"\n\nx = " + String(repeating: "[", count: 200) + "]\n"
        do {
            _ = try TOMLDocument(parsing: text)
            Issue.record("accepted")
        } catch {
            #expect(error.line == 3)
            #expect(error.column == 5 + 128)  // `x = ` then 128 accepted brackets
        }
    }

    @Test("depth counts the tables a header walks through, arrays of tables included")
    func headerThroughArrays() throws {
        // 63 arrays of tables ([[a]], [[a.a]], …) are 126 levels; a table header below them adds one per part.
        var text = ""
        var name: [String] = []
        for _ in 0..<63 {
            name.append("a")
            text += "[[" + name.joined(separator: ".") + "]]\n"
        }
        _ = try TOMLDocument(parsing: text + "[" + (name + ["b", "c"]).joined(separator: ".") + "]\n")
        #expect(throws: TOMLSyntaxError.self) {
            try TOMLDocument(parsing: text + "[" + (name + ["b", "c", "d"]).joined(separator: ".") + "]\n")
        }
    }

    @Test("the decoder reports an unknown key 128 levels down with its whole path, and decodes deep arrays")
    func deepDecoding() async throws {
        struct Leaf: Decodable { var v: Int }
        // Decoded inside a task, on a concurrency thread's stack.
        let depth = 127
        let header = Array(repeating: "a", count: depth).joined(separator: ".")
        let text = "[\(header)]\nv = 1\ntypo = 2\n"
        let unknown = try await Task {
            try TOMLDecoder().decodeReportingUnknownKeys(Tree.self, from: text).unknownKeys
        }.value
        #expect(unknown.isEmpty)  // Tree reads every key

        struct Chain: Decodable {
            var a: Box?
            var v: Int?
            final class Box: Decodable {
                let value: Chain
                init(from decoder: any Decoder) throws { value = try Chain(from: decoder) }
            }
        }
        let chainUnknown = try await Task {
            try TOMLDecoder().decodeReportingUnknownKeys(Chain.self, from: text).unknownKeys
        }.value
        #expect(chainUnknown.map(\.path) == [header + ".typo"])
        #expect(chainUnknown.first?.position.line == 3)
        #expect(chainUnknown.first?.message == "unknown key; expected one of: a, v")
    }

    @Test("an unknown key of a megabyte gets its message without comparing it letter by letter")
    func hugeUnknownKey() throws {
        struct Small: Decodable { var name: String }
        let key = String(repeating: "n", count: 1 << 20)
        let result = try TOMLDecoder().decodeReportingUnknownKeys(Small.self, from: "name = \"x\"\n\(key) = 1\n")
        let unknown = try #require(result.unknownKeys.first)
        #expect(unknown.message == "unknown key; expected one of: name")
        // A near miss still gets its suggestion.
        let near = try TOMLDecoder().decodeReportingUnknownKeys(Small.self, from: "name = \"x\"\nnmae = 1\n")
        #expect(near.unknownKeys.first?.message == "unknown key; did you mean name?")
    }
}
