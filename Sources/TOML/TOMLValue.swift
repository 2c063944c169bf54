// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

/// A place in a TOML document: 1-based line and column (columns count Unicode scalars).
public struct SourcePosition: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The 1-based line number.
    public var line: Int
    /// The 1-based column, in Unicode scalars from the start of the line.
    public var column: Int

    /// A position at `line`, `column` (both 1-based).
    public init(line: Int, column: Int) {
        self.line = line
        self.column = column
    }

    public static func < (lhs: SourcePosition, rhs: SourcePosition) -> Bool {
        (lhs.line, lhs.column) < (rhs.line, rhs.column)
    }

    /// `line:column`.
    public var description: String { "\(line):\(column)" }
}

/// One TOML value with the place it was written, so decoding errors can name the line.
public struct TOMLValue: Sendable, Equatable {
    /// The value itself.
    public enum Storage: Sendable, Equatable {
        case string(String)
        case integer(Int)
        case float(Double)
        case boolean(Bool)
        case array([TOMLValue])
        case table(TOMLTable)
    }

    /// The value.
    public var storage: Storage
    /// Where the value starts; for a table, its `[header]` (or the key that created it).
    public var position: SourcePosition

    /// A value written at `position`.
    public init(_ storage: Storage, at position: SourcePosition) {
        self.storage = storage
        self.position = position
    }

    /// The TOML type's name as used in error messages ("string", "integer", "table", ...).
    public var typeName: String {
        switch storage {
        case .string: "string"
        case .integer: "integer"
        case .float: "float"
        case .boolean: "boolean"
        case .array: "array"
        case .table: "table"
        }
    }

    /// The string, if this is one.
    public var stringValue: String? {
        if case .string(let value) = storage { return value }
        return nil
    }

    /// The integer, if this is one.
    public var integerValue: Int? {
        if case .integer(let value) = storage { return value }
        return nil
    }

    /// The float, if this is one (integers are not converted).
    public var floatValue: Double? {
        if case .float(let value) = storage { return value }
        return nil
    }

    /// The boolean, if this is one.
    public var boolValue: Bool? {
        if case .boolean(let value) = storage { return value }
        return nil
    }

    /// The elements, if this is an array (an array of tables included).
    public var arrayValue: [TOMLValue]? {
        if case .array(let value) = storage { return value }
        return nil
    }

    /// The table, if this is one.
    public var tableValue: TOMLTable? {
        if case .table(let value) = storage { return value }
        return nil
    }

    /// The member `key` of a table, or nil.
    public subscript(key: String) -> TOMLValue? {
        tableValue?[key]
    }
}

/// A TOML table: keys in the order they were written, each with its value and the key's own position.
public struct TOMLTable: Sendable, Equatable {
    /// One key and its value.
    public struct Entry: Sendable, Equatable {
        /// The key (unquoted).
        public var key: String
        /// Where the key was written (for a dotted key, where its last part was written).
        public var keyPosition: SourcePosition
        /// The value.
        public var value: TOMLValue
    }

    /// The entries in document order.
    public private(set) var entries: [Entry] = []
    private var index: [String: Int] = [:]

    /// An empty table.
    public init() {}

    /// The keys in document order.
    public var keys: [String] { entries.map(\.key) }

    /// The number of keys.
    public var count: Int { entries.count }

    /// Whether the table has no keys.
    public var isEmpty: Bool { entries.isEmpty }

    /// The value for `key`, or nil.
    public subscript(key: String) -> TOMLValue? {
        guard let position = index[key] else { return nil }
        return entries[position].value
    }

    /// Where `key` was written, or nil.
    public func keyPosition(_ key: String) -> SourcePosition? {
        guard let position = index[key] else { return nil }
        return entries[position].keyPosition
    }

    /// Adds or replaces `key`; a replaced key keeps its place.
    public mutating func set(_ key: String, _ value: TOMLValue, keyPosition: SourcePosition) {
        if let existing = index[key] {
            entries[existing] = Entry(key: key, keyPosition: keyPosition, value: value)
        } else {
            index[key] = entries.count
            entries.append(Entry(key: key, keyPosition: keyPosition, value: value))
        }
    }

    public static func == (lhs: TOMLTable, rhs: TOMLTable) -> Bool {
        lhs.entries == rhs.entries
    }
}

/// A parsed TOML document: the root table.
public struct TOMLDocument: Sendable, Equatable {
    /// The deepest tables and arrays may nest below the root: 128 levels. `[a.b]` is two levels, `[[a]]`
    /// two (the array and its table), `x = [[1]]` two, `x = { y = { z = 1 } }` two, `a.b.c = 1` two.
    /// Deeper is a ``TOMLSyntaxError`` at the line and column where the limit is crossed, so that a small
    /// hostile or broken file cannot exhaust the stack of whoever parses or decodes it.
    public static let maximumNestingDepth = 128

    /// The root table (position 1:1).
    public var root: TOMLTable

    /// Parses `text` as TOML 1.0. Throws ``TOMLSyntaxError`` with line, column and what was expected, also
    /// when tables and arrays nest deeper than ``maximumNestingDepth``.
    public init(parsing text: String) throws(TOMLSyntaxError) {
        var parser = TOMLParser(text: text)
        root = try parser.parseDocument()
    }
}
