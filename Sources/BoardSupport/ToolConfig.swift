// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

public import GPIO
public import TOML

/// What a tool does to its GPIO line, and the limits it must respect: the `action` table of a `[[tools]]`
/// entry.
///
/// ```toml
/// [tools.action]
/// kind = "pulse"          # set | pulse | toggle | read
/// line = "GPIO27"         # a line name, or chip:offset
/// active_low = false      # true: "on" drives the line low
/// pulse_ms = 500          # pulse: default length
/// max_pulse_ms = 1000     # pulse: longest the model may ask for
/// min_interval_ms = 5000  # refuse a switch sooner than this after the last one
/// auto_off_ms = 600000    # set/toggle: switch off again this long after switching on
/// safe_value = 0          # the logical value at start-up and on shutdown (0 = off)
/// ```
public struct ActionConfig: Sendable, Equatable, Decodable {
    /// The four things a tool can do.
    public enum Kind: String, Sendable, Equatable, CaseIterable {
        /// Switch an output on or off (argument `on`, a boolean).
        case set
        /// Switch an output on for a moment (argument `duration_ms`, optional).
        case pulse
        /// Invert an output.
        case toggle
        /// Read an input (a door or window contact).
        case read

        /// Whether the action drives its line.
        public var isOutput: Bool { self != .read }
    }

    /// What the action does.
    public var kind: Kind
    /// The line, as written (`GPIO27`, `gpiochip0:27`).
    public var line: String
    /// When true, "on" (active) drives the line low; for `read`, a low level reads as 1.
    public var activeLow: Bool
    /// For `read`: the pull resistor.
    public var bias: LineBias
    /// For `pulse`: the length used when the model gives none.
    public var pulseMs: Int
    /// For `pulse`: the longest pulse allowed.
    public var maxPulseMs: Int
    /// For outputs: the shortest time between two switches (0: no limit).
    public var minIntervalMs: Int
    /// For `set` and `toggle`: switch off again this long after switching on.
    public var autoOffMs: Int?
    /// For outputs: the logical value at start-up and on shutdown.
    public var safeValue: Bool

    /// The longest pulse any configuration may allow (a minute): a guard against a typo holding a relay.
    public static let pulseCeilingMs = 60_000
    /// The longest auto-off delay (a day).
    public static let autoOffCeilingMs = 86_400_000

    /// An action; limits not given take their defaults.
    public init(
        kind: Kind, line: String, activeLow: Bool = false, bias: LineBias = .asIs, pulseMs: Int? = nil,
        maxPulseMs: Int? = nil, minIntervalMs: Int? = nil, autoOffMs: Int? = nil, safeValue: Bool = false
    ) {
        self.kind = kind
        self.line = line
        self.activeLow = activeLow
        self.bias = bias
        self.maxPulseMs = maxPulseMs ?? 1000
        self.pulseMs = pulseMs ?? min(500, self.maxPulseMs)
        self.minIntervalMs = minIntervalMs ?? (kind.isOutput ? 500 : 0)
        self.autoOffMs = autoOffMs
        self.safeValue = safeValue
    }

    private enum CodingKeys: String, CodingKey {
        case kind, line, bias
        case activeLow = "active_low"
        case pulseMs = "pulse_ms"
        case maxPulseMs = "max_pulse_ms"
        case minIntervalMs = "min_interval_ms"
        case autoOffMs = "auto_off_ms"
        case safeValue = "safe_value"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        func refuse(_ key: CodingKeys, _ message: String) -> DecodingError {
            DecodingError.dataCorruptedError(forKey: key, in: c, debugDescription: message)
        }
        let kindName = try c.decode(String.self, forKey: .kind)
        guard let kind = Kind(rawValue: kindName) else {
            throw refuse(
                .kind, "unknown action kind '\(kindName)'; expected one of: "
                    + Kind.allCases.map(\.rawValue).joined(separator: ", "))
        }
        let line = try c.decode(String.self, forKey: .line)
        guard !line.isEmpty else { throw refuse(.line, "the line must not be empty (e.g. \"GPIO27\" or \"gpiochip0:27\")") }

        // Keys that do not apply to this kind are refused: a limit that silently does nothing is a trap.
        let applies: [CodingKeys: Set<Kind>] = [
            .bias: [.read], .pulseMs: [.pulse], .maxPulseMs: [.pulse], .minIntervalMs: [.set, .pulse, .toggle],
            .autoOffMs: [.set, .toggle], .safeValue: [.set, .pulse, .toggle],
        ]
        for (key, kinds) in applies.sorted(by: { $0.key.rawValue < $1.key.rawValue })
        where c.contains(key) && !kinds.contains(kind) {
            let names = Kind.allCases.filter(kinds.contains).map(\.rawValue).joined(separator: ", ")
            throw refuse(key, "\(key.rawValue) does not apply to a \(kind.rawValue) action (only to: \(names))")
        }

        var bias = LineBias.asIs
        if let biasName = try c.decodeIfPresent(String.self, forKey: .bias) {
            guard let parsed = LineBias(rawValue: biasName), parsed != .unknown else {
                throw refuse(.bias, "unknown bias '\(biasName)'; expected one of: pull-up, pull-down, disabled, as-is")
            }
            bias = parsed
        }
        let maxPulse = try c.decodeIfPresent(Int.self, forKey: .maxPulseMs)
        if let maxPulse, !(1...Self.pulseCeilingMs).contains(maxPulse) {
            throw refuse(.maxPulseMs, "max_pulse_ms must be from 1 to \(Self.pulseCeilingMs), found \(maxPulse)")
        }
        let pulse = try c.decodeIfPresent(Int.self, forKey: .pulseMs)
        if let pulse, !(1...(maxPulse ?? 1000)).contains(pulse) {
            throw refuse(
                .pulseMs, "pulse_ms must be from 1 to max_pulse_ms (\(maxPulse ?? 1000)), found \(pulse)")
        }
        let interval = try c.decodeIfPresent(Int.self, forKey: .minIntervalMs)
        if let interval, !(0...Self.autoOffCeilingMs).contains(interval) {
            throw refuse(.minIntervalMs, "min_interval_ms must be from 0 to \(Self.autoOffCeilingMs), found \(interval)")
        }
        let autoOff = try c.decodeIfPresent(Int.self, forKey: .autoOffMs)
        if let autoOff, !(1...Self.autoOffCeilingMs).contains(autoOff) {
            throw refuse(.autoOffMs, "auto_off_ms must be from 1 to \(Self.autoOffCeilingMs), found \(autoOff)")
        }
        var safe = false
        if c.contains(.safeValue) {
            if let number = try? c.decode(Int.self, forKey: .safeValue) {
                guard number == 0 || number == 1 else {
                    throw refuse(.safeValue, "safe_value must be 0 (off) or 1 (on), found \(number)")
                }
                safe = number == 1
            } else if let flag = try? c.decode(Bool.self, forKey: .safeValue) {
                safe = flag
            } else {
                throw refuse(.safeValue, "safe_value must be 0 (off) or 1 (on)")
            }
        }
        self.init(
            kind: kind, line: line, activeLow: try c.decodeIfPresent(Bool.self, forKey: .activeLow) ?? false,
            bias: bias, pulseMs: pulse, maxPulseMs: maxPulse, minIntervalMs: interval, autoOffMs: autoOff,
            safeValue: safe)
    }
}

/// One `[[tools]]` entry: a function the model may call, and the GPIO action behind it.
public struct ToolConfig: Sendable, Equatable, Decodable {
    /// The function's name (letters, digits, `_`).
    public var name: String
    /// What the tool does, for the model: when to call it and what it switches.
    public var description: String
    /// The parameters the model sees. Defaults by kind: `set` takes `on` (boolean, required), `pulse` takes
    /// `duration_ms` (integer, optional, 1 to `max_pulse_ms`), `toggle` and `read` take none.
    public var parameters: ParameterSchema
    /// The action and its limits.
    public var action: ActionConfig
    /// Where the entry and its `action.line` are in the file (set by ``ToolsConfig/parse(_:rejectingUnknownKeys:)``).
    public var location: Location?

    /// Where a tool was configured, for error messages.
    public struct Location: Sendable, Equatable {
        /// The entry's index in `tools`.
        public var index: Int
        /// The line of its `[[tools]]` header.
        public var line: Int
        /// The line of its `action.line` key.
        public var actionLine: Int

        /// A location.
        public init(index: Int, line: Int, actionLine: Int) {
            self.index = index
            self.line = line
            self.actionLine = actionLine
        }
    }

    /// The argument each kind reads.
    public static func argumentName(for kind: ActionConfig.Kind) -> String? {
        switch kind {
        case .set: "on"
        case .pulse: "duration_ms"
        case .toggle, .read: nil
        }
    }

    /// A tool; `parameters` nil takes the kind's default.
    public init(name: String, description: String, parameters: ParameterSchema? = nil, action: ActionConfig) {
        self.name = name
        self.description = description
        self.action = action
        self.parameters = parameters ?? Self.defaultParameters(for: action)
    }

    /// The parameters a kind takes when the configuration gives none.
    public static func defaultParameters(for action: ActionConfig) -> ParameterSchema {
        switch action.kind {
        case .set:
            return ParameterSchema(
                type: .object,
                properties: [.init(name: "on", schema: .init(type: .boolean, description: "true to switch on, false to switch off"))],
                required: ["on"])
        case .pulse:
            return ParameterSchema(
                type: .object,
                properties: [
                    .init(
                        name: "duration_ms",
                        schema: .init(
                            type: .integer,
                            description: "How long to switch on, in milliseconds (default \(action.pulseMs))",
                            minimum: 1, maximum: Double(action.maxPulseMs)))
                ])
        case .toggle, .read:
            return .noArguments
        }
    }

    private enum CodingKeys: String, CodingKey {
        case name, description, parameters, action
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decode(String.self, forKey: .name)
        guard isValidIdentifier(name) else {
            throw DecodingError.dataCorruptedError(
                forKey: .name, in: c,
                debugDescription: "'\(name)' is not a valid tool name: use letters, digits and '_', starting with a "
                    + "letter or '_', at most 64 characters (e.g. \"garage_door\")")
        }
        description = try c.decode(String.self, forKey: .description)
        guard !description.allSatisfy(\.isWhitespace) else {
            throw DecodingError.dataCorruptedError(
                forKey: .description, in: c,
                debugDescription: "the description must say what the tool does; the model reads it to decide when to call it")
        }
        action = try c.decode(ActionConfig.self, forKey: .action)
        guard let given = try c.decodeIfPresent(ParameterSchema.self, forKey: .parameters) else {
            parameters = Self.defaultParameters(for: action)
            location = nil
            return
        }
        parameters = given
        location = nil
        try checkParameters(in: c)
    }

    /// The parameters a configuration gives must be ones the action reads, with the type it reads.
    private func checkParameters(in c: KeyedDecodingContainer<CodingKeys>) throws {
        func refuse(_ message: String) -> DecodingError {
            DecodingError.dataCorruptedError(forKey: .parameters, in: c, debugDescription: message)
        }
        guard parameters.type == .object else { throw refuse("parameters must have type = \"object\"") }
        let argument = Self.argumentName(for: action.kind)
        for property in parameters.properties where property.name != argument {
            throw refuse(
                "the parameter '\(property.name)' is not read by a \(action.kind.rawValue) action "
                    + (argument.map { "(it reads only '\($0)')" } ?? "(it takes no arguments)"))
        }
        switch action.kind {
        case .set:
            guard parameters.property("on")?.type == .boolean, parameters.required.contains("on") else {
                throw refuse("a set action needs the parameter 'on' with type = \"boolean\", listed in required")
            }
        case .pulse:
            if let duration = parameters.property("duration_ms") {
                guard duration.type == .integer else {
                    throw refuse("the parameter 'duration_ms' must have type = \"integer\"")
                }
                if let maximum = duration.maximum, maximum > Double(action.maxPulseMs) {
                    throw refuse(
                        "duration_ms allows up to \(format(maximum)) ms, more than action.max_pulse_ms "
                            + "(\(action.maxPulseMs)); lower its maximum or raise max_pulse_ms")
                }
            }
        case .toggle, .read:
            break
        }
    }
}

/// The `[[tools]]` part of a configuration file.
public struct ToolsConfig: Sendable, Equatable, Decodable {
    /// The tools, in file order.
    public var tools: [ToolConfig]

    /// A configuration with `tools`.
    public init(tools: [ToolConfig]) {
        self.tools = tools
    }

    private enum CodingKeys: String, CodingKey { case tools }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        tools = try c.decodeIfPresent([ToolConfig].self, forKey: .tools) ?? []
        var firstIndex: [String: Int] = [:]  // a dictionary, not a scan per tool: a file may hold thousands
        for (index, tool) in tools.enumerated() {
            if let first = firstIndex[tool.name] {
                throw DecodingError.dataCorrupted(
                    DecodingError.Context(
                        codingPath: c.codingPath + [PathKey.key("tools"), PathKey.index(index), PathKey.key("name")],
                        debugDescription: "the tool name '\(tool.name)' is already used by tools[\(first)]"))
            }
            firstIndex[tool.name] = index
        }
    }

    /// Decodes the `[[tools]]` tables of a configuration file (other sections are left alone). In strict
    /// mode an unknown key inside a tool is an error with its line (a typo such as `max_puls_ms`).
    public static func parse(_ text: String, rejectingUnknownKeys: Bool = true) throws(TOMLDecodingError) -> ToolsConfig {
        let document: TOMLDocument
        do {
            document = try TOMLDocument(parsing: text)
        } catch {
            throw TOMLDecodingError(kind: .syntax, path: "", line: error.line, column: error.column, message: error.message)
        }
        return try decode(from: document, rejectingUnknownKeys: rejectingUnknownKeys)
    }

    /// Decodes the `[[tools]]` tables of an already parsed document (the daemon's configuration parses
    /// its file once for every section).
    public static func decode(from document: TOMLDocument, rejectingUnknownKeys: Bool = true) throws(TOMLDecodingError) -> ToolsConfig {
        var (config, unknown) = try TOMLDecoder().decodeReportingUnknownKeys(ToolsConfig.self, from: document.root)
        if rejectingUnknownKeys, let first = unknown.first(where: { $0.path.hasPrefix("tools[") }) {
            throw TOMLDecodingError(
                kind: .unknownKey, path: first.path, line: first.position.line, column: first.position.column,
                message: first.message)
        }
        config.locate(in: document)
        return config
    }

    /// Records where each tool and its `action.line` are in `document`, for error messages.
    public mutating func locate(in document: TOMLDocument) {
        let entries = document.root["tools"]?.arrayValue ?? []
        for index in tools.indices where index < entries.count {
            let entry = entries[index]
            tools[index].location = ToolConfig.Location(
                index: index, line: entry.position.line,
                actionLine: entry["action"]?["line"]?.position.line ?? entry.position.line)
        }
    }
}

/// A hand-made coding path element.
enum PathKey: CodingKey {
    case key(String)
    case index(Int)

    init?(stringValue: String) { self = .key(stringValue) }
    init?(intValue: Int) { self = .index(intValue) }

    var stringValue: String {
        switch self {
        case .key(let key): key
        case .index(let index): "Index \(index)"
        }
    }

    var intValue: Int? {
        if case .index(let index) = self { return index }
        return nil
    }
}
