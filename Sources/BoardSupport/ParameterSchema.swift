// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

public import JSON

/// A tool's parameters as a small subset of JSON Schema: types, descriptions, string enums, numeric ranges,
/// object properties (in the order written) with `required`, and array `items`.
///
/// Schemas nest at most ``maximumDepth`` levels (the arguments object is level 1, each `properties.NAME`
/// or `items` one more); decoding and validation take time in proportion to the schema and the value.
///
/// In TOML:
/// ```toml
/// [tools.parameters]
/// type = "object"
/// required = ["on"]
/// [tools.parameters.properties.on]
/// type = "boolean"
/// description = "true switches the lamp on"
/// ```
public struct ParameterSchema: Sendable, Equatable, Decodable {
    /// The JSON type.
    public enum SchemaType: String, Sendable, Equatable, CaseIterable {
        case string, integer, number, boolean, object, array
    }

    /// One named property of an object.
    public struct Property: Sendable, Equatable {
        /// The argument's name.
        public var name: String
        /// Its schema.
        public var schema: ParameterSchema

        /// A property `name` with `schema`.
        public init(name: String, schema: ParameterSchema) {
            self.name = name
            self.schema = schema
        }
    }

    /// The JSON type.
    public var type: SchemaType
    /// What the value means, for the model.
    public var description: String?
    /// For strings: the only values allowed.
    public var enumValues: [String]?
    /// For numbers: the smallest value allowed.
    public var minimum: Double?
    /// For numbers: the largest value allowed.
    public var maximum: Double?
    /// For objects: the properties, in the order written.
    public var properties: [Property]
    /// For objects: the properties that must be present.
    public var required: [String]
    private var itemStorage: [ParameterSchema]

    /// For arrays: the schema of every element.
    public var items: ParameterSchema? {
        get { itemStorage.first }
        set { itemStorage = newValue.map { [$0] } ?? [] }
    }

    /// A schema of `type`.
    public init(
        type: SchemaType, description: String? = nil, enumValues: [String]? = nil, minimum: Double? = nil,
        maximum: Double? = nil, properties: [Property] = [], required: [String] = [], items: ParameterSchema? = nil
    ) {
        self.type = type
        self.description = description
        self.enumValues = enumValues
        self.minimum = minimum
        self.maximum = maximum
        self.properties = properties
        self.required = required
        self.itemStorage = items.map { [$0] } ?? []
    }

    /// An object schema with no properties (a tool that takes no arguments).
    public static let noArguments = ParameterSchema(type: .object)

    /// How deeply schemas may nest when decoded: 16 levels, the arguments object being the first. A GPIO
    /// tool needs two or three; the limit keeps a hostile or mistyped configuration from nesting thousands
    /// of levels (every walk over a schema recurses once per level).
    public static let maximumDepth = 16

    /// The property called `name`, if there is one.
    public func property(_ name: String) -> ParameterSchema? {
        properties.first { $0.name == name }?.schema
    }

    // MARK: Decoding, with checks that name the key

    private enum CodingKeys: String, CodingKey {
        case type, description, properties, required, items, minimum, maximum
        case enumValues = "enum"
    }

    /// Decodes a schema and everything nested in it, at most ``maximumDepth`` levels deep.
    public init(from decoder: any Decoder) throws {
        try self.init(from: decoder, depth: 1)
    }

    /// Nested schemas are decoded through this initializer with their depth (`Decodable` has no way to
    /// pass it), taking the nested decoder from `superDecoder(forKey:)`.
    private init(from decoder: any Decoder, depth: Int) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        guard depth <= Self.maximumDepth else {
            throw DecodingError.dataCorrupted(
                DecodingError.Context(
                    codingPath: decoder.codingPath,
                    debugDescription: "parameter schemas may nest at most \(Self.maximumDepth) levels deep; "
                        + "flatten the parameters (a tool's arguments rarely need more than two or three)"))
        }
        let typeName = try container.decode(String.self, forKey: .type)
        guard let type = SchemaType(rawValue: typeName) else {
            throw DecodingError.dataCorruptedError(
                forKey: .type, in: container,
                debugDescription: "unknown type '\(typeName)'; expected one of: "
                    + SchemaType.allCases.map(\.rawValue).joined(separator: ", "))
        }
        self.type = type
        description = try container.decodeIfPresent(String.self, forKey: .description)
        enumValues = try container.decodeIfPresent([String].self, forKey: .enumValues)
        minimum = try container.decodeIfPresent(Double.self, forKey: .minimum)
        maximum = try container.decodeIfPresent(Double.self, forKey: .maximum)
        required = try container.decodeIfPresent([String].self, forKey: .required) ?? []
        itemStorage = []
        if container.contains(.items) {
            itemStorage = [try ParameterSchema(from: container.superDecoder(forKey: .items), depth: depth + 1)]
        }
        properties = []
        var names = Set<String>()
        if container.contains(.properties) {
            let members = try container.nestedContainer(keyedBy: NameKey.self, forKey: .properties)
            for key in members.allKeys {  // in the order written
                guard isValidIdentifier(key.stringValue) else {
                    throw DecodingError.dataCorruptedError(
                        forKey: key, in: members,
                        debugDescription: "'\(key.stringValue)' is not a valid parameter name (letters, digits and "
                            + "'_', starting with a letter or '_', at most 64 characters)")
                }
                let schema = try ParameterSchema(from: members.superDecoder(forKey: key), depth: depth + 1)
                properties.append(Property(name: key.stringValue, schema: schema))
                names.insert(key.stringValue)
            }
        }

        func refuse(_ key: CodingKeys, _ message: String) -> DecodingError {
            DecodingError.dataCorruptedError(forKey: key, in: container, debugDescription: message)
        }
        if let enumValues {
            guard type == .string else { throw refuse(.enumValues, "enum is allowed only for type = \"string\"") }
            guard !enumValues.isEmpty else { throw refuse(.enumValues, "enum must list at least one value") }
        }
        if minimum != nil || maximum != nil, type != .integer, type != .number {
            throw refuse(minimum != nil ? .minimum : .maximum, "minimum and maximum are allowed only for numbers")
        }
        if let minimum, let maximum, minimum > maximum {
            throw refuse(.maximum, "maximum (\(format(maximum))) is below minimum (\(format(minimum)))")
        }
        if type != .object, container.contains(.properties) || container.contains(.required) {
            throw refuse(
                container.contains(.properties) ? .properties : .required,
                "properties and required are allowed only for type = \"object\"")
        }
        for name in required where !names.contains(name) {
            throw refuse(.required, "required lists '\(name)', which is not among the properties")
        }
        if type == .array, itemStorage.isEmpty { throw refuse(.type, "an array needs items (the schema of its elements)") }
        if type != .array, !itemStorage.isEmpty { throw refuse(.items, "items is allowed only for type = \"array\"") }
    }

    // MARK: For the model

    /// The schema as JSON Schema (`{"type":"object","properties":{...},"required":[...]}`), for the daemon
    /// to hand to the model.
    public var jsonSchema: JSONValue {
        var object: [String: JSONValue] = ["type": .string(type.rawValue)]
        if let description { object["description"] = .string(description) }
        if let enumValues { object["enum"] = .array(enumValues.map(JSONValue.string)) }
        if let minimum { object["minimum"] = type == .integer ? .int(Int(minimum)) : .double(minimum) }
        if let maximum { object["maximum"] = type == .integer ? .int(Int(maximum)) : .double(maximum) }
        if type == .object {
            object["properties"] = .object(
                Dictionary(properties.map { ($0.name, $0.schema.jsonSchema) }, uniquingKeysWith: { a, _ in a }))
            if !required.isEmpty { object["required"] = .array(required.map(JSONValue.string)) }
        }
        if let items { object["items"] = items.jsonSchema }
        return .object(object)
    }

    // MARK: Checking a model's arguments

    /// Checks `value` against this schema; returns a message the model can act on, or nil when it conforms.
    public func validate(_ value: JSONValue, name: String = "arguments") -> String? {
        switch type {
        case .object:
            let members: [String: JSONValue]
            switch value {
            case .object(let object): members = object
            case .null where name == "arguments": members = [:]
            default: return "\(name) must be an object, got \(describe(value))"
            }
            // One set of names per call, not a scan of the properties per member: a model (or a hostile
            // server) can send an object with very many members.
            let accepted = Set(properties.map(\.name))
            if let key = members.keys.filter({ !accepted.contains($0) }).min() {  // the first in sorted order
                let names = properties.map(\.name)
                return names.isEmpty
                    ? "unknown argument '\(key)': this tool takes no arguments"
                    : "unknown argument '\(key)'; this tool takes: \(names.joined(separator: ", "))"
            }
            for key in required where members[key] == nil {
                return "missing required argument '\(key)' (\(property(key)?.type.rawValue ?? "value"))"
            }
            for property in properties {
                if let member = members[property.name],
                    let problem = property.schema.validate(member, name: "'\(property.name)'")
                {
                    return problem
                }
            }
            return nil
        case .string:
            guard case .string(let text) = value else { return "\(name) must be a string, got \(describe(value))" }
            if let enumValues, !enumValues.contains(text) {
                return "\(name) must be one of: \(enumValues.joined(separator: ", ")); got \"\(text)\""
            }
            return nil
        case .boolean:
            guard case .bool = value else { return "\(name) must be a boolean (true or false), got \(describe(value))" }
            return nil
        case .integer, .number:
            let number: Double
            if type == .integer {
                guard let integer = value.intValue else { return "\(name) must be an integer, got \(describe(value))" }
                number = Double(integer)
            } else {
                guard let double = value.doubleValue else { return "\(name) must be a number, got \(describe(value))" }
                number = double
            }
            if let minimum, number < minimum {
                return "\(name) must be at least \(format(minimum)), got \(format(number))"
            }
            if let maximum, number > maximum {
                return "\(name) must be at most \(format(maximum)), got \(format(number))"
            }
            return nil
        case .array:
            guard case .array(let elements) = value else { return "\(name) must be an array, got \(describe(value))" }
            if let items {
                for (index, element) in elements.enumerated() {
                    if let problem = items.validate(element, name: "\(name)[\(index)]") { return problem }
                }
            }
            return nil
        }
    }
}

/// Any key, for tables whose keys are names.
struct NameKey: CodingKey {
    let stringValue: String
    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
    var intValue: Int? { nil }
}

/// Letters, digits and `_`, starting with a letter or `_`, at most 64 characters (the names the model's
/// function declarations accept; dots, colons and dashes are left out to keep them plain).
func isValidIdentifier(_ name: String) -> Bool {
    guard let first = name.unicodeScalars.first, name.unicodeScalars.count <= 64 else { return false }
    func isLetter(_ s: Unicode.Scalar) -> Bool { (s >= "a" && s <= "z") || (s >= "A" && s <= "Z") || s == "_" }
    return isLetter(first) && name.unicodeScalars.allSatisfy { isLetter($0) || ($0 >= "0" && $0 <= "9") }
}

/// `1000` for whole numbers, `2.5` otherwise.
func format(_ number: Double) -> String {
    if number.rounded() == number, abs(number) < 1e15 { return String(Int(number)) }
    return String(number)
}

/// A JSON value's type and a short rendering, for error messages ("string \"yes\"").
func describe(_ value: JSONValue) -> String {
    switch value {
    case .null: return "null"
    case .bool(let b): return "boolean \(b)"
    case .int(let i): return "integer \(i)"
    case .double(let d): return "number \(format(d))"
    case .string(let s): return "string \"\(s.count > 40 ? String(s.prefix(40)) + "…" : s)\""
    case .array: return "an array"
    case .object: return "an object"
    }
}
