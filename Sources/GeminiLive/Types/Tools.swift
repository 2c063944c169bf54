// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

public import JSON

/// Tools the model may use (`types.Tool`): the client's own functions, or built-in tools.
public struct Tool: Codable, Sendable, Hashable {
    /// The client's functions.
    public var functionDeclarations: [FunctionDeclaration]?
    /// Built-in Google Search grounding (`{}` to enable).
    public var googleSearch: EmptyObject?
    /// Built-in code execution (`{}` to enable).
    public var codeExecution: EmptyObject?

    /// A value with the given fields.
    public init(functionDeclarations: [FunctionDeclaration]? = nil, googleSearch: EmptyObject? = nil,
                codeExecution: EmptyObject? = nil) {
        self.functionDeclarations = functionDeclarations
        self.googleSearch = googleSearch
        self.codeExecution = codeExecution
    }
}

/// An empty JSON object `{}`, for fields whose presence is the whole message (`activityStart`, `googleSearch`).
public struct EmptyObject: Codable, Sendable, Hashable {
    /// An empty value.
    public init() {}
    /// Decodes the wire form.
    public init(from decoder: any Decoder) throws {}
    /// Encodes the wire form.
    public func encode(to encoder: any Encoder) throws {
        _ = encoder.container(keyedBy: NoKeys.self)
    }
    private enum NoKeys: CodingKey {}
}

/// A function the client offers to the model (`types.FunctionDeclaration`).
public struct FunctionDeclaration: Codable, Sendable, Hashable {
    /// Whether the model waits for the result (`types.Behavior`).
    public struct Behavior: ProtoEnum {
        public var rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        /// The conversation pauses until the response arrives (the default).
        public static let blocking: Behavior = "BLOCKING"
        /// The model keeps talking; the response is folded in per its ``FunctionResponse/Scheduling``.
        public static let nonBlocking: Behavior = "NON_BLOCKING"
    }

    /// The function's name.
    public var name: String
    /// What the function does, for the model to decide when to call it.
    public var description: String?
    /// The arguments as an OpenAPI-subset ``Schema`` (type names upper-case).
    public var parameters: Schema?
    /// The arguments as plain JSON Schema, the alternative to ``parameters``.
    public var parametersJsonSchema: JSONValue?
    /// The result as an OpenAPI-subset ``Schema``.
    public var response: Schema?
    /// The result as plain JSON Schema, the alternative to ``response``.
    public var responseJsonSchema: JSONValue?
    /// Blocking (the default on synchronous models) or not; see ``LiveModelCapabilities``.
    public var behavior: Behavior?

    /// A declaration with the given fields.
    public init(name: String, description: String? = nil, parameters: Schema? = nil,
                parametersJsonSchema: JSONValue? = nil, response: Schema? = nil, behavior: Behavior? = nil,
                responseJsonSchema: JSONValue? = nil) {
        self.name = name
        self.description = description
        self.parameters = parameters
        self.parametersJsonSchema = parametersJsonSchema
        self.response = response
        self.responseJsonSchema = responseJsonSchema
        self.behavior = behavior
    }
}

/// A data type name of ``Schema`` (`types.Type`).
public struct SchemaType: ProtoEnum {
    public var rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    /// `OBJECT`.
    public static let object: SchemaType = "OBJECT"
    /// `STRING`.
    public static let string: SchemaType = "STRING"
    /// `NUMBER`.
    public static let number: SchemaType = "NUMBER"
    /// `INTEGER`.
    public static let integer: SchemaType = "INTEGER"
    /// `BOOLEAN`.
    public static let boolean: SchemaType = "BOOLEAN"
    /// `ARRAY`.
    public static let array: SchemaType = "ARRAY"
    /// `NULL`.
    public static let null: SchemaType = "NULL"
    /// `TYPE_UNSPECIFIED`.
    public static let unspecified: SchemaType = "TYPE_UNSPECIFIED"
}

/// The reference SDK spells the type enum `Type`; the same type under that name.
public typealias `Type` = SchemaType

/// An OpenAPI 3.0 subset schema for function parameters and results (`types.Schema`).
public struct Schema: Codable, Sendable, Hashable {
    /// The data type.
    public var type: SchemaType?
    /// A format refining the type (`int32`, `enum`, `date-time`, ...).
    public var format: String?
    /// A title.
    public var title: String?
    /// What the value means, for the model.
    public var description: String?
    /// The value may be null.
    public var nullable: Bool?
    /// Allowed values, for `STRING` (and `INTEGER` with format `enum`).
    public var `enum`: [String]?
    /// Properties of an `OBJECT`.
    public var properties: [String: Schema]?
    /// Names of the properties that must be present.
    public var required: [String]?
    /// The order of the properties in generated objects.
    public var propertyOrdering: [String]?
    /// Smallest allowed number.
    public var minimum: Double?
    /// Largest allowed number.
    public var maximum: Double?
    /// Fewest array elements.
    public var minItems: Int64?
    /// Most array elements.
    public var maxItems: Int64?
    /// Shortest allowed string.
    public var minLength: Int64?
    /// Longest allowed string.
    public var maxLength: Int64?
    /// A regular expression a `STRING` must match.
    public var pattern: String?
    /// The value matches at least one of these.
    public var anyOf: [Schema]?
    /// The value when none is given.
    public var `default`: JSONValue?
    /// An example value.
    public var example: JSONValue?
    /// Limits on the number of properties of an `OBJECT`.
    public var minProperties: Int64?
    /// Most properties of an `OBJECT`.
    public var maxProperties: Int64?
    /// Whether an `OBJECT` may have properties not listed (`true`/`false`), or a schema they must follow.
    public var additionalProperties: JSONValue?
    /// Named schemas for ``ref`` to point at, only at the root (`$defs` on the wire).
    public var defs: [String: Schema]?
    /// A reference to one of the root's ``defs``, as `#/$defs/Name` (`$ref` on the wire).
    public var ref: String?
    // `items` is a Schema inside a Schema: kept in an array so the struct has a finite size.
    private var itemsStorage: [Schema]?

    /// The element schema of an `ARRAY`.
    public var items: Schema? {
        get { itemsStorage?.first }
        set { itemsStorage = newValue.map { [$0] } }
    }

    /// A value with the given fields.
    public init(type: SchemaType? = nil, format: String? = nil, title: String? = nil, description: String? = nil,
                nullable: Bool? = nil, enum values: [String]? = nil, items: Schema? = nil,
                properties: [String: Schema]? = nil, required: [String]? = nil,
                propertyOrdering: [String]? = nil, minimum: Double? = nil, maximum: Double? = nil,
                minItems: Int64? = nil, maxItems: Int64? = nil, minLength: Int64? = nil, maxLength: Int64? = nil,
                pattern: String? = nil, anyOf: [Schema]? = nil, default defaultValue: JSONValue? = nil,
                example: JSONValue? = nil, minProperties: Int64? = nil, maxProperties: Int64? = nil,
                additionalProperties: JSONValue? = nil, defs: [String: Schema]? = nil, ref: String? = nil) {
        self.type = type
        self.format = format
        self.title = title
        self.description = description
        self.nullable = nullable
        self.enum = values
        self.properties = properties
        self.required = required
        self.propertyOrdering = propertyOrdering
        self.minimum = minimum
        self.maximum = maximum
        self.minItems = minItems
        self.maxItems = maxItems
        self.minLength = minLength
        self.maxLength = maxLength
        self.pattern = pattern
        self.anyOf = anyOf
        self.default = defaultValue
        self.example = example
        self.items = items
        self.minProperties = minProperties
        self.maxProperties = maxProperties
        self.additionalProperties = additionalProperties
        self.defs = defs
        self.ref = ref
    }

    private enum CodingKeys: String, CodingKey {
        case type, format, title, description, nullable, `enum`, items, properties, required, propertyOrdering
        case minimum, maximum, minItems, maxItems, minLength, maxLength, pattern, anyOf, `default`, example
        case minProperties, maxProperties, additionalProperties
        case defs = "$defs", ref = "$ref"
        // The SDK's own spelling of the two, accepted when decoding.
        case plainDefs = "defs", plainRef = "ref"
    }

    /// Reads `$defs`/`$ref` (or the SDK's `defs`/`ref`); the int64 limits also as strings, as proto3 JSON.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        type = try c.decodeIfPresent(SchemaType.self, forKey: .type)
        format = try c.decodeIfPresent(String.self, forKey: .format)
        title = try c.decodeIfPresent(String.self, forKey: .title)
        description = try c.decodeIfPresent(String.self, forKey: .description)
        nullable = try c.decodeIfPresent(Bool.self, forKey: .nullable)
        self.enum = try c.decodeIfPresent([String].self, forKey: .enum)
        properties = try c.decodeIfPresent([String: Schema].self, forKey: .properties)
        required = try c.decodeIfPresent([String].self, forKey: .required)
        propertyOrdering = try c.decodeIfPresent([String].self, forKey: .propertyOrdering)
        minimum = try c.decodeIfPresent(Double.self, forKey: .minimum)
        maximum = try c.decodeIfPresent(Double.self, forKey: .maximum)
        minItems = c.lenientInt64(.minItems)
        maxItems = c.lenientInt64(.maxItems)
        minLength = c.lenientInt64(.minLength)
        maxLength = c.lenientInt64(.maxLength)
        minProperties = c.lenientInt64(.minProperties)
        maxProperties = c.lenientInt64(.maxProperties)
        additionalProperties = c.rawValue(.additionalProperties)
        defs = try c.decodeIfPresent([String: Schema].self, forKey: .defs)
            ?? c.decodeIfPresent([String: Schema].self, forKey: .plainDefs)
        ref = try c.decodeIfPresent(String.self, forKey: .ref) ?? c.decodeIfPresent(String.self, forKey: .plainRef)
        pattern = try c.decodeIfPresent(String.self, forKey: .pattern)
        anyOf = try c.decodeIfPresent([Schema].self, forKey: .anyOf)
        self.default = try c.decodeIfPresent(JSONValue.self, forKey: .default)
        example = try c.decodeIfPresent(JSONValue.self, forKey: .example)
        items = try c.decodeIfPresent(Schema.self, forKey: .items)
    }

    /// Writes `$defs`/`$ref`, the wire's names.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encodeIfPresent(type, forKey: .type)
        try c.encodeIfPresent(format, forKey: .format)
        try c.encodeIfPresent(title, forKey: .title)
        try c.encodeIfPresent(description, forKey: .description)
        try c.encodeIfPresent(nullable, forKey: .nullable)
        try c.encodeIfPresent(self.enum, forKey: .enum)
        try c.encodeIfPresent(items, forKey: .items)
        try c.encodeIfPresent(properties, forKey: .properties)
        try c.encodeIfPresent(required, forKey: .required)
        try c.encodeIfPresent(propertyOrdering, forKey: .propertyOrdering)
        try c.encodeIfPresent(minimum, forKey: .minimum)
        try c.encodeIfPresent(maximum, forKey: .maximum)
        try c.encodeIfPresent(minItems, forKey: .minItems)
        try c.encodeIfPresent(maxItems, forKey: .maxItems)
        try c.encodeIfPresent(minLength, forKey: .minLength)
        try c.encodeIfPresent(maxLength, forKey: .maxLength)
        try c.encodeIfPresent(pattern, forKey: .pattern)
        try c.encodeIfPresent(anyOf, forKey: .anyOf)
        try c.encodeIfPresent(self.default, forKey: .default)
        try c.encodeIfPresent(example, forKey: .example)
        try c.encodeIfPresent(minProperties, forKey: .minProperties)
        try c.encodeIfPresent(maxProperties, forKey: .maxProperties)
        try c.encodeIfPresent(additionalProperties, forKey: .additionalProperties)
        try c.encodeIfPresent(defs, forKey: .defs)
        try c.encodeIfPresent(ref, forKey: .ref)
    }
}
