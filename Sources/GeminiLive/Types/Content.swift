// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

public import FoundationEssentials
public import JSON

/// Multi-part content of one turn (`google.genai.types.Content`). A string literal is a user text turn.
public struct Content: Codable, Sendable, Hashable, ExpressibleByStringLiteral {
    /// `"user"` or `"model"` (a system instruction may carry `"system"`); omitted when nil.
    public var role: String?
    /// The parts, in order.
    public var parts: [Part]

    /// A value with the given fields.
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

    /// A value with the given fields.
    public init(stringLiteral value: String) { self.init(value) }

    private enum CodingKeys: String, CodingKey { case role, parts }

    /// Decodes the wire form.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        role = try container.decodeIfPresent(String.self, forKey: .role)
        parts = try container.decodeIfPresent([Part].self, forKey: .parts) ?? []
    }
}

/// One piece of content: text, inline media, a function call or result, code the model ran (`types.Part`).
///
/// Exactly one of the payload fields is normally set. Text, audio and function calls are decoded strictly;
/// the rest (thought flags and signatures, code execution, file references) leniently, and all of them are
/// kept on a round trip. Fields this library does not model (video metadata, ...) are skipped.
public struct Part: Codable, Sendable, Hashable {
    /// Text.
    public var text: String?
    /// True when the text is the model's thinking, not its answer.
    public var thought: Bool?
    /// An opaque signature of the model's thinking, to send back unchanged with the part in later turns.
    public var thoughtSignature: Data?
    /// Inline media: reply audio, an image.
    public var inlineData: Blob?
    /// A reference to a file (`fileUri`) instead of inline bytes.
    public var fileData: FileData?
    /// A function the model wants called.
    public var functionCall: FunctionCall?
    /// A function's result.
    public var functionResponse: FunctionResponse?
    /// Code the model wrote for the code-execution tool.
    public var executableCode: ExecutableCode?
    /// What running ``executableCode`` gave.
    public var codeExecutionResult: CodeExecutionResult?

    /// A part with the given fields.
    public init(text: String? = nil, thought: Bool? = nil, inlineData: Blob? = nil,
                functionCall: FunctionCall? = nil, functionResponse: FunctionResponse? = nil,
                thoughtSignature: Data? = nil, fileData: FileData? = nil, executableCode: ExecutableCode? = nil,
                codeExecutionResult: CodeExecutionResult? = nil) {
        self.text = text
        self.thought = thought
        self.inlineData = inlineData
        self.functionCall = functionCall
        self.functionResponse = functionResponse
        self.thoughtSignature = thoughtSignature
        self.fileData = fileData
        self.executableCode = executableCode
        self.codeExecutionResult = codeExecutionResult
    }

    private enum CodingKeys: String, CodingKey {
        case text, thought, thoughtSignature, inlineData, fileData, functionCall, functionResponse, executableCode
        case codeExecutionResult
    }

    /// Strict for text, inline data and function calls and results; lenient for the rest.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        text = try c.decodeIfPresent(String.self, forKey: .text)
        inlineData = try c.decodeIfPresent(Blob.self, forKey: .inlineData)
        functionCall = try c.decodeIfPresent(FunctionCall.self, forKey: .functionCall)
        functionResponse = try c.decodeIfPresent(FunctionResponse.self, forKey: .functionResponse)
        thought = c.lenientBool(.thought)
        thoughtSignature = c.rawValue(.thoughtSignature)?.stringValue.flatMap(Base64.decode).map { Data($0) }
        fileData = c.lenient(FileData.self, .fileData)
        executableCode = c.lenient(ExecutableCode.self, .executableCode)
        codeExecutionResult = c.lenient(CodeExecutionResult.self, .codeExecutionResult)
    }

    /// `thoughtSignature` as standard base64, as proto3 JSON writes bytes.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encodeIfPresent(text, forKey: .text)
        try c.encodeIfPresent(thought, forKey: .thought)
        try c.encodeIfPresent(thoughtSignature.map(Base64.encode), forKey: .thoughtSignature)
        try c.encodeIfPresent(inlineData, forKey: .inlineData)
        try c.encodeIfPresent(fileData, forKey: .fileData)
        try c.encodeIfPresent(functionCall, forKey: .functionCall)
        try c.encodeIfPresent(functionResponse, forKey: .functionResponse)
        try c.encodeIfPresent(executableCode, forKey: .executableCode)
        try c.encodeIfPresent(codeExecutionResult, forKey: .codeExecutionResult)
    }
}

/// A file the content refers to by URI (`types.FileData`).
public struct FileData: Codable, Sendable, Hashable {
    /// The file's MIME type.
    public var mimeType: String?
    /// Where it is (`https://generativelanguage.googleapis.com/v1beta/files/…`, `gs://…`).
    public var fileUri: String?
    /// A name to show.
    public var displayName: String?

    /// A file reference.
    public init(mimeType: String? = nil, fileUri: String? = nil, displayName: String? = nil) {
        self.mimeType = mimeType
        self.fileUri = fileUri
        self.displayName = displayName
    }
}

/// Code the model generated for the code-execution tool (`types.ExecutableCode`).
public struct ExecutableCode: Codable, Sendable, Hashable {
    /// The programming language (`types.Language`).
    public struct Language: ProtoEnum {
        public var rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        /// Python 3 (the only one the service runs today).
        public static let python: Language = "PYTHON"
        /// Not specified.
        public static let unspecified: Language = "LANGUAGE_UNSPECIFIED"
    }

    /// The source code.
    public var code: String?
    /// Its language.
    public var language: Language?
    /// Identifies the code; its ``CodeExecutionResult`` carries the same id.
    public var id: String?

    /// Code with its language.
    public init(code: String? = nil, language: Language? = nil, id: String? = nil) {
        self.code = code
        self.language = language
        self.id = id
    }
}

/// The result of running ``ExecutableCode`` (`types.CodeExecutionResult`).
public struct CodeExecutionResult: Codable, Sendable, Hashable {
    /// How the run ended (`types.Outcome`).
    public struct Outcome: ProtoEnum {
        public var rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        /// It ran to the end.
        public static let ok: Outcome = "OUTCOME_OK"
        /// It failed; ``CodeExecutionResult/output`` has the error.
        public static let failed: Outcome = "OUTCOME_FAILED"
        /// It ran too long and was stopped.
        public static let deadlineExceeded: Outcome = "OUTCOME_DEADLINE_EXCEEDED"
        /// Not specified.
        public static let unspecified: Outcome = "OUTCOME_UNSPECIFIED"
    }

    /// How the run ended.
    public var outcome: Outcome?
    /// Standard output on success, the error otherwise.
    public var output: String?
    /// The ``ExecutableCode/id`` this result is for.
    public var id: String?

    /// A result.
    public init(outcome: Outcome? = nil, output: String? = nil, id: String? = nil) {
        self.outcome = outcome
        self.output = output
        self.id = id
    }
}

/// Raw bytes with a MIME type (`types.Blob`), such as `audio/pcm;rate=16000` PCM.
///
/// On the wire `data` is base64; decoding accepts the standard and URL-safe alphabets, padded or not (as the
/// reference SDK does), and rejects anything else with a decoding error.
public struct Blob: Codable, Sendable, Hashable {
    /// The MIME type (`audio/pcm;rate=16000`).
    public var mimeType: String
    /// The bytes.
    public var data: Data

    /// A value with the given fields.
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

    /// Decodes the wire form.
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

    /// Encodes the wire form.
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
    /// The function's name.
    public var name: String
    /// The arguments as a JSON object.
    public var args: [String: JSONValue]

    /// A value with the given fields.
    public init(id: String? = nil, name: String, args: [String: JSONValue] = [:]) {
        self.id = id
        self.name = name
        self.args = args
    }

    private enum CodingKeys: String, CodingKey { case id, name, args }

    /// Decodes the wire form.
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

    /// The call's id: echo it in the response.
    public var id: String?
    /// The function's name.
    public var name: String
    /// The result as a JSON object (`{"output": ...}` or `{"error": ...}`).
    public var response: [String: JSONValue]
    /// For a NON_BLOCKING function: more responses to this call will follow.
    public var willContinue: Bool?
    /// For a `NON_BLOCKING` function: how the result is folded into the conversation.
    public var scheduling: Scheduling?

    /// A value with the given fields.
    public init(id: String? = nil, name: String, response: [String: JSONValue],
                willContinue: Bool? = nil, scheduling: Scheduling? = nil) {
        self.id = id
        self.name = name
        self.response = response
        self.willContinue = willContinue
        self.scheduling = scheduling
    }

    private enum CodingKeys: String, CodingKey { case id, name, response, willContinue, scheduling }

    /// Decodes the wire form.
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
