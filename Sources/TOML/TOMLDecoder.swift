// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

/// A TOML document could not be decoded: names the key path and the line, so a user can find the mistake.
///
/// `description` reads like `tools[1].action.max_pulse_ms (line 23): expected an integer, found string`.
public struct TOMLDecodingError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What kind of mistake it is.
    /// A struct over a private enum (the shape of `LiveError.Kind`), so kinds can be added without
    /// breaking callers' switches.
    public struct Kind: Hashable, Sendable, CustomStringConvertible {
        private enum Value: String, Hashable, Sendable {
            case syntax, typeMismatch, missingKey, unknownKey, invalidValue
        }
        private let value: Value

        /// The text is not valid TOML.
        public static let syntax = Kind(value: .syntax)
        /// A value has the wrong type.
        public static let typeMismatch = Kind(value: .typeMismatch)
        /// A required key is missing.
        public static let missingKey = Kind(value: .missingKey)
        /// A key the configuration does not know (strict mode only).
        public static let unknownKey = Kind(value: .unknownKey)
        /// A value has the right type but is not acceptable (out of range, not one of the allowed words...).
        public static let invalidValue = Kind(value: .invalidValue)

        public var description: String { value.rawValue }
    }

    /// What kind of mistake it is.
    public var kind: Kind
    /// The key path, as `tools[1].action.max_pulse_ms`; empty for the document itself.
    public var path: String
    /// The 1-based line of the value (or of the enclosing table for a missing key), when known.
    public var line: Int?
    /// The 1-based column, when known.
    public var column: Int?
    /// What is wrong, and what was expected.
    public var message: String

    /// An error at `path`, `line`, `column`.
    public init(kind: Kind, path: String, line: Int?, column: Int?, message: String) {
        self.kind = kind
        self.path = path
        self.line = line
        self.column = column
        self.message = message
    }

    public var description: String {
        if kind == .syntax, let line, let column { return "line \(line), column \(column): \(message)" }
        let place = line.map { "line \($0)" }
        switch (path.isEmpty, place) {
        case (false, let place?): return "\(path) (\(place)): \(message)"
        case (false, nil): return "\(path): \(message)"
        case (true, let place?): return "\(place): \(message)"
        case (true, nil): return message
        }
    }
}

/// A key that the decoded type never asked for: usually a typo in a configuration file.
public struct TOMLUnknownKey: Sendable, Equatable, CustomStringConvertible {
    /// The full key path, as `tools[0].action.max_puls_ms`.
    public var path: String
    /// Where the key was written.
    public var position: SourcePosition
    /// The keys the type does read in that table, sorted.
    public var expected: [String]

    public var description: String { "\(path) (line \(position.line)): \(message)" }

    /// `unknown key; did you mean max_pulse_ms?` (or the list of keys the table takes).
    public var message: String {
        var text = "unknown key"
        let key = path.split(separator: ".").last.map(String.init) ?? path
        // Only keys within two edits can be suggested; the length check keeps a huge key from costing
        // length × length per candidate.
        let keyLength = key.unicodeScalars.count
        let distances = expected.compactMap { candidate -> (String, Int)? in
            guard abs(candidate.unicodeScalars.count - keyLength) <= 2 else { return nil }
            return (candidate, editDistance(candidate, key))
        }
        if let (suggestion, distance) = distances.min(by: { $0.1 < $1.1 }), distance <= 2 {
            text += "; did you mean \(suggestion)?"
        } else if !expected.isEmpty {
            text += "; expected one of: \(expected.joined(separator: ", "))"
        }
        return text
    }
}

/// Decodes `Decodable` types from TOML, with errors that name the key path and the line.
///
/// ```swift
/// let config = try TOMLDecoder(rejectsUnknownKeys: true).decode(Config.self, from: text)
/// ```
/// Integers decode into any integer type (range-checked), floats and integers into `Double`/`Float`.
/// TOML has no null: an optional property is nil when its key is absent.
public struct TOMLDecoder: Sendable {
    /// When true, a key that the type never reads is an error (with its line and a "did you mean").
    public var rejectsUnknownKeys: Bool

    /// A decoder; strict about unknown keys when `rejectsUnknownKeys` is true.
    public init(rejectsUnknownKeys: Bool = false) {
        self.rejectsUnknownKeys = rejectsUnknownKeys
    }

    /// Parses `text` and decodes `T` from its root table.
    public func decode<T: Decodable>(_ type: T.Type, from text: String) throws(TOMLDecodingError) -> T {
        try decodeReportingUnknownKeys(type, from: text).value
    }

    /// Decodes `T` from an already parsed table.
    public func decode<T: Decodable>(_ type: T.Type, from table: TOMLTable) throws(TOMLDecodingError) -> T {
        try decodeReportingUnknownKeys(type, from: table).value
    }

    /// Parses and decodes, and also returns the keys `T` never read (in document order), for a warning.
    /// In strict mode the first unknown key is thrown instead.
    public func decodeReportingUnknownKeys<T: Decodable>(
        _ type: T.Type, from text: String
    ) throws(TOMLDecodingError) -> (value: T, unknownKeys: [TOMLUnknownKey]) {
        let document: TOMLDocument
        do {
            document = try TOMLDocument(parsing: text)
        } catch {
            throw TOMLDecodingError(
                kind: .syntax, path: "", line: error.line, column: error.column, message: error.message)
        }
        return try decodeReportingUnknownKeys(type, from: document.root)
    }

    /// Decodes from a parsed table and returns the keys `T` never read.
    public func decodeReportingUnknownKeys<T: Decodable>(
        _ type: T.Type, from table: TOMLTable
    ) throws(TOMLDecodingError) -> (value: T, unknownKeys: [TOMLUnknownKey]) {
        let root = TOMLValue(.table(table), at: SourcePosition(line: 1, column: 1))
        let state = DecodingState()
        let value: T
        do {
            value = try T(from: ValueDecoder(value: root, node: state.root, state: state))
        } catch let error as DecodingError {
            throw Self.convert(error, root: root)
        } catch let error as TOMLDecodingError {
            throw error
        } catch {
            throw TOMLDecodingError(kind: .invalidValue, path: "", line: nil, column: nil, message: "\(error)")
        }
        let unknown = state.unknownKeys()
        if rejectsUnknownKeys, let first = unknown.first {
            throw TOMLDecodingError(
                kind: .unknownKey, path: first.path, line: first.position.line, column: first.position.column,
                message: first.message)
        }
        return (value, unknown)
    }

    // MARK: Turning DecodingError into a path and a line

    private static func convert(_ error: DecodingError, root: TOMLValue) -> TOMLDecodingError {
        let kind: TOMLDecodingError.Kind
        let path: [any CodingKey]
        let message: String
        switch error {
        case .typeMismatch(_, let context):
            (kind, path, message) = (.typeMismatch, context.codingPath, context.debugDescription)
        case .valueNotFound(_, let context):
            (kind, path, message) = (.typeMismatch, context.codingPath, context.debugDescription)
        case .keyNotFound(let key, let context):
            (kind, path, message) = (.missingKey, context.codingPath, "missing required key \(quoteIfNeeded(key.stringValue))")
        case .dataCorrupted(let context):
            (kind, path, message) = (.invalidValue, context.codingPath, context.debugDescription)
        @unknown default:
            (kind, path, message) = (.invalidValue, [], "\(error)")
        }
        let position = locate(path, in: root)
        return TOMLDecodingError(
            kind: kind, path: pathString(path), line: position.line, column: position.column, message: message)
    }

    /// The position of the deepest value along `path` that exists.
    private static func locate(_ path: [any CodingKey], in root: TOMLValue) -> SourcePosition {
        var current = root
        for key in path {
            switch current.storage {
            case .table(let table):
                guard let next = table[key.stringValue] else { return current.position }
                current = next
            case .array(let elements):
                guard let index = key.intValue, elements.indices.contains(index) else { return current.position }
                current = elements[index]
            default:
                return current.position
            }
        }
        return current.position
    }
}

/// `tools[1].action.max_pulse_ms` from a coding path.
func pathString(_ path: [any CodingKey]) -> String {
    var text = ""
    for key in path {
        if let index = key.intValue, key is IndexKey || key.stringValue == "Index \(index)" {
            // Array positions: ours, and the "Index N" keys other decoders (and hand-made paths) use.
            text += "[\(index)]"
        } else {
            if !text.isEmpty { text += "." }
            text += quoteIfNeeded(key.stringValue)
        }
    }
    return text
}

/// Levenshtein distance, for "did you mean" on unknown keys.
func editDistance(_ a: String, _ b: String) -> Int {
    let a = Array(a.unicodeScalars)
    let b = Array(b.unicodeScalars)
    if a.isEmpty { return b.count }
    if b.isEmpty { return a.count }
    var previous = Array(0...b.count)
    var current = previous
    for i in 1...a.count {
        current[0] = i
        for j in 1...b.count {
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
        }
        swap(&previous, &current)
    }
    return previous[b.count]
}

// MARK: - Decoder internals

/// The array position in a coding path.
struct IndexKey: CodingKey {
    let index: Int
    init(_ index: Int) { self.index = index }
    init?(stringValue: String) { nil }
    init?(intValue: Int) { self.index = intValue }
    var stringValue: String { "\(index)" }
    var intValue: Int? { index }
}

/// One place in the document as the decoder walks it: a coding path kept as a linked list, so that going
/// one level deeper costs the same at any depth (an array path copied per level made decoding quadratic in
/// depth). The array form is built only when someone asks for it, normally for an error.
///
/// Nodes are shared: asking a node twice for the same child gives the same node, so the keys read at one
/// path are recorded in one place however many times a type decodes it.
final class PathNode {
    /// The node one level up; the root has none. The parent owns its children, so this is unowned.
    unowned let parent: PathNode?
    /// The key that leads here from the parent; nil at the root.
    let key: (any CodingKey)?
    /// The table found here, once a keyed container was made for it (for the unknown-key report).
    var table: TOMLTable?
    /// The keys of that table the decoded type asked about.
    var accessed: Set<String> = []
    private var keyedChildren: [String: PathNode] = [:]
    private var indexedChildren: [Int: PathNode] = [:]

    init(parent: PathNode?, key: (any CodingKey)?) {
        self.parent = parent
        self.key = key
    }

    /// The node for `key` below this one.
    func child(_ key: some CodingKey) -> PathNode {
        if let existing = keyedChildren[key.stringValue] { return existing }
        let node = PathNode(parent: self, key: key)
        keyedChildren[key.stringValue] = node
        return node
    }

    /// The node for array element `index` below this one.
    func element(_ index: Int) -> PathNode {
        if let existing = indexedChildren[index] { return existing }
        let node = PathNode(parent: self, key: IndexKey(index))
        indexedChildren[index] = node
        return node
    }

    /// The coding path from the root to here.
    var codingPath: [any CodingKey] {
        var keys: [any CodingKey] = []
        var node: PathNode? = self
        while let current = node, let key = current.key {
            keys.append(key)
            node = current.parent
        }
        return keys.reversed()
    }
}

/// Which tables were opened and which of their keys were read, to find unknown keys afterwards.
final class DecodingState {
    /// The document's root.
    let root = PathNode(parent: nil, key: nil)
    /// The nodes where a table was opened, in the order they were first opened.
    private var visited: [PathNode] = []

    func visit(_ table: TOMLTable, at node: PathNode) {
        guard node.table == nil else { return }
        node.table = table
        visited.append(node)
    }

    func unknownKeys() -> [TOMLUnknownKey] {
        var result: [TOMLUnknownKey] = []
        for node in visited {
            guard let table = node.table else { continue }
            var context: (path: String, expected: [String])?  // built once per table, only if needed
            for entry in table.entries where !node.accessed.contains(entry.key) {
                let (prefix, expected) = context ?? (pathString(node.codingPath), node.accessed.sorted())
                context = (prefix, expected)
                let full = prefix.isEmpty ? quoteIfNeeded(entry.key) : prefix + "." + quoteIfNeeded(entry.key)
                result.append(TOMLUnknownKey(path: full, position: entry.keyPosition, expected: expected))
            }
        }
        return result.sorted { $0.position < $1.position }
    }
}

private func article(_ typeName: String) -> String {
    switch typeName.first {
    case "a", "e", "i", "o", "u": "an \(typeName)"
    default: "a \(typeName)"
    }
}

struct ValueDecoder: Decoder {
    let value: TOMLValue
    let node: PathNode
    let state: DecodingState
    var codingPath: [any CodingKey] { node.codingPath }
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func mismatch(_ type: Any.Type, expected: String) -> DecodingError {
        DecodingError.typeMismatch(
            type,
            DecodingError.Context(
                codingPath: codingPath, debugDescription: "expected \(expected), found \(value.typeName)"))
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        guard let table = value.tableValue else {
            throw mismatch(TOMLTable.self, expected: "a table")
        }
        state.visit(table, at: node)
        return KeyedDecodingContainer(KeyedContainer<Key>(table: table, position: value.position, node: node, state: state))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        guard let elements = value.arrayValue else {
            throw mismatch([TOMLValue].self, expected: "an array")
        }
        return UnkeyedContainer(elements: elements, node: node, state: state)
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer { self }
}

extension ValueDecoder: SingleValueDecodingContainer {
    func decodeNil() -> Bool { false }

    func decode(_ type: Bool.Type) throws -> Bool {
        guard let value = value.boolValue else { throw mismatch(type, expected: "a boolean (true or false)") }
        return value
    }

    func decode(_ type: String.Type) throws -> String {
        guard let value = value.stringValue else { throw mismatch(type, expected: "a string") }
        return value
    }

    func decode(_ type: Double.Type) throws -> Double {
        if let value = value.floatValue { return value }
        if let value = value.integerValue { return Double(value) }
        throw mismatch(type, expected: "a number")
    }

    func decode(_ type: Float.Type) throws -> Float { Float(try decode(Double.self)) }

    private func integer<T: FixedWidthInteger>(_ type: T.Type) throws -> T {
        guard let value = value.integerValue else { throw mismatch(type, expected: "an integer") }
        guard let exact = T(exactly: value) else {
            throw DecodingError.dataCorrupted(
                DecodingError.Context(
                    codingPath: codingPath,
                    debugDescription: "\(value) is out of range: expected an integer from \(T.min) to \(T.max)"))
        }
        return exact
    }

    func decode(_ type: Int.Type) throws -> Int { try integer(type) }
    func decode(_ type: Int8.Type) throws -> Int8 { try integer(type) }
    func decode(_ type: Int16.Type) throws -> Int16 { try integer(type) }
    func decode(_ type: Int32.Type) throws -> Int32 { try integer(type) }
    func decode(_ type: Int64.Type) throws -> Int64 { try integer(type) }
    func decode(_ type: UInt.Type) throws -> UInt { try integer(type) }
    func decode(_ type: UInt8.Type) throws -> UInt8 { try integer(type) }
    func decode(_ type: UInt16.Type) throws -> UInt16 { try integer(type) }
    func decode(_ type: UInt32.Type) throws -> UInt32 { try integer(type) }
    func decode(_ type: UInt64.Type) throws -> UInt64 { try integer(type) }

    func decode<T: Decodable>(_ type: T.Type) throws -> T {
        if type == TOMLValue.self { return value as! T }
        return try T(from: self)
    }
}

struct KeyedContainer<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let table: TOMLTable
    let position: SourcePosition
    let node: PathNode
    let state: DecodingState
    var codingPath: [any CodingKey] { node.codingPath }

    var allKeys: [Key] { table.keys.compactMap { Key(stringValue: $0) } }

    func contains(_ key: Key) -> Bool {
        node.accessed.insert(key.stringValue)
        return table[key.stringValue] != nil
    }

    private func child(_ key: Key) throws -> ValueDecoder {
        node.accessed.insert(key.stringValue)
        guard let value = table[key.stringValue] else {
            throw DecodingError.keyNotFound(
                key,
                DecodingError.Context(
                    codingPath: codingPath, debugDescription: "missing required key \(quoteIfNeeded(key.stringValue))"))
        }
        return ValueDecoder(value: value, node: node.child(key), state: state)
    }

    func decodeNil(forKey key: Key) throws -> Bool {
        node.accessed.insert(key.stringValue)
        return table[key.stringValue] == nil
    }

    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
        try child(key).decode(type)
    }

    func decodeIfPresent<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T? {
        guard contains(key) else { return nil }
        return try child(key).decode(type)
    }

    func nestedContainer<NestedKey: CodingKey>(
        keyedBy type: NestedKey.Type, forKey key: Key
    ) throws -> KeyedDecodingContainer<NestedKey> {
        try child(key).container(keyedBy: type)
    }

    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
        try child(key).unkeyedContainer()
    }

    func superDecoder() throws -> any Decoder {
        ValueDecoder(value: TOMLValue(.table(table), at: position), node: node, state: state)
    }

    func superDecoder(forKey key: Key) throws -> any Decoder { try child(key) }
}

struct UnkeyedContainer: UnkeyedDecodingContainer {
    let elements: [TOMLValue]
    let node: PathNode
    let state: DecodingState
    private(set) var currentIndex = 0
    var codingPath: [any CodingKey] { node.codingPath }

    init(elements: [TOMLValue], node: PathNode, state: DecodingState) {
        self.elements = elements
        self.node = node
        self.state = state
    }

    var count: Int? { elements.count }
    var isAtEnd: Bool { currentIndex >= elements.count }

    private mutating func next() throws -> ValueDecoder {
        guard !isAtEnd else {
            throw DecodingError.valueNotFound(
                TOMLValue.self,
                DecodingError.Context(
                    codingPath: codingPath,
                    debugDescription: "expected more than \(elements.count) element(s) in the array"))
        }
        let decoder = ValueDecoder(value: elements[currentIndex], node: node.element(currentIndex), state: state)
        currentIndex += 1
        return decoder
    }

    mutating func decodeNil() throws -> Bool { false }

    mutating func decode<T: Decodable>(_ type: T.Type) throws -> T {
        try next().decode(type)
    }

    mutating func nestedContainer<NestedKey: CodingKey>(
        keyedBy type: NestedKey.Type
    ) throws -> KeyedDecodingContainer<NestedKey> {
        try next().container(keyedBy: type)
    }

    mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer {
        try next().unkeyedContainer()
    }

    mutating func superDecoder() throws -> any Decoder { try next() }
}
