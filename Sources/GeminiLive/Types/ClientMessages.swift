// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

/// The first message of a session (`setup`), built from a ``LiveConnectConfig`` by ``AsyncLive/connect(model:config:)``.
public struct LiveClientSetup: Codable, Sendable, Hashable {
    /// `models/{id}` (Gemini API) or `projects/{p}/locations/{l}/publishers/google/models/{id}` (Vertex AI).
    public var model: String
    /// Sampling and output parameters.
    public var generationConfig: GenerationConfig?
    /// The system instruction.
    public var systemInstruction: Content?
    /// Functions and built-in tools the model may use.
    public var tools: [Tool]?
    /// Voice activity detection and turn handling for realtime input.
    public var realtimeInputConfig: RealtimeInputConfig?
    /// Session resumption: `{}` to receive handles, a handle to resume.
    public var sessionResumption: SessionResumptionConfig?
    /// Compression of the context so sessions can outlive its limit.
    public var contextWindowCompression: ContextWindowCompressionConfig?
    /// Set (`{}`) to receive transcriptions of the user's speech.
    public var inputAudioTranscription: AudioTranscriptionConfig?
    /// Set (`{}`) to receive transcriptions of the model's speech.
    public var outputAudioTranscription: AudioTranscriptionConfig?
    /// Proactive audio and video.
    public var proactivity: ProactivityConfig?
    /// How the conversation history is seeded.
    public var historyConfig: HistoryConfig?

    /// The setup for `model` (already normalised) from `config`.
    public init(model: String, config: LiveConnectConfig) {
        self.model = model
        generationConfig = config.mergedGenerationConfig()
        systemInstruction = config.systemInstruction
        tools = config.tools
        realtimeInputConfig = config.realtimeInputConfig
        sessionResumption = config.sessionResumption
        contextWindowCompression = config.contextWindowCompression
        inputAudioTranscription = config.inputAudioTranscription
        outputAudioTranscription = config.outputAudioTranscription
        proactivity = config.proactivity
        historyConfig = config.historyConfig
    }
}

/// Turn-based content appended to the conversation (`clientContent`).
public struct LiveClientContent: Codable, Sendable, Hashable {
    /// The turns to add, in order.
    public var turns: [Content]?
    /// True: the model starts generating. False: the content is buffered for a later turn.
    public var turnComplete: Bool

    /// A value with the given fields.
    public init(turns: [Content]? = nil, turnComplete: Bool) {
        self.turns = turns
        self.turnComplete = turnComplete
    }

    private enum CodingKeys: String, CodingKey { case turns, turnComplete }

    /// Decodes the wire form.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        turns = try container.decodeIfPresent([Content].self, forKey: .turns)
        turnComplete = try container.decodeIfPresent(Bool.self, forKey: .turnComplete) ?? false
    }
}

/// Streaming input (`realtimeInput`): audio, video frames, text, or activity markers.
///
/// The reference SDK sends exactly one field per message; so does ``LiveSession``.
public struct LiveClientRealtimeInput: Codable, Sendable, Hashable {
    /// Deprecated form of media input (a list of blobs).
    public var mediaChunks: [Blob]?
    /// Microphone audio (`audio/*`).
    public var audio: Blob?
    /// A video frame (`image/*`).
    public var video: Blob?
    /// Text.
    public var text: String?
    /// Start of user speech, only when automatic activity detection is disabled.
    public var activityStart: EmptyObject?
    /// End of user speech, only when automatic activity detection is disabled.
    public var activityEnd: EmptyObject?
    /// The audio stream paused or ended (flushes the server's activity detector).
    public var audioStreamEnd: Bool?

    /// A value with the given fields.
    public init(mediaChunks: [Blob]? = nil, audio: Blob? = nil, video: Blob? = nil, text: String? = nil,
                activityStart: EmptyObject? = nil, activityEnd: EmptyObject? = nil, audioStreamEnd: Bool? = nil) {
        self.mediaChunks = mediaChunks
        self.audio = audio
        self.video = video
        self.text = text
        self.activityStart = activityStart
        self.activityEnd = activityEnd
        self.audioStreamEnd = audioStreamEnd
    }

    /// How many fields are set (the SDK allows exactly one).
    var fieldCount: Int {
        [mediaChunks != nil, audio != nil, video != nil, text != nil, activityStart != nil, activityEnd != nil,
         audioStreamEnd != nil].filter { $0 }.count
    }
}

/// Results of function calls (`toolResponse`).
public struct LiveClientToolResponse: Codable, Sendable, Hashable {
    /// The results, each echoing its call's `id`.
    public var functionResponses: [FunctionResponse]

    /// A value with the given fields.
    public init(functionResponses: [FunctionResponse]) { self.functionResponses = functionResponses }

    private enum CodingKeys: String, CodingKey { case functionResponses }

    /// Decodes the wire form.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        functionResponses = try container.decodeIfPresent([FunctionResponse].self, forKey: .functionResponses) ?? []
    }
}

/// Changes the session's system instruction or tools mid-session (`contextUpdate`).
///
/// On the wire the tools sit one level deeper, `{"tools": {"tools": [...]}}` (a `Tools` message wrapping the
/// list); this type hides that.
public struct LiveClientContextUpdate: Codable, Sendable, Hashable {
    /// The new system instruction.
    public var systemInstruction: Content?
    /// The new tool list (an empty list removes every tool).
    public var tools: [Tool]?

    /// An update of either or both.
    public init(systemInstruction: Content? = nil, tools: [Tool]? = nil) {
        self.systemInstruction = systemInstruction
        self.tools = tools
    }

    private enum CodingKeys: String, CodingKey { case systemInstruction, tools }
    private struct ToolList: Codable, Hashable { var tools: [Tool]? }

    /// Reads `tools.tools`.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        systemInstruction = try container.decodeIfPresent(Content.self, forKey: .systemInstruction)
        tools = try container.decodeIfPresent(ToolList.self, forKey: .tools).map { $0.tools ?? [] }
    }

    /// Writes `tools.tools`.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encodeIfPresent(systemInstruction, forKey: .systemInstruction)
        try container.encodeIfPresent(tools.map { ToolList(tools: $0) }, forKey: .tools)
    }
}

/// One client→server message: an object with exactly one top-level key.
public enum LiveClientMessage: Codable, Sendable, Hashable {
    /// The first message.
    case setup(LiveClientSetup)
    /// Turn-based content.
    case clientContent(LiveClientContent)
    /// Streaming input.
    case realtimeInput(LiveClientRealtimeInput)
    /// Function results.
    case toolResponse(LiveClientToolResponse)
    /// A new system instruction or tool list.
    case contextUpdate(LiveClientContextUpdate)

    private enum CodingKeys: String, CodingKey { case setup, clientContent, realtimeInput, toolResponse, contextUpdate }

    /// Decodes the wire form.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        if let value = try container.decodeIfPresent(LiveClientSetup.self, forKey: .setup) {
            self = .setup(value)
        } else if let value = try container.decodeIfPresent(LiveClientContent.self, forKey: .clientContent) {
            self = .clientContent(value)
        } else if let value = try container.decodeIfPresent(LiveClientRealtimeInput.self, forKey: .realtimeInput) {
            self = .realtimeInput(value)
        } else if let value = try container.decodeIfPresent(LiveClientToolResponse.self, forKey: .toolResponse) {
            self = .toolResponse(value)
        } else if let value = try container.decodeIfPresent(LiveClientContextUpdate.self, forKey: .contextUpdate) {
            self = .contextUpdate(value)
        } else {
            throw DecodingError.dataCorrupted(.init(codingPath: [], debugDescription: "no known client message key"))
        }
    }

    /// Encodes the wire form.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .setup(let value): try container.encode(value, forKey: .setup)
        case .clientContent(let value): try container.encode(value, forKey: .clientContent)
        case .realtimeInput(let value): try container.encode(value, forKey: .realtimeInput)
        case .toolResponse(let value): try container.encode(value, forKey: .toolResponse)
        case .contextUpdate(let value): try container.encode(value, forKey: .contextUpdate)
        }
    }
}
