// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

public import FoundationEssentials
public import JSON

/// One server→client message (`types.LiveServerMessage`). Usually exactly one field is set; a few
/// combinations occur (`serverContent` with `usageMetadata`). Unknown fields are ignored.
public struct LiveServerMessage: Codable, Sendable, Hashable {
    /// The session is ready (the first message).
    public var setupComplete: LiveServerSetupComplete?
    /// Model output and turn state.
    public var serverContent: LiveServerContent?
    /// Functions the model wants run.
    public var toolCall: LiveServerToolCall?
    /// Earlier function calls to abandon.
    public var toolCallCancellation: LiveServerToolCallCancellation?
    /// The server will close the connection soon.
    public var goAway: LiveServerGoAway?
    /// A new handle for resuming the session.
    public var sessionResumptionUpdate: LiveServerSessionResumptionUpdate?
    /// Token usage so far.
    public var usageMetadata: UsageMetadata?
    /// The server's voice activity detector saw speech start or end.
    public var voiceActivityDetectionSignal: VoiceActivityDetectionSignal?
    /// User voice activity as the server saw it.
    public var voiceActivity: VoiceActivity?

    /// A value with the given fields.
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

    /// True when no field this library knows is set (a message kind newer than this library, or an empty frame).
    public var isUnknown: Bool { self == LiveServerMessage() }

    private enum CodingKeys: String, CodingKey {
        case setupComplete, serverContent, toolCall, toolCallCancellation, goAway, sessionResumptionUpdate
        case usageMetadata, voiceActivityDetectionSignal, voiceActivity
    }

    /// Model output, tool calls and their cancellations are decoded strictly (a malformed one is a protocol
    /// violation); session metadata leniently (a malformed `usageMetadata` or `goAway` is read as far as it
    /// makes sense and never fails the message).
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        serverContent = try c.decodeIfPresent(LiveServerContent.self, forKey: .serverContent)
        toolCall = try c.decodeIfPresent(LiveServerToolCall.self, forKey: .toolCall)
        toolCallCancellation = try c.decodeIfPresent(LiveServerToolCallCancellation.self, forKey: .toolCallCancellation)
        setupComplete = c.lenient(LiveServerSetupComplete.self, .setupComplete)
        goAway = c.lenient(LiveServerGoAway.self, .goAway)
        sessionResumptionUpdate = c.lenient(LiveServerSessionResumptionUpdate.self, .sessionResumptionUpdate)
        usageMetadata = c.lenient(UsageMetadata.self, .usageMetadata)
        voiceActivityDetectionSignal = c.lenient(VoiceActivityDetectionSignal.self, .voiceActivityDetectionSignal)
        voiceActivity = c.lenient(VoiceActivity.self, .voiceActivity)
    }

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
    /// The server's id for this session (the real service sends one).
    public var sessionId: String?
    /// A `setupComplete`, with the session id when the server sent one.
    public init(sessionId: String? = nil) { self.sessionId = sessionId }

    private enum CodingKeys: String, CodingKey { case sessionId }

    /// Its presence is what counts: an odd body (not an object, a numeric id) still completes setup.
    public init(from decoder: any Decoder) throws {
        sessionId = (try? decoder.container(keyedBy: CodingKeys.self))?.lenientString(.sessionId)
    }
}

/// A transcription fragment (`types.Transcription`); concatenate `text` until `finished`.
///
/// Decoded leniently: it is shown to people, never acted on, so a malformed field is dropped, not fatal.
public struct Transcription: Codable, Sendable, Hashable {
    /// This fragment's text.
    public var text: String?
    /// The transcription of this utterance is complete.
    public var finished: Bool?
    /// The BCP-47 language the audio was recognised as (`en-US`).
    public var languageCode: String?
    /// Which speaker this segment is from (`spk_1`), with diarization on.
    public var speakerLabel: String?
    /// Where the fragment starts in the audio, a protobuf Duration string (`"1.250s"`).
    public var startOffset: String?
    /// Where the fragment ends in the audio, a protobuf Duration string.
    public var endOffset: String?
    /// Word-level text and timing, with word timestamps on.
    public var words: [WordInfo]?

    /// A fragment with the given fields.
    public init(text: String? = nil, finished: Bool? = nil, languageCode: String? = nil, speakerLabel: String? = nil,
                startOffset: String? = nil, endOffset: String? = nil, words: [WordInfo]? = nil) {
        self.text = text
        self.finished = finished
        self.languageCode = languageCode
        self.speakerLabel = speakerLabel
        self.startOffset = startOffset
        self.endOffset = endOffset
        self.words = words
    }

    /// ``startOffset`` parsed.
    public var start: Duration? { startOffset.flatMap(parseProtoDuration) }
    /// ``endOffset`` parsed.
    public var end: Duration? { endOffset.flatMap(parseProtoDuration) }

    private enum CodingKeys: String, CodingKey {
        case text, finished, languageCode, speakerLabel, startOffset, endOffset, words
    }

    /// Reads each field leniently.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        text = c.lenientString(.text)
        finished = c.lenientBool(.finished)
        languageCode = c.lenientString(.languageCode)
        speakerLabel = c.lenientString(.speakerLabel)
        startOffset = c.lenientString(.startOffset)
        endOffset = c.lenientString(.endOffset)
        words = c.lenient([WordInfo].self, .words)
    }
}

/// One recognised word and when it was said (`types.WordInfo`).
public struct WordInfo: Codable, Sendable, Hashable {
    /// The word.
    public var word: String?
    /// Start in the audio, a protobuf Duration string.
    public var startOffset: String?
    /// End in the audio, a protobuf Duration string.
    public var endOffset: String?

    /// A word with its offsets.
    public init(word: String? = nil, startOffset: String? = nil, endOffset: String? = nil) {
        self.word = word
        self.startOffset = startOffset
        self.endOffset = endOffset
    }

    private enum CodingKeys: String, CodingKey { case word, startOffset, endOffset }

    /// Reads each field leniently.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        word = c.lenientString(.word)
        startOffset = c.lenientString(.startOffset)
        endOffset = c.lenientString(.endOffset)
    }
}

/// Why a turn ended (`types.TurnCompleteReason`).
public struct TurnCompleteReason: ProtoEnum {
    public var rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    /// `MALFORMED_FUNCTION_CALL`.
    public static let malformedFunctionCall: TurnCompleteReason = "MALFORMED_FUNCTION_CALL"
    /// `RESPONSE_REJECTED`.
    public static let responseRejected: TurnCompleteReason = "RESPONSE_REJECTED"
    /// `NEED_MORE_INPUT`.
    public static let needMoreInput: TurnCompleteReason = "NEED_MORE_INPUT"
}

/// Where the server is with the user's input (`types.InteractionStatus`), sent with `turnComplete` by models
/// that reason in the background (`gemini-3.8-live-extended-thinking`).
public struct InteractionStatus: ProtoEnum {
    public var rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    /// Not set; read as if no status were sent.
    public static let unspecified: InteractionStatus = "INTERACTION_STATUS_UNSPECIFIED"
    /// Still processing or reasoning: more output may follow, even after a `turnComplete`.
    public static let inProgress: InteractionStatus = "IN_PROGRESS"
    /// All processing and background reasoning is done.
    public static let idle: InteractionStatus = "IDLE"
    /// Deprecated by the service in favour of ``idle``; not read as complete (the SDK's rule is IDLE only).
    public static let requiresAction: InteractionStatus = "REQUIRES_ACTION"
}

/// Model output and turn state (`types.LiveServerContent`).
///
/// `modelTurn` (text, audio, function calls) is decoded strictly; the flags, transcriptions and metadata
/// leniently, so a malformed optional field never ends the session.
public struct LiveServerContent: Codable, Sendable, Hashable {
    /// What the model said in this message: text parts, audio (`inlineData`), thoughts.
    public var modelTurn: Content?
    /// The model finished its turn; the server waits for input.
    public var turnComplete: Bool?
    /// The user barged in: drop any queued reply audio.
    public var interrupted: Bool?
    /// The model finished generating (audio may still be playing).
    public var generationComplete: Bool?
    /// Sources of a grounded reply (Google Search), when a grounding tool was used.
    public var groundingMetadata: GroundingMetadata?
    /// What the URL context tool retrieved, as sent (free-form).
    public var urlContextMetadata: JSONValue?
    /// Transcription of the user's audio (with `inputAudioTranscription` in setup).
    public var inputTranscription: Transcription?
    /// Transcription of the model's spoken reply (with `outputAudioTranscription` in setup).
    public var outputTranscription: Transcription?
    /// A fast, provisional transcription of the user while they are still speaking.
    public var interimInputTranscription: Transcription?
    /// Why the turn ended.
    public var turnCompleteReason: TurnCompleteReason?
    /// The model is silent because it expects the user to go on.
    public var waitingForInput: Bool?
    /// Where the server is with the input; see ``isInteractionComplete``.
    public var interactionStatus: InteractionStatus?

    /// Server content with the given fields.
    public init(modelTurn: Content? = nil, turnComplete: Bool? = nil, interrupted: Bool? = nil,
                generationComplete: Bool? = nil, groundingMetadata: GroundingMetadata? = nil,
                urlContextMetadata: JSONValue? = nil, inputTranscription: Transcription? = nil,
                outputTranscription: Transcription? = nil, turnCompleteReason: TurnCompleteReason? = nil,
                waitingForInput: Bool? = nil, interimInputTranscription: Transcription? = nil,
                interactionStatus: InteractionStatus? = nil) {
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
        self.interimInputTranscription = interimInputTranscription
        self.interactionStatus = interactionStatus
    }

    /// The SDK's rule for the end of an interaction: ``interactionStatus`` is ``InteractionStatus/idle``, or,
    /// when the server sends no status (or an unspecified one), ``turnComplete`` is true.
    ///
    /// With a status, a `turnComplete` during ``InteractionStatus/inProgress`` is not the end: background
    /// reasoning may add more output.
    public var isInteractionComplete: Bool {
        if let interactionStatus, interactionStatus != .unspecified { return interactionStatus == .idle }
        return turnComplete == true
    }

    private enum CodingKeys: String, CodingKey {
        case modelTurn, turnComplete, interrupted, generationComplete, groundingMetadata, urlContextMetadata
        case inputTranscription, outputTranscription, interimInputTranscription, turnCompleteReason
        case waitingForInput, interactionStatus
    }

    /// Strict for ``modelTurn``, lenient for the rest.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        modelTurn = try c.decodeIfPresent(Content.self, forKey: .modelTurn)
        turnComplete = c.lenientBool(.turnComplete)
        interrupted = c.lenientBool(.interrupted)
        generationComplete = c.lenientBool(.generationComplete)
        waitingForInput = c.lenientBool(.waitingForInput)
        groundingMetadata = c.lenient(GroundingMetadata.self, .groundingMetadata)
        urlContextMetadata = c.rawValue(.urlContextMetadata)
        inputTranscription = c.lenient(Transcription.self, .inputTranscription)
        outputTranscription = c.lenient(Transcription.self, .outputTranscription)
        interimInputTranscription = c.lenient(Transcription.self, .interimInputTranscription)
        turnCompleteReason = c.lenient(TurnCompleteReason.self, .turnCompleteReason)
        interactionStatus = c.lenient(InteractionStatus.self, .interactionStatus)
    }
}

/// Function calls the model wants run (`toolCall`).
public struct LiveServerToolCall: Codable, Sendable, Hashable {
    /// The calls, each with the `id` to echo in its ``FunctionResponse``.
    public var functionCalls: [FunctionCall]?
    /// A tool call with these calls.
    public init(functionCalls: [FunctionCall]? = nil) { self.functionCalls = functionCalls }
}

/// Earlier function calls to abandon, usually because the user interrupted (`toolCallCancellation`).
public struct LiveServerToolCallCancellation: Codable, Sendable, Hashable {
    /// The ids of the calls to abandon.
    public var ids: [String]?
    /// A cancellation of these calls.
    public init(ids: [String]? = nil) { self.ids = ids }
}

/// The server will close the connection soon (`goAway`); reconnect with the resumption handle before then.
public struct LiveServerGoAway: Codable, Sendable, Hashable {
    /// A protobuf Duration string such as `"50s"` or `"1.5s"`.
    public var timeLeft: String?

    /// A goAway with the time left.
    public init(timeLeft: String? = nil) { self.timeLeft = timeLeft }

    /// ``timeLeft`` parsed, when it is a valid Duration string; never negative, and a huge value saturates
    /// (`"1e20s"` is the longest `Duration` this can hold, not a crash).
    public var timeLeftDuration: Duration? {
        timeLeft.flatMap(parseProtoDuration).map { max($0, .zero) }
    }

    private enum CodingKeys: String, CodingKey { case timeLeft }

    /// A `timeLeft` that is a bare number is read as seconds; anything else unreadable is dropped.
    public init(from decoder: any Decoder) throws {
        let c = try? decoder.container(keyedBy: CodingKeys.self)
        switch c?.rawValue(.timeLeft) {
        case .string(let text)?: timeLeft = text
        case let number? where number.doubleValue != nil: timeLeft = (number.lenientString ?? "0") + "s"
        default: timeLeft = nil
        }
    }
}

/// A new handle for resuming this session later (`sessionResumptionUpdate`).
public struct LiveServerSessionResumptionUpdate: Codable, Sendable, Hashable {
    /// The handle to resume with (when ``resumable``).
    public var newHandle: String?
    /// False while the session cannot be resumed at this point (e.g. mid tool call).
    public var resumable: Bool?
    /// The index of the last client message the server consumed (with transparent resumption).
    public var lastConsumedClientMessageIndex: Int64?

    /// An update with the given fields.
    public init(newHandle: String? = nil, resumable: Bool? = nil, lastConsumedClientMessageIndex: Int64? = nil) {
        self.newHandle = newHandle
        self.resumable = resumable
        self.lastConsumedClientMessageIndex = lastConsumedClientMessageIndex
    }

    private enum CodingKeys: String, CodingKey { case newHandle, resumable, lastConsumedClientMessageIndex }

    /// Reads each field leniently.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        // A handle that is not a string is not stored (a session that cannot resume starts over, safely).
        newHandle = container.rawValue(.newHandle)?.stringValue
        resumable = container.lenientBool(.resumable)
        lastConsumedClientMessageIndex = container.lenientInt64(.lastConsumedClientMessageIndex)
    }

    /// `lastConsumedClientMessageIndex` is written as a string, as proto3 JSON writes an int64.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encodeIfPresent(newHandle, forKey: .newHandle)
        try container.encodeIfPresent(resumable, forKey: .resumable)
        try container.encodeIfPresent(lastConsumedClientMessageIndex.map(String.init), forKey: .lastConsumedClientMessageIndex)
    }
}

/// Token counts per modality (`types.ModalityTokenCount`).
public struct ModalityTokenCount: Codable, Sendable, Hashable {
    /// `TEXT`, `AUDIO`, `IMAGE`, `VIDEO`.
    public var modality: String?
    /// Tokens of that modality.
    public var tokenCount: Int?
    /// A count for one modality.
    public init(modality: String? = nil, tokenCount: Int? = nil) {
        self.modality = modality
        self.tokenCount = tokenCount
    }

    private enum CodingKeys: String, CodingKey { case modality, tokenCount }

    /// Reads each field leniently.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        modality = c.lenientString(.modality)
        tokenCount = c.lenientInt(.tokenCount)
    }
}

/// The pricing tier a request ran in (`types.ServiceTier`, Gemini API only). The values are lower case.
public struct ServiceTier: ProtoEnum {
    public var rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    /// `unspecified`.
    public static let unspecified: ServiceTier = "unspecified"
    /// `standard`.
    public static let standard: ServiceTier = "standard"
    /// `flex`.
    public static let flex: ServiceTier = "flex"
    /// `priority`.
    public static let priority: ServiceTier = "priority"
}

/// Which quota a request used (`types.TrafficType`, Vertex AI only).
public struct TrafficType: ProtoEnum {
    public var rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    /// `TRAFFIC_TYPE_UNSPECIFIED`.
    public static let unspecified: TrafficType = "TRAFFIC_TYPE_UNSPECIFIED"
    /// `ON_DEMAND`.
    public static let onDemand: TrafficType = "ON_DEMAND"
    /// `ON_DEMAND_PRIORITY`.
    public static let onDemandPriority: TrafficType = "ON_DEMAND_PRIORITY"
    /// `ON_DEMAND_FLEX`.
    public static let onDemandFlex: TrafficType = "ON_DEMAND_FLEX"
    /// `PROVISIONED_THROUGHPUT`.
    public static let provisionedThroughput: TrafficType = "PROVISIONED_THROUGHPUT"
}

/// Token usage (`types.UsageMetadata`). Vertex AI's `candidatesTokenCount`/`candidatesTokensDetails` are read
/// into ``responseTokenCount``/``responseTokensDetails``, as the SDK does.
///
/// Decoded leniently, field by field: a count sent as a string, a float or 20 digits is read as an integer
/// (cut, saturating); a field that cannot be read is nil and the others survive.
public struct UsageMetadata: Codable, Sendable, Hashable {
    /// Tokens of the prompt, cached content included.
    public var promptTokenCount: Int?
    /// Tokens of cached content used.
    public var cachedContentTokenCount: Int?
    /// Tokens of the model's response.
    public var responseTokenCount: Int?
    /// Tokens of tool results fed back to the model.
    public var toolUsePromptTokenCount: Int?
    /// Tokens the model spent thinking.
    public var thoughtsTokenCount: Int?
    /// All tokens: prompt, response, tool use and thoughts.
    public var totalTokenCount: Int?
    /// Prompt tokens per modality.
    public var promptTokensDetails: [ModalityTokenCount]?
    /// Cached tokens per modality.
    public var cacheTokensDetails: [ModalityTokenCount]?
    /// Response tokens per modality.
    public var responseTokensDetails: [ModalityTokenCount]?
    /// Tool-result tokens per modality.
    public var toolUsePromptTokensDetails: [ModalityTokenCount]?
    /// The pricing tier (Gemini API).
    public var serviceTier: ServiceTier?
    /// The quota used (Vertex AI).
    public var trafficType: TrafficType?

    /// Usage with the given counts.
    public init(promptTokenCount: Int? = nil, cachedContentTokenCount: Int? = nil, responseTokenCount: Int? = nil,
                toolUsePromptTokenCount: Int? = nil, thoughtsTokenCount: Int? = nil, totalTokenCount: Int? = nil,
                promptTokensDetails: [ModalityTokenCount]? = nil, cacheTokensDetails: [ModalityTokenCount]? = nil,
                responseTokensDetails: [ModalityTokenCount]? = nil,
                toolUsePromptTokensDetails: [ModalityTokenCount]? = nil, serviceTier: ServiceTier? = nil,
                trafficType: TrafficType? = nil) {
        self.serviceTier = serviceTier
        self.trafficType = trafficType
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
        case toolUsePromptTokensDetails, candidatesTokenCount, candidatesTokensDetails, serviceTier, trafficType
    }

    /// Reads each field leniently.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        promptTokenCount = c.lenientInt(.promptTokenCount)
        cachedContentTokenCount = c.lenientInt(.cachedContentTokenCount)
        responseTokenCount = c.lenientInt(.responseTokenCount) ?? c.lenientInt(.candidatesTokenCount)
        toolUsePromptTokenCount = c.lenientInt(.toolUsePromptTokenCount)
        thoughtsTokenCount = c.lenientInt(.thoughtsTokenCount)
        totalTokenCount = c.lenientInt(.totalTokenCount)
        promptTokensDetails = c.lenient([ModalityTokenCount].self, .promptTokensDetails)
        cacheTokensDetails = c.lenient([ModalityTokenCount].self, .cacheTokensDetails)
        responseTokensDetails = c.lenient([ModalityTokenCount].self, .responseTokensDetails)
            ?? c.lenient([ModalityTokenCount].self, .candidatesTokensDetails)
        toolUsePromptTokensDetails = c.lenient([ModalityTokenCount].self, .toolUsePromptTokensDetails)
        serviceTier = c.lenient(ServiceTier.self, .serviceTier)
        trafficType = c.lenient(TrafficType.self, .trafficType)
    }

    /// Writes the Gemini API's names (`responseTokenCount`).
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
        try c.encodeIfPresent(serviceTier, forKey: .serviceTier)
        try c.encodeIfPresent(trafficType, forKey: .trafficType)
    }
}

/// The server's detector saw speech start or end (`voiceActivityDetectionSignal`).
public struct VoiceActivityDetectionSignal: Codable, Sendable, Hashable {
    /// `VAD_SIGNAL_TYPE_SOS` (start of speech) or `VAD_SIGNAL_TYPE_EOS` (end of speech).
    public struct SignalType: ProtoEnum {
        public var rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        /// `VAD_SIGNAL_TYPE_SOS`.
        public static let startOfSpeech: SignalType = "VAD_SIGNAL_TYPE_SOS"
        /// `VAD_SIGNAL_TYPE_EOS`.
        public static let endOfSpeech: SignalType = "VAD_SIGNAL_TYPE_EOS"
    }
    /// Start or end of speech.
    public var vadSignalType: SignalType?
    /// A signal of this type.
    public init(vadSignalType: SignalType? = nil) { self.vadSignalType = vadSignalType }
}

/// User voice activity as the server saw it (`voiceActivity`).
public struct VoiceActivity: Codable, Sendable, Hashable {
    /// `ACTIVITY_START` or `ACTIVITY_END`.
    public struct ActivityType: ProtoEnum {
        public var rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        /// `ACTIVITY_START`.
        public static let start: ActivityType = "ACTIVITY_START"
        /// `ACTIVITY_END`.
        public static let end: ActivityType = "ACTIVITY_END"
    }
    /// Start or end of activity.
    public var type: ActivityType?
    /// Offset into the input audio, a protobuf Duration string.
    public var audioOffset: String?
    /// Activity of this type at this offset.
    public init(type: ActivityType? = nil, audioOffset: String? = nil) {
        self.type = type
        self.audioOffset = audioOffset
    }
}

/// Parses a protobuf Duration JSON string (`"50s"`, `"1.500s"`, `"-2s"`) to the nearest millisecond.
/// Values beyond what a `Duration` of whole seconds in an `Int64` holds saturate (`"1e20s"`, `"infs"`).
func parseProtoDuration(_ text: String) -> Duration? {
    guard text.hasSuffix("s") else { return nil }
    let number = text.dropLast()
    guard !number.isEmpty, let seconds = Double(number), !seconds.isNaN else { return nil }
    // Int64 seconds run to about 9.2e18; past that, or for infinity, saturate instead of trapping.
    if seconds >= 9.0e18 { return .seconds(Int64.max) }
    if seconds <= -9.0e18 { return .seconds(Int64.min) }
    let whole = seconds.rounded(.towardZero)
    let milliseconds = ((seconds - whole) * 1000).rounded()
    return .seconds(Int64(whole)) + .milliseconds(Int64(milliseconds))
}
