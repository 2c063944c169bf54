// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

public import FoundationEssentials
public import JSON

/// Multi-part content of one turn (`google.genai.types.Content`). A string literal is a user text turn.
public struct Content: Codable, Sendable, Hashable, ExpressibleByStringLiteral {
    /// `"user"` or `"model"` (a system instruction may carry `"system"`); omitted when nil.
    public var role: String?
    public var parts: [Part]

    public init(role: String? = nil, parts: [Part]) {
        self.role = role
        self.parts = parts
    }

    /// One text part; `role` defaults to `user` (how the SDK sends a plain-string system instruction).
    public init(_ text: String, role: String? = "user") {
        self.init(role: role, parts: [Part(text: text)])
    }

    /// A user turn with one text part.
    public static func user(_ text: String) -> Content { Content(role: "user", parts: [Part(text: text)]) }

    /// The text parts joined, thought parts skipped.
    public var text: String? {
        let texts = parts.compactMap { $0.thought == true ? nil : $0.text }
        return texts.isEmpty ? nil : texts.joined()
    }

    public init(stringLiteral value: String) { self.init(value) }

    private enum CodingKeys: String, CodingKey { case role, parts }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        role = try container.decodeIfPresent(String.self, forKey: .role)
        parts = try container.decodeIfPresent([Part].self, forKey: .parts) ?? []
    }
}

/// One piece of content: text, inline media, a function call or a function response (`types.Part`).
///
/// Exactly one of the payload fields is normally set. Fields this library does not model (code execution,
/// file data, ...) are skipped when decoding.
public struct Part: Codable, Sendable, Hashable {
    public var text: String?
    /// True when the text is the model's thinking, not its answer.
    public var thought: Bool?
    public var inlineData: Blob?
    public var functionCall: FunctionCall?
    public var functionResponse: FunctionResponse?

    public init(text: String? = nil, thought: Bool? = nil, inlineData: Blob? = nil,
                functionCall: FunctionCall? = nil, functionResponse: FunctionResponse? = nil) {
        self.text = text
        self.thought = thought
        self.inlineData = inlineData
        self.functionCall = functionCall
        self.functionResponse = functionResponse
    }

    private enum CodingKeys: String, CodingKey { case text, thought, inlineData, functionCall, functionResponse }
}

/// Raw bytes with a MIME type (`types.Blob`), such as `audio/pcm;rate=16000` PCM.
///
/// On the wire `data` is base64; decoding accepts the standard and URL-safe alphabets, padded or not (as the
/// reference SDK does), and rejects anything else with a decoding error.
public struct Blob: Codable, Sendable, Hashable {
    public var mimeType: String
    public var data: Data

    public init(mimeType: String, data: Data) {
        self.mimeType = mimeType
        self.data = data
    }

    /// 16-bit little-endian mono PCM at `sampleRate`, as the Live API takes (16 kHz) and sends (24 kHz) audio.
    public static func pcm(_ data: Data, sampleRate: Int = 16_000) -> Blob {
        Blob(mimeType: "audio/pcm;rate=\(sampleRate)", data: data)
    }

    /// The sample rate named by an `audio/pcm;rate=N` MIME type, if any.
    public var sampleRate: Int? {
        for parameter in mimeType.split(separator: ";") {
            let pair = parameter.split(separator: "=", maxSplits: 1)
            if pair.count == 2, pair[0].trimmingPrefixWhitespace() == "rate" { return Int(pair[1]) }
        }
        return nil
    }

    private enum CodingKeys: String, CodingKey { case mimeType, data }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        mimeType = try container.decodeIfPresent(String.self, forKey: .mimeType) ?? ""
        let text = try container.decodeIfPresent(String.self, forKey: .data) ?? ""
        guard let bytes = Base64.decode(text) else {
            throw DecodingError.dataCorruptedError(
                forKey: .data, in: container,
                debugDescription: "invalid base64 in inlineData.data (\(text.count) characters)")
        }
        data = Data(bytes)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(mimeType, forKey: .mimeType)
        try container.encode(Base64.encode(data), forKey: .data)
    }
}

/// A function the model asks the client to run (`types.FunctionCall`).
public struct FunctionCall: Codable, Sendable, Hashable {
    /// Echo this in the ``FunctionResponse`` (the Gemini API requires it).
    public var id: String?
    public var name: String
    public var args: [String: JSONValue]

    public init(id: String? = nil, name: String, args: [String: JSONValue] = [:]) {
        self.id = id
        self.name = name
        self.args = args
    }

    private enum CodingKeys: String, CodingKey { case id, name, args }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = try container.decodeIfPresent(String.self, forKey: .id)
        name = try container.decodeIfPresent(String.self, forKey: .name) ?? ""
        args = try container.decodeIfPresent([String: JSONValue].self, forKey: .args) ?? [:]
    }
}

/// The result of a ``FunctionCall`` (`types.FunctionResponse`).
///
/// By convention `response` holds `{"output": …}` or `{"error": …}`.
public struct FunctionResponse: Codable, Sendable, Hashable {
    /// How a non-blocking function's late result is folded into the conversation (`FunctionResponseScheduling`).
    public struct Scheduling: ProtoEnum {
        public var rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        /// Add the result to the context without interrupting or prompting a reply.
        public static let silent: Scheduling = "SILENT"
        /// Wait until the model is idle, then reply to the result.
        public static let whenIdle: Scheduling = "WHEN_IDLE"
        /// Interrupt what the model is saying and reply to the result at once.
        public static let interrupt: Scheduling = "INTERRUPT"
    }

    public var id: String?
    public var name: String
    public var response: [String: JSONValue]
    /// For a NON_BLOCKING function: more responses to this call will follow.
    public var willContinue: Bool?
    public var scheduling: Scheduling?

    public init(id: String? = nil, name: String, response: [String: JSONValue],
                willContinue: Bool? = nil, scheduling: Scheduling? = nil) {
        self.id = id
        self.name = name
        self.response = response
        self.willContinue = willContinue
        self.scheduling = scheduling
    }

    private enum CodingKeys: String, CodingKey { case id, name, response, willContinue, scheduling }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = try container.decodeIfPresent(String.self, forKey: .id)
        name = try container.decodeIfPresent(String.self, forKey: .name) ?? ""
        response = try container.decodeIfPresent([String: JSONValue].self, forKey: .response) ?? [:]
        willContinue = try container.decodeIfPresent(Bool.self, forKey: .willContinue)
        scheduling = try container.decodeIfPresent(Scheduling.self, forKey: .scheduling)
    }
}

extension Substring {
    func trimmingPrefixWhitespace() -> Substring { drop(while: { $0 == " " }) }
}
