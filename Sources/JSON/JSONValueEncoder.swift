// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

/// Encodes `Encodable` types to a ``JSONValue``, and with ``JSONWriter`` to bytes: the project's JSON encoder.
///
/// `nil` optionals are left out (as `encodeIfPresent` does), non-finite floating-point values are refused
/// (JSON has no NaN or infinity), and a ``JSONValue`` inside a value is taken as it is.
public struct JSONValueEncoder: Sendable {
    /// Passed to every `Encoder` the types see.
    public var userInfo: [CodingUserInfoKey: any Sendable] = [:]

    /// An encoder with no user info.
    public init() {}

    /// The JSON value of `value`.
    public func encodeValue<T: Encodable>(_ value: T) throws -> JSONValue {
        let root = EncodedNode()
        try ValueEncoder(node: root, path: nil, userInfo: userInfo).encodeValue(value)
        return root.resolved()
    }

    /// The compact JSON bytes of `value`, keys sorted (``JSONWriter``).
    public func encode<T: Encodable>(_ value: T) throws -> [UInt8] {
        JSONWriter.bytes(try encodeValue(value))
    }
}

/// A value being encoded: set once, or filled in as an object or array by a container.
final class EncodedNode {
    enum Storage {
        case empty
        case value(JSONValue)
        case object([String: EncodedNode])
        case array([EncodedNode])
    }

    var storage = Storage.empty

    /// The finished value; a node nothing was written to is an empty object (as `JSONEncoder` writes `{}`).
    func resolved() -> JSONValue {
        switch storage {
        case .empty: return .object([:])
        case .value(let value): return value
        case .object(let members): return .object(members.mapValues { $0.resolved() })
        case .array(let elements): return .array(elements.map { $0.resolved() })
        }
    }

    /// The members so far (turning an untouched node into an object).
    func objectChild(_ key: String) -> EncodedNode {
        let child = EncodedNode()
        switch storage {
        case .object(var members):
            storage = .empty  // drop the reference so the dictionary is uniquely held
            members[key] = child
            storage = .object(members)
        default:
            storage = .object([key: child])
        }
        return child
    }

    func appendChild() -> EncodedNode {
        let child = EncodedNode()
        switch storage {
        case .array(var elements):
            storage = .empty
            elements.append(child)
            storage = .array(elements)
        default:
            storage = .array([child])
        }
        return child
    }

    func makeObject() {
        if case .object = storage { return }
        storage = .object([:])
    }

    func makeArray() {
        if case .array = storage { return }
        storage = .array([])
    }

    var arrayCount: Int {
        if case .array(let elements) = storage { return elements.count }
        return 0
    }
}

final class ValueEncoder: Encoder {
    let node: EncodedNode
    let pathNode: CodingPathNode?
    let sendableUserInfo: [CodingUserInfoKey: any Sendable]

    init(node: EncodedNode, path: CodingPathNode?, userInfo: [CodingUserInfoKey: any Sendable]) {
        self.node = node
        self.pathNode = path
        self.sendableUserInfo = userInfo
    }

    var codingPath: [any CodingKey] { CodingPathNode.path(pathNode) }
    var userInfo: [CodingUserInfoKey: Any] { sendableUserInfo }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        node.makeObject()
        return KeyedEncodingContainer(KeyedEncoder<Key>(encoder: self))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        node.makeArray()
        return UnkeyedEncoder(encoder: self)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer { SingleEncoder(encoder: self) }

    func child(_ node: EncodedNode, key: PathKey) -> ValueEncoder {
        ValueEncoder(node: node, path: CodingPathNode(parent: pathNode, key: key), userInfo: sendableUserInfo)
    }

    /// Encodes `value` into this encoder's node.
    func encodeValue<T: Encodable>(_ value: T) throws {
        if let json = value as? JSONValue {
            node.storage = .value(json)
            return
        }
        try value.encode(to: self)
    }

    func checked(_ number: Double, path: @autoclosure () -> [any CodingKey]) throws -> JSONValue {
        guard number.isFinite else {
            throw EncodingError.invalidValue(number, EncodingError.Context(
                codingPath: path(), debugDescription: "\(number) cannot be written as JSON"))
        }
        return .double(number)
    }

    static func integer<T: BinaryInteger>(_ value: T) -> JSONValue {
        if let exact = Int(exactly: value) { return .int(exact) }
        return .double(Double(value))
    }
}

private struct KeyedEncoder<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let encoder: ValueEncoder

    var codingPath: [any CodingKey] { encoder.codingPath }

    private func set(_ value: JSONValue, _ key: Key) {
        encoder.node.objectChild(key.stringValue).storage = .value(value)
    }

    func encodeNil(forKey key: Key) throws { set(.null, key) }
    func encode(_ value: Bool, forKey key: Key) throws { set(.bool(value), key) }
    func encode(_ value: String, forKey key: Key) throws { set(.string(value), key) }
    func encode(_ value: Double, forKey key: Key) throws {
        set(try encoder.checked(value, path: codingPath + [PathKey(key)]), key)
    }
    func encode(_ value: Float, forKey key: Key) throws { try encode(Double(value), forKey: key) }
    func encode(_ value: Int, forKey key: Key) throws { set(.int(value), key) }
    func encode(_ value: Int8, forKey key: Key) throws { set(ValueEncoder.integer(value), key) }
    func encode(_ value: Int16, forKey key: Key) throws { set(ValueEncoder.integer(value), key) }
    func encode(_ value: Int32, forKey key: Key) throws { set(ValueEncoder.integer(value), key) }
    func encode(_ value: Int64, forKey key: Key) throws { set(ValueEncoder.integer(value), key) }
    func encode(_ value: UInt, forKey key: Key) throws { set(ValueEncoder.integer(value), key) }
    func encode(_ value: UInt8, forKey key: Key) throws { set(ValueEncoder.integer(value), key) }
    func encode(_ value: UInt16, forKey key: Key) throws { set(ValueEncoder.integer(value), key) }
    func encode(_ value: UInt32, forKey key: Key) throws { set(ValueEncoder.integer(value), key) }
    func encode(_ value: UInt64, forKey key: Key) throws { set(ValueEncoder.integer(value), key) }

    func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
        let child = encoder.node.objectChild(key.stringValue)
        try encoder.child(child, key: PathKey(key)).encodeValue(value)
    }

    func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key) -> KeyedEncodingContainer<NestedKey> {
        let child = encoder.node.objectChild(key.stringValue)
        return encoder.child(child, key: PathKey(key)).container(keyedBy: keyType)
    }

    func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        let child = encoder.node.objectChild(key.stringValue)
        return encoder.child(child, key: PathKey(key)).unkeyedContainer()
    }

    func superEncoder() -> any Encoder {
        encoder.child(encoder.node.objectChild("super"), key: PathKey(stringValue: "super"))
    }

    func superEncoder(forKey key: Key) -> any Encoder {
        encoder.child(encoder.node.objectChild(key.stringValue), key: PathKey(key))
    }
}

private struct UnkeyedEncoder: UnkeyedEncodingContainer {
    let encoder: ValueEncoder

    var codingPath: [any CodingKey] { encoder.codingPath }
    var count: Int { encoder.node.arrayCount }

    private func append(_ value: JSONValue) { encoder.node.appendChild().storage = .value(value) }

    mutating func encodeNil() throws { append(.null) }
    mutating func encode(_ value: Bool) throws { append(.bool(value)) }
    mutating func encode(_ value: String) throws { append(.string(value)) }
    mutating func encode(_ value: Double) throws {
        append(try encoder.checked(value, path: codingPath + [PathKey(intValue: count)]))
    }
    mutating func encode(_ value: Float) throws { try encode(Double(value)) }
    mutating func encode(_ value: Int) throws { append(.int(value)) }
    mutating func encode(_ value: Int8) throws { append(ValueEncoder.integer(value)) }
    mutating func encode(_ value: Int16) throws { append(ValueEncoder.integer(value)) }
    mutating func encode(_ value: Int32) throws { append(ValueEncoder.integer(value)) }
    mutating func encode(_ value: Int64) throws { append(ValueEncoder.integer(value)) }
    mutating func encode(_ value: UInt) throws { append(ValueEncoder.integer(value)) }
    mutating func encode(_ value: UInt8) throws { append(ValueEncoder.integer(value)) }
    mutating func encode(_ value: UInt16) throws { append(ValueEncoder.integer(value)) }
    mutating func encode(_ value: UInt32) throws { append(ValueEncoder.integer(value)) }
    mutating func encode(_ value: UInt64) throws { append(ValueEncoder.integer(value)) }

    mutating func encode<T: Encodable>(_ value: T) throws {
        let key = PathKey(intValue: count)
        try encoder.child(encoder.node.appendChild(), key: key).encodeValue(value)
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
        let key = PathKey(intValue: count)
        return encoder.child(encoder.node.appendChild(), key: key).container(keyedBy: keyType)
    }

    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        let key = PathKey(intValue: count)
        return encoder.child(encoder.node.appendChild(), key: key).unkeyedContainer()
    }

    mutating func superEncoder() -> any Encoder {
        let key = PathKey(intValue: count)
        return encoder.child(encoder.node.appendChild(), key: key)
    }
}

private struct SingleEncoder: SingleValueEncodingContainer {
    let encoder: ValueEncoder

    var codingPath: [any CodingKey] { encoder.codingPath }

    private func set(_ value: JSONValue) { encoder.node.storage = .value(value) }

    func encodeNil() throws { set(.null) }
    func encode(_ value: Bool) throws { set(.bool(value)) }
    func encode(_ value: String) throws { set(.string(value)) }
    func encode(_ value: Double) throws { set(try encoder.checked(value, path: codingPath)) }
    func encode(_ value: Float) throws { try encode(Double(value)) }
    func encode(_ value: Int) throws { set(.int(value)) }
    func encode(_ value: Int8) throws { set(ValueEncoder.integer(value)) }
    func encode(_ value: Int16) throws { set(ValueEncoder.integer(value)) }
    func encode(_ value: Int32) throws { set(ValueEncoder.integer(value)) }
    func encode(_ value: Int64) throws { set(ValueEncoder.integer(value)) }
    func encode(_ value: UInt) throws { set(ValueEncoder.integer(value)) }
    func encode(_ value: UInt8) throws { set(ValueEncoder.integer(value)) }
    func encode(_ value: UInt16) throws { set(ValueEncoder.integer(value)) }
    func encode(_ value: UInt32) throws { set(ValueEncoder.integer(value)) }
    func encode(_ value: UInt64) throws { set(ValueEncoder.integer(value)) }

    func encode<T: Encodable>(_ value: T) throws { try encoder.encodeValue(value) }
}
