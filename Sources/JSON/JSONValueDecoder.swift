// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

/// Decodes `Decodable` types from a parsed ``JSONValue``: with ``JSONParser``, the project's JSON decoder.
///
/// Every node is visited once, and a ``JSONValue`` (or `[String: JSONValue]`, `[JSONValue]`) field is
/// taken as it is rather than rebuilt, so decoding is linear in the message's size however deep free-form
/// fields nest. The coding path is kept as a linked list and only turned into an array when asked for (an
/// error), so a failed `try?` costs nothing per level above it.
///
/// Type checks are strict, as JSON's: a `Bool` must be `true`/`false`, an integer a number with no
/// fractional part that fits the type, a `String` a string. Types that want leniency read a `JSONValue`
/// and interpret it themselves.
public struct JSONValueDecoder: Sendable {
    /// Passed to every `Decoder` the types see.
    public var userInfo: [CodingUserInfoKey: any Sendable] = [:]

    /// A decoder with no user info.
    public init() {}

    /// Decodes a `T` from `value`.
    public func decode<T: Decodable>(_ type: T.Type, from value: JSONValue) throws -> T {
        let decoder = ValueDecoder(value: value, path: nil, userInfo: userInfo)
        return try decoder.decodeValue(type)
    }

    /// Parses `bytes` (with ``JSONParser``) and decodes a `T`. Parse errors are thrown as ``JSONParseError``.
    public func decode<T: Decodable>(_ type: T.Type, from bytes: [UInt8]) throws -> T {
        try decode(type, from: try JSONParser().parse(bytes))
    }
}

/// One step of a coding path, linked to its parent.
final class CodingPathNode: Sendable {
    let parent: CodingPathNode?
    let key: PathKey

    init(parent: CodingPathNode?, key: PathKey) {
        self.parent = parent
        self.key = key
    }

    /// The path from the root, built on demand.
    static func path(_ node: CodingPathNode?) -> [any CodingKey] {
        var keys: [any CodingKey] = []
        var current = node
        while let step = current {
            keys.append(step.key)
            current = step.parent
        }
        return keys.reversed()
    }
}

/// A coding key for paths: an object member name or an array index.
struct PathKey: CodingKey, Sendable {
    var stringValue: String
    var intValue: Int?

    init(stringValue: String) {
        self.stringValue = stringValue
        intValue = nil
    }

    init(intValue: Int) {
        stringValue = "\(intValue)"
        self.intValue = intValue
    }

    init(_ key: some CodingKey) {
        stringValue = key.stringValue
        intValue = key.intValue
    }
}

/// The `Decoder` over one node.
final class ValueDecoder: Decoder {
    let value: JSONValue
    let pathNode: CodingPathNode?
    let sendableUserInfo: [CodingUserInfoKey: any Sendable]

    init(value: JSONValue, path: CodingPathNode?, userInfo: [CodingUserInfoKey: any Sendable]) {
        self.value = value
        self.pathNode = path
        self.sendableUserInfo = userInfo
    }

    var codingPath: [any CodingKey] { CodingPathNode.path(pathNode) }
    var userInfo: [CodingUserInfoKey: Any] { sendableUserInfo }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        guard case .object(let members) = value else { throw mismatch([String: JSONValue].self, value) }
        return KeyedDecodingContainer(KeyedContainer<Key>(members: members, decoder: self))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        guard case .array(let elements) = value else { throw mismatch([JSONValue].self, value) }
        return UnkeyedContainer(elements: elements, decoder: self)
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer { SingleContainer(decoder: self) }

    /// A child decoder one step down.
    func child(_ value: JSONValue, key: PathKey) -> ValueDecoder {
        ValueDecoder(value: value, path: CodingPathNode(parent: pathNode, key: key), userInfo: sendableUserInfo)
    }

    /// Decodes this node as `T`, taking free-form JSON as it is.
    func decodeValue<T: Decodable>(_ type: T.Type) throws -> T {
        if let direct = Self.direct(type, value) { return direct }
        return try T(from: self)
    }

    /// Free-form JSON types need no decoding: the node is the value.
    static func direct<T>(_ type: T.Type, _ value: JSONValue) -> T? {
        if T.self == JSONValue.self { return (value as! T) }
        if T.self == [String: JSONValue].self, case .object(let members) = value { return (members as! T) }
        if T.self == [JSONValue].self, case .array(let elements) = value { return (elements as! T) }
        return nil
    }

    func mismatch(_ type: Any.Type, _ value: JSONValue, path: [any CodingKey]? = nil) -> DecodingError {
        DecodingError.typeMismatch(type, DecodingError.Context(
            codingPath: path ?? codingPath, debugDescription: "expected \(Self.name(of: type)), found \(value.typeName)"))
    }

    static func name(of type: Any.Type) -> String {
        switch type {
        case is Bool.Type: "a boolean"
        case is String.Type: "a string"
        case is Double.Type, is Float.Type: "a number"
        case is [String: JSONValue].Type: "an object"
        case is [JSONValue].Type: "an array"
        default: "an integer (\(type))"
        }
    }

    // MARK: Scalars, shared by the three containers.

    func bool(_ value: JSONValue, path: @autoclosure () -> [any CodingKey]) throws -> Bool {
        guard case .bool(let flag) = value else { throw mismatch(Bool.self, value, path: path()) }
        return flag
    }

    func string(_ value: JSONValue, path: @autoclosure () -> [any CodingKey]) throws -> String {
        guard case .string(let text) = value else { throw mismatch(String.self, value, path: path()) }
        return text
    }

    func double(_ value: JSONValue, path: @autoclosure () -> [any CodingKey]) throws -> Double {
        switch value {
        case .int(let number): return Double(number)
        case .double(let number): return number
        default: throw mismatch(Double.self, value, path: path())
        }
    }

    func integer<T: FixedWidthInteger>(_ type: T.Type, _ value: JSONValue, path: @autoclosure () -> [any CodingKey]) throws -> T {
        switch value {
        case .int(let number):
            if let exact = T(exactly: number) { return exact }
        case .double(let number):
            if let exact = T(exactly: number) { return exact }
        default:
            throw mismatch(type, value, path: path())
        }
        throw DecodingError.dataCorrupted(DecodingError.Context(
            codingPath: path(), debugDescription: "\(value.jsonString.prefix(40)) does not fit \(type)"))
    }
}

private struct KeyedContainer<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let members: [String: JSONValue]
    let decoder: ValueDecoder

    var codingPath: [any CodingKey] { decoder.codingPath }
    var allKeys: [Key] { members.keys.compactMap { Key(stringValue: $0) } }

    func contains(_ key: Key) -> Bool { members[key.stringValue] != nil }

    private func member(_ key: Key) throws -> JSONValue {
        guard let value = members[key.stringValue] else {
            throw DecodingError.keyNotFound(key, DecodingError.Context(
                codingPath: codingPath, debugDescription: "no member '\(key.stringValue)'"))
        }
        return value
    }

    private func path(_ key: Key) -> [any CodingKey] { codingPath + [PathKey(key)] }

    func decodeNil(forKey key: Key) throws -> Bool {
        if case .null = try member(key) { return true }
        return false
    }

    func decode(_ type: Bool.Type, forKey key: Key) throws -> Bool { try decoder.bool(member(key), path: path(key)) }
    func decode(_ type: String.Type, forKey key: Key) throws -> String { try decoder.string(member(key), path: path(key)) }
    func decode(_ type: Double.Type, forKey key: Key) throws -> Double { try decoder.double(member(key), path: path(key)) }
    func decode(_ type: Float.Type, forKey key: Key) throws -> Float { Float(try decoder.double(member(key), path: path(key))) }
    func decode(_ type: Int.Type, forKey key: Key) throws -> Int { try decoder.integer(type, member(key), path: path(key)) }
    func decode(_ type: Int8.Type, forKey key: Key) throws -> Int8 { try decoder.integer(type, member(key), path: path(key)) }
    func decode(_ type: Int16.Type, forKey key: Key) throws -> Int16 { try decoder.integer(type, member(key), path: path(key)) }
    func decode(_ type: Int32.Type, forKey key: Key) throws -> Int32 { try decoder.integer(type, member(key), path: path(key)) }
    func decode(_ type: Int64.Type, forKey key: Key) throws -> Int64 { try decoder.integer(type, member(key), path: path(key)) }
    func decode(_ type: UInt.Type, forKey key: Key) throws -> UInt { try decoder.integer(type, member(key), path: path(key)) }
    func decode(_ type: UInt8.Type, forKey key: Key) throws -> UInt8 { try decoder.integer(type, member(key), path: path(key)) }
    func decode(_ type: UInt16.Type, forKey key: Key) throws -> UInt16 { try decoder.integer(type, member(key), path: path(key)) }
    func decode(_ type: UInt32.Type, forKey key: Key) throws -> UInt32 { try decoder.integer(type, member(key), path: path(key)) }
    func decode(_ type: UInt64.Type, forKey key: Key) throws -> UInt64 { try decoder.integer(type, member(key), path: path(key)) }

    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
        let value = try member(key)
        if let direct = ValueDecoder.direct(type, value) { return direct }
        return try T(from: decoder.child(value, key: PathKey(key)))
    }

    func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws -> KeyedDecodingContainer<NestedKey> {
        try decoder.child(member(key), key: PathKey(key)).container(keyedBy: type)
    }

    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
        try decoder.child(member(key), key: PathKey(key)).unkeyedContainer()
    }

    func superDecoder() throws -> any Decoder {
        decoder.child(members["super"] ?? .null, key: PathKey(stringValue: "super"))
    }

    func superDecoder(forKey key: Key) throws -> any Decoder {
        decoder.child(members[key.stringValue] ?? .null, key: PathKey(key))
    }
}

private struct UnkeyedContainer: UnkeyedDecodingContainer {
    let elements: [JSONValue]
    let decoder: ValueDecoder
    var currentIndex = 0

    init(elements: [JSONValue], decoder: ValueDecoder) {
        self.elements = elements
        self.decoder = decoder
    }

    var codingPath: [any CodingKey] { decoder.codingPath }
    var count: Int? { elements.count }
    var isAtEnd: Bool { currentIndex >= elements.count }

    private var path: [any CodingKey] { codingPath + [PathKey(intValue: currentIndex)] }

    private mutating func next(_ type: Any.Type) throws -> JSONValue {
        guard !isAtEnd else {
            throw DecodingError.valueNotFound(type, DecodingError.Context(
                codingPath: path, debugDescription: "the array has only \(elements.count) elements"))
        }
        defer { currentIndex += 1 }
        return elements[currentIndex]
    }

    mutating func decodeNil() throws -> Bool {
        guard !isAtEnd else { return false }
        if case .null = elements[currentIndex] {
            currentIndex += 1
            return true
        }
        return false
    }

    mutating func decode(_ type: Bool.Type) throws -> Bool { let p = path; return try decoder.bool(next(type), path: p) }
    mutating func decode(_ type: String.Type) throws -> String { let p = path; return try decoder.string(next(type), path: p) }
    mutating func decode(_ type: Double.Type) throws -> Double { let p = path; return try decoder.double(next(type), path: p) }
    mutating func decode(_ type: Float.Type) throws -> Float { let p = path; return Float(try decoder.double(next(type), path: p)) }
    mutating func decode(_ type: Int.Type) throws -> Int { try integer(type) }
    mutating func decode(_ type: Int8.Type) throws -> Int8 { try integer(type) }
    mutating func decode(_ type: Int16.Type) throws -> Int16 { try integer(type) }
    mutating func decode(_ type: Int32.Type) throws -> Int32 { try integer(type) }
    mutating func decode(_ type: Int64.Type) throws -> Int64 { try integer(type) }
    mutating func decode(_ type: UInt.Type) throws -> UInt { try integer(type) }
    mutating func decode(_ type: UInt8.Type) throws -> UInt8 { try integer(type) }
    mutating func decode(_ type: UInt16.Type) throws -> UInt16 { try integer(type) }
    mutating func decode(_ type: UInt32.Type) throws -> UInt32 { try integer(type) }
    mutating func decode(_ type: UInt64.Type) throws -> UInt64 { try integer(type) }

    private mutating func integer<T: FixedWidthInteger>(_ type: T.Type) throws -> T {
        let p = path
        return try decoder.integer(type, next(type), path: p)
    }

    mutating func decode<T: Decodable>(_ type: T.Type) throws -> T {
        let key = PathKey(intValue: currentIndex)
        let value = try next(type)
        if let direct = ValueDecoder.direct(type, value) { return direct }
        return try T(from: decoder.child(value, key: key))
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws -> KeyedDecodingContainer<NestedKey> {
        let key = PathKey(intValue: currentIndex)
        return try decoder.child(next([String: JSONValue].self), key: key).container(keyedBy: type)
    }

    mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer {
        let key = PathKey(intValue: currentIndex)
        return try decoder.child(next([JSONValue].self), key: key).unkeyedContainer()
    }

    mutating func superDecoder() throws -> any Decoder {
        let key = PathKey(intValue: currentIndex)
        return decoder.child(try next(JSONValue.self), key: key)
    }
}

private struct SingleContainer: SingleValueDecodingContainer {
    let decoder: ValueDecoder

    var codingPath: [any CodingKey] { decoder.codingPath }
    private var value: JSONValue { decoder.value }

    func decodeNil() -> Bool {
        if case .null = value { return true }
        return false
    }

    func decode(_ type: Bool.Type) throws -> Bool { try decoder.bool(value, path: codingPath) }
    func decode(_ type: String.Type) throws -> String { try decoder.string(value, path: codingPath) }
    func decode(_ type: Double.Type) throws -> Double { try decoder.double(value, path: codingPath) }
    func decode(_ type: Float.Type) throws -> Float { Float(try decoder.double(value, path: codingPath)) }
    func decode(_ type: Int.Type) throws -> Int { try decoder.integer(type, value, path: codingPath) }
    func decode(_ type: Int8.Type) throws -> Int8 { try decoder.integer(type, value, path: codingPath) }
    func decode(_ type: Int16.Type) throws -> Int16 { try decoder.integer(type, value, path: codingPath) }
    func decode(_ type: Int32.Type) throws -> Int32 { try decoder.integer(type, value, path: codingPath) }
    func decode(_ type: Int64.Type) throws -> Int64 { try decoder.integer(type, value, path: codingPath) }
    func decode(_ type: UInt.Type) throws -> UInt { try decoder.integer(type, value, path: codingPath) }
    func decode(_ type: UInt8.Type) throws -> UInt8 { try decoder.integer(type, value, path: codingPath) }
    func decode(_ type: UInt16.Type) throws -> UInt16 { try decoder.integer(type, value, path: codingPath) }
    func decode(_ type: UInt32.Type) throws -> UInt32 { try decoder.integer(type, value, path: codingPath) }
    func decode(_ type: UInt64.Type) throws -> UInt64 { try decoder.integer(type, value, path: codingPath) }

    func decode<T: Decodable>(_ type: T.Type) throws -> T { try decoder.decodeValue(type) }
}
