// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

/// Reading one optional key with a default and a range: every number in the configuration is checked
/// where it is read, so the error carries its key path (and the TOML decoder adds the line).
extension KeyedDecodingContainer {
    /// The integer at `key`, or `fallback`; outside `range` is an error naming both.
    func integer(_ key: Key, default fallback: Int, in range: ClosedRange<Int>, unit: String = "") throws -> Int {
        guard let value = try decodeIfPresent(Int.self, forKey: key) else { return fallback }
        guard range.contains(value) else {
            let suffix = unit.isEmpty ? "" : " \(unit)"
            throw DecodingError.dataCorruptedError(
                forKey: key, in: self,
                debugDescription: "\(key.stringValue) must be from \(range.lowerBound) to \(range.upperBound)\(suffix), found \(value)")
        }
        return value
    }

    /// The optional integer at `key`, checked against `range` when present.
    func optionalInteger(_ key: Key, in range: ClosedRange<Int>, unit: String = "") throws -> Int? {
        guard contains(key) else { return nil }
        return try integer(key, default: range.lowerBound, in: range, unit: unit)
    }

    /// The string at `key`, or `fallback`; an empty string counts as absent.
    func text(_ key: Key, default fallback: String) throws -> String {
        guard let value = try decodeIfPresent(String.self, forKey: key), !value.isEmpty else { return fallback }
        return value
    }

    /// The optional string at `key`; an empty string counts as absent.
    func optionalText(_ key: Key) throws -> String? {
        guard let value = try decodeIfPresent(String.self, forKey: key), !value.isEmpty else { return nil }
        return value
    }

    /// The flag at `key`, or `fallback`.
    func flag(_ key: Key, default fallback: Bool) throws -> Bool {
        try decodeIfPresent(Bool.self, forKey: key) ?? fallback
    }

    /// One of `choices` at `key` (by raw value), or `fallback`.
    func choice<T: RawRepresentable & CaseIterable>(_ key: Key, default fallback: T) throws -> T where T.RawValue == String {
        guard let name = try decodeIfPresent(String.self, forKey: key) else { return fallback }
        guard let value = T(rawValue: name) else {
            let names = T.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", ")
            throw DecodingError.dataCorruptedError(
                forKey: key, in: self, debugDescription: "unknown \(key.stringValue) \"\(name)\"; expected one of: \(names)")
        }
        return value
    }
}
