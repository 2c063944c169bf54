// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

import JSON

/// How odd optional metadata is read: never an error, at worst `nil`.
///
/// The reference SDK validates server messages with pydantic in lax mode, which takes `"12"` and `12.0` for
/// an integer and `"yes"` for a boolean; a server that sends a token count as a string must not end a
/// session. These readers are for metadata only: ids, names, text and audio stay strict.
extension JSONValue {
    /// An integer from a number (a fraction is cut off, a value beyond `Int` saturates) or from a numeric
    /// string (`"12"`, `"12.0"`); nil for anything else.
    var lenientInt: Int? {
        switch self {
        case .int(let value): return value
        case .double(let value): return Self.saturatingInt(value)
        case .string(let text):
            let trimmed = text.trimmedWhitespace
            if let value = Int(trimmed) { return value }
            return Double(trimmed).flatMap(Self.saturatingInt)
        default: return nil
        }
    }

    /// ``lenientInt`` as an `Int64`.
    var lenientInt64: Int64? { lenientInt.map(Int64.init) }

    /// A boolean, also from the strings and numbers pydantic's lax mode accepts (`"true"`, `"yes"`, `"on"`,
    /// `"1"`, `1`, and their negatives); nil for anything else.
    var lenientBool: Bool? {
        switch self {
        case .bool(let value): return value
        case .int(0): return false
        case .int(1): return true
        case .string(let text):
            switch text.trimmedWhitespace.lowercased() {
            case "true", "t", "yes", "y", "on", "1": return true
            case "false", "f", "no", "n", "off", "0": return false
            default: return nil
            }
        default: return nil
        }
    }

    /// A string, or a number written as one; nil for anything else.
    var lenientString: String? {
        switch self {
        case .string(let text): return text
        case .int(let value): return String(value)
        case .double(let value) where value.isFinite: return jsonString
        default: return nil
        }
    }

    private static func saturatingInt(_ value: Double) -> Int? {
        guard !value.isNaN else { return nil }
        if value >= 9.223372036854775807e18 { return Int.max }
        if value <= -9.223372036854775808e18 { return Int.min }
        return Int(value.rounded(.towardZero))
    }
}

extension KeyedDecodingContainer {
    /// The member as sent, or nil when it is absent or `null`.
    func rawValue(_ key: Key) -> JSONValue? {
        guard let value = (try? decodeIfPresent(JSONValue.self, forKey: key)) ?? nil, value != .null else { return nil }
        return value
    }

    /// ``JSON/JSONValue/lenientInt`` of the member.
    func lenientInt(_ key: Key) -> Int? { rawValue(key)?.lenientInt }

    /// ``JSON/JSONValue/lenientInt64`` of the member.
    func lenientInt64(_ key: Key) -> Int64? { rawValue(key)?.lenientInt64 }

    /// ``JSON/JSONValue/lenientBool`` of the member.
    func lenientBool(_ key: Key) -> Bool? { rawValue(key)?.lenientBool }

    /// ``JSON/JSONValue/lenientString`` of the member.
    func lenientString(_ key: Key) -> String? { rawValue(key)?.lenientString }

    /// The member decoded as `T`, or nil when it is absent or malformed.
    func lenient<T: Decodable>(_ type: T.Type, _ key: Key) -> T? {
        (try? decodeIfPresent(type, forKey: key)) ?? nil
    }
}
