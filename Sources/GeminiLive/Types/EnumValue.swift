// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

/// A protobuf enum as it travels in JSON: its value name (`"AUDIO"`, `"NON_BLOCKING"`).
///
/// Each enum of the API is a struct over its name rather than a Swift `enum`, so a value this library does not
/// know yet (the service adds them) decodes and round-trips instead of failing the whole message, as the
/// reference SDK accepts new enum values with only a warning.
public protocol ProtoEnum: RawRepresentable, Codable, Hashable, Sendable, CustomStringConvertible,
    ExpressibleByStringLiteral where RawValue == String
{
    init(rawValue: String)
}

extension ProtoEnum {
    /// The value with this name (`"AUDIO"`).
    public init(stringLiteral value: String) { self.init(rawValue: value) }
    /// Decodes the wire form.
    public init(from decoder: any Decoder) throws {
        self.init(rawValue: try decoder.singleValueContainer().decode(String.self))
    }
    /// Encodes the wire form.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
    /// The value's name.
    public var description: String { rawValue }
}
