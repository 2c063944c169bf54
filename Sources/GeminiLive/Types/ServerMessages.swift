// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

public import FoundationEssentials
public import JSON

/// One server→client message (`types.LiveServerMessage`). Usually exactly one field is set; a few
/// combinations occur (`serverContent` with `usageMetadata`). Unknown fields are ignored.
public struct LiveServerMessage: Codable, Sendable, Hashable {
    public var setupComplete: LiveServerSetupComplete?
    public var serverContent: LiveServerContent?
    public var toolCall: LiveServerToolCall?
    public var toolCallCancellation: LiveServerToolCallCancellation?
    public var goAway: LiveServerGoAway?
    public var sessionResumptionUpdate: LiveServerSessionResumptionUpdate?
    public var usageMetadata: UsageMetadata?
    public var voiceActivityDetectionSignal: VoiceActivityDetectionSignal?
    public var voiceActivity: VoiceActivity?

    public init(setupComplete: LiveServerSetupComplete? = nil, serverContent: LiveServerContent? = nil,
                toolCall: LiveServerToolCall? = nil, toolCallCancellation: LiveServerToolCallCancellation? = nil,
                goAway: LiveServerGoAway? = nil, sessionResumptionUpdate: LiveServerSessionResumptionUpdate? = nil,
                usageMetadata: UsageMetadata? = nil, voiceActivityDetectionSignal: VoiceActivityDetectionSignal? = nil,
                voiceActivity: VoiceActivity? = nil) {
        self.setupComplete = setupComplete
        self.serverContent = serverContent
        self.toolCall = toolCall
        self.toolCallCancellation = toolCallCancellation
        self.goAway = goAway
        self.sessionResumptionUpdate = sessionResumptionUpdate
        self.usageMetadata = usageMetadata
        self.voiceActivityDetectionSignal = voiceActivityDetectionSignal
        self.voiceActivity = voiceActivity
    }

    /// True when no field this library knows is set (a message kind newer than this library).
    public var isUnknown: Bool { self == LiveServerMessage() }

    /// The non-thought text parts of the model turn, joined (the SDK's `message.text`).
    public var text: String? { serverContent?.modelTurn?.text }

    /// The inline data bytes of the model turn, joined (the SDK's `message.data`): the reply audio.
    public var data: Data? {
        guard let parts = serverContent?.modelTurn?.parts else { return nil }
        let blobs = parts.compactMap(\.inlineData)
        guard !blobs.isEmpty else { return nil }
        return blobs.dropFirst().reduce(into: blobs[0].data) { $0.append($1.data) }
    }
}

/// `setupComplete`: the session is ready.
public struct LiveServerSetupComplete: Codable, Sendable, Hashable {
    public var sessionId: String?
    public init(sessionId: String? = nil) { self.sessionId = sessionId }
}

/// A transcription fragment (`types.Transcription`); concatenate `text` until `finished`.
public struct Transcription: Codable, Sendable, Hashable {
    public var text: String?
    public var finished: Bool?
    public init(text: String? = nil, finished: Bool? = nil) {
        self.text = text
        self.finished = finished
    }
}

/// Why a turn ended (`types.TurnCompleteReason`).
public struct TurnCompleteReason: ProtoEnum {
    public var rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public static let malformedFunctionCall: TurnCompleteReason = "MALFORMED_FUNCTION_CALL"
    public static let responseRejected: TurnCompleteReason = "RESPONSE_REJECTED"
    public static let needMoreInput: TurnCompleteReason = "NEED_MORE_INPUT"
}

/// Model output and turn state (`types.LiveServerContent`).
public struct LiveServerContent: Codable, Sendable, Hashable {
    public var modelTurn: Content?
    /// The model finished its turn; the server waits for input.
    public var turnComplete: Bool?
    /// The user barged in: drop any queued reply audio.
    public var interrupted: Bool?
    /// The model finished generating (audio may still be playing).
    public var generationComplete: Bool?
    /// Sources of a grounded reply (Google Search), when a grounding tool was used.
    public var groundingMetadata: GroundingMetadata?
    public var urlContextMetadata: JSONValue?
    public var inputTranscription: Transcription?
    public var outputTranscription: Transcription?
    public var turnCompleteReason: TurnCompleteReason?
    public var waitingForInput: Bool?

    public init(modelTurn: Content? = nil, turnComplete: Bool? = nil, interrupted: Bool? = nil,
                generationComplete: Bool? = nil, groundingMetadata: GroundingMetadata? = nil,
                urlContextMetadata: JSONValue? = nil, inputTranscription: Transcription? = nil,
                outputTranscription: Transcription? = nil, turnCompleteReason: TurnCompleteReason? = nil,
                waitingForInput: Bool? = nil) {
        self.modelTurn = modelTurn
        self.turnComplete = turnComplete
        self.interrupted = interrupted
        self.generationComplete = generationComplete
        self.groundingMetadata = groundingMetadata
        self.urlContextMetadata = urlContextMetadata
        self.inputTranscription = inputTranscription
        self.outputTranscription = outputTranscription
        self.turnCompleteReason = turnCompleteReason
        self.waitingForInput = waitingForInput
    }
}

/// Function calls the model wants run (`toolCall`).
public struct LiveServerToolCall: Codable, Sendable, Hashable {
    public var functionCalls: [FunctionCall]?
    public init(functionCalls: [FunctionCall]? = nil) { self.functionCalls = functionCalls }
}

/// Earlier function calls to abandon, usually because the user interrupted (`toolCallCancellation`).
public struct LiveServerToolCallCancellation: Codable, Sendable, Hashable {
    public var ids: [String]?
    public init(ids: [String]? = nil) { self.ids = ids }
}

/// The server will close the connection soon (`goAway`); reconnect with the resumption handle before then.
public struct LiveServerGoAway: Codable, Sendable, Hashable {
    /// A protobuf Duration string such as `"50s"` or `"1.5s"`.
    public var timeLeft: String?

    public init(timeLeft: String? = nil) { self.timeLeft = timeLeft }

    /// ``timeLeft`` parsed, when it is a valid Duration string.
    public var timeLeftDuration: Duration? { timeLeft.flatMap(parseProtoDuration) }
}

/// A new handle for resuming this session later (`sessionResumptionUpdate`).
public struct LiveServerSessionResumptionUpdate: Codable, Sendable, Hashable {
    public var newHandle: String?
    /// False while the session cannot be resumed at this point (e.g. mid tool call).
    public var resumable: Bool?
    /// The index of the last client message the server consumed (with transparent resumption).
    public var lastConsumedClientMessageIndex: Int64?

    public init(newHandle: String? = nil, resumable: Bool? = nil, lastConsumedClientMessageIndex: Int64? = nil) {
        self.newHandle = newHandle
        self.resumable = resumable
        self.lastConsumedClientMessageIndex = lastConsumedClientMessageIndex
    }

    private enum CodingKeys: String, CodingKey { case newHandle, resumable, lastConsumedClientMessageIndex }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        newHandle = try container.decodeIfPresent(String.self, forKey: .newHandle)
        resumable = try container.decodeIfPresent(Bool.self, forKey: .resumable)
        lastConsumedClientMessageIndex = try container.decodeIfPresent(LenientInt64.self, forKey: .lastConsumedClientMessageIndex)?.value
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encodeIfPresent(newHandle, forKey: .newHandle)
        try container.encodeIfPresent(resumable, forKey: .resumable)
        try container.encodeIfPresent(lastConsumedClientMessageIndex.map(LenientInt64.init), forKey: .lastConsumedClientMessageIndex)
    }
}

/// Token counts per modality (`types.ModalityTokenCount`).
public struct ModalityTokenCount: Codable, Sendable, Hashable {
    public var modality: String?
    public var tokenCount: Int?
    public init(modality: String? = nil, tokenCount: Int? = nil) {
        self.modality = modality
        self.tokenCount = tokenCount
    }
}

/// Token usage (`types.UsageMetadata`). Vertex AI's `candidatesTokenCount`/`candidatesTokensDetails` are read
/// into ``responseTokenCount``/``responseTokensDetails``, as the SDK does.
public struct UsageMetadata: Codable, Sendable, Hashable {
    public var promptTokenCount: Int?
    public var cachedContentTokenCount: Int?
    public var responseTokenCount: Int?
    public var toolUsePromptTokenCount: Int?
    public var thoughtsTokenCount: Int?
    public var totalTokenCount: Int?
    public var promptTokensDetails: [ModalityTokenCount]?
    public var cacheTokensDetails: [ModalityTokenCount]?
    public var responseTokensDetails: [ModalityTokenCount]?
    public var toolUsePromptTokensDetails: [ModalityTokenCount]?

    public init(promptTokenCount: Int? = nil, cachedContentTokenCount: Int? = nil, responseTokenCount: Int? = nil,
                toolUsePromptTokenCount: Int? = nil, thoughtsTokenCount: Int? = nil, totalTokenCount: Int? = nil,
                promptTokensDetails: [ModalityTokenCount]? = nil, cacheTokensDetails: [ModalityTokenCount]? = nil,
                responseTokensDetails: [ModalityTokenCount]? = nil,
                toolUsePromptTokensDetails: [ModalityTokenCount]? = nil) {
        self.promptTokenCount = promptTokenCount
        self.cachedContentTokenCount = cachedContentTokenCount
        self.responseTokenCount = responseTokenCount
        self.toolUsePromptTokenCount = toolUsePromptTokenCount
        self.thoughtsTokenCount = thoughtsTokenCount
        self.totalTokenCount = totalTokenCount
        self.promptTokensDetails = promptTokensDetails
        self.cacheTokensDetails = cacheTokensDetails
        self.responseTokensDetails = responseTokensDetails
        self.toolUsePromptTokensDetails = toolUsePromptTokensDetails
    }

    private enum CodingKeys: String, CodingKey {
        case promptTokenCount, cachedContentTokenCount, responseTokenCount, toolUsePromptTokenCount
        case thoughtsTokenCount, totalTokenCount, promptTokensDetails, cacheTokensDetails, responseTokensDetails
        case toolUsePromptTokensDetails, candidatesTokenCount, candidatesTokensDetails
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        promptTokenCount = try c.decodeIfPresent(Int.self, forKey: .promptTokenCount)
        cachedContentTokenCount = try c.decodeIfPresent(Int.self, forKey: .cachedContentTokenCount)
        responseTokenCount = try c.decodeIfPresent(Int.self, forKey: .responseTokenCount)
            ?? c.decodeIfPresent(Int.self, forKey: .candidatesTokenCount)
        toolUsePromptTokenCount = try c.decodeIfPresent(Int.self, forKey: .toolUsePromptTokenCount)
        thoughtsTokenCount = try c.decodeIfPresent(Int.self, forKey: .thoughtsTokenCount)
        totalTokenCount = try c.decodeIfPresent(Int.self, forKey: .totalTokenCount)
        promptTokensDetails = try c.decodeIfPresent([ModalityTokenCount].self, forKey: .promptTokensDetails)
        cacheTokensDetails = try c.decodeIfPresent([ModalityTokenCount].self, forKey: .cacheTokensDetails)
        responseTokensDetails = try c.decodeIfPresent([ModalityTokenCount].self, forKey: .responseTokensDetails)
            ?? c.decodeIfPresent([ModalityTokenCount].self, forKey: .candidatesTokensDetails)
        toolUsePromptTokensDetails = try c.decodeIfPresent([ModalityTokenCount].self, forKey: .toolUsePromptTokensDetails)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encodeIfPresent(promptTokenCount, forKey: .promptTokenCount)
        try c.encodeIfPresent(cachedContentTokenCount, forKey: .cachedContentTokenCount)
        try c.encodeIfPresent(responseTokenCount, forKey: .responseTokenCount)
        try c.encodeIfPresent(toolUsePromptTokenCount, forKey: .toolUsePromptTokenCount)
        try c.encodeIfPresent(thoughtsTokenCount, forKey: .thoughtsTokenCount)
        try c.encodeIfPresent(totalTokenCount, forKey: .totalTokenCount)
        try c.encodeIfPresent(promptTokensDetails, forKey: .promptTokensDetails)
        try c.encodeIfPresent(cacheTokensDetails, forKey: .cacheTokensDetails)
        try c.encodeIfPresent(responseTokensDetails, forKey: .responseTokensDetails)
        try c.encodeIfPresent(toolUsePromptTokensDetails, forKey: .toolUsePromptTokensDetails)
    }
}

/// The server's detector saw speech start or end (`voiceActivityDetectionSignal`).
public struct VoiceActivityDetectionSignal: Codable, Sendable, Hashable {
    /// `VAD_SIGNAL_TYPE_SOS` (start of speech) or `VAD_SIGNAL_TYPE_EOS` (end of speech).
    public struct SignalType: ProtoEnum {
        public var rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public static let startOfSpeech: SignalType = "VAD_SIGNAL_TYPE_SOS"
        public static let endOfSpeech: SignalType = "VAD_SIGNAL_TYPE_EOS"
    }
    public var vadSignalType: SignalType?
    public init(vadSignalType: SignalType? = nil) { self.vadSignalType = vadSignalType }
}

/// User voice activity as the server saw it (`voiceActivity`).
public struct VoiceActivity: Codable, Sendable, Hashable {
    /// `ACTIVITY_START` or `ACTIVITY_END`.
    public struct ActivityType: ProtoEnum {
        public var rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public static let start: ActivityType = "ACTIVITY_START"
        public static let end: ActivityType = "ACTIVITY_END"
    }
    public var type: ActivityType?
    /// Offset into the input audio, a protobuf Duration string.
    public var audioOffset: String?
    public init(type: ActivityType? = nil, audioOffset: String? = nil) {
        self.type = type
        self.audioOffset = audioOffset
    }
}

/// Parses a protobuf Duration JSON string (`"50s"`, `"1.500s"`, `"-2s"`).
func parseProtoDuration(_ text: String) -> Duration? {
    guard text.hasSuffix("s") else { return nil }
    let number = text.dropLast()
    guard !number.isEmpty, let seconds = Double(number), seconds.isFinite else { return nil }
    return .milliseconds(Int64((seconds * 1000).rounded()))
}
