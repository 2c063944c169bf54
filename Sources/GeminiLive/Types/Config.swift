// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

/// What the model answers with (`types.Modality`). The Live API takes exactly one per session.
public struct Modality: ProtoEnum {
    public var rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    /// `TEXT`.
    public static let text: Modality = "TEXT"
    /// `AUDIO`.
    public static let audio: Modality = "AUDIO"
    /// `IMAGE`.
    public static let image: Modality = "IMAGE"
}

/// Resolution the model uses for image and video input (`types.MediaResolution`).
public struct MediaResolution: ProtoEnum {
    public var rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    /// `MEDIA_RESOLUTION_LOW`.
    public static let low: MediaResolution = "MEDIA_RESOLUTION_LOW"
    /// `MEDIA_RESOLUTION_MEDIUM`.
    public static let medium: MediaResolution = "MEDIA_RESOLUTION_MEDIUM"
    /// `MEDIA_RESOLUTION_HIGH`.
    public static let high: MediaResolution = "MEDIA_RESOLUTION_HIGH"
}

/// The model's voice (`types.SpeechConfig`).
public struct SpeechConfig: Codable, Sendable, Hashable {
    /// Which voice.
    public var voiceConfig: VoiceConfig?
    /// BCP-47 code such as `en-US`.
    public var languageCode: String?

    /// A value with the given fields.
    public init(voiceConfig: VoiceConfig? = nil, languageCode: String? = nil) {
        self.voiceConfig = voiceConfig
        self.languageCode = languageCode
    }

    /// A prebuilt voice by name (`Aoede`, `Charon`, `Kore`, `Puck`, ...).
    public static func voice(_ name: String, languageCode: String? = nil) -> SpeechConfig {
        SpeechConfig(voiceConfig: VoiceConfig(prebuiltVoiceConfig: PrebuiltVoiceConfig(voiceName: name)),
                     languageCode: languageCode)
    }
}

/// `types.VoiceConfig`.
public struct VoiceConfig: Codable, Sendable, Hashable {
    /// A prebuilt voice by name.
    public var prebuiltVoiceConfig: PrebuiltVoiceConfig?
    /// A value with the given fields.
    public init(prebuiltVoiceConfig: PrebuiltVoiceConfig? = nil) { self.prebuiltVoiceConfig = prebuiltVoiceConfig }
}

/// `types.PrebuiltVoiceConfig`.
public struct PrebuiltVoiceConfig: Codable, Sendable, Hashable {
    /// The prebuilt voice (`Aoede`, `Kore`, ...).
    public var voiceName: String?
    /// A value with the given fields.
    public init(voiceName: String? = nil) { self.voiceName = voiceName }
}

/// How much the model thinks before it answers (`types.ThinkingLevel`).
public struct ThinkingLevel: ProtoEnum {
    public var rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    /// Not set: the model's default.
    public static let unspecified: ThinkingLevel = "THINKING_LEVEL_UNSPECIFIED"
    /// As little as possible (the default of `gemini-3.1-flash-live-preview`).
    public static let minimal: ThinkingLevel = "MINIMAL"
    /// Low.
    public static let low: ThinkingLevel = "LOW"
    /// Medium.
    public static let medium: ThinkingLevel = "MEDIUM"
    /// High.
    public static let high: ThinkingLevel = "HIGH"
    /// The most.
    public static let xhigh: ThinkingLevel = "XHIGH"
}

/// `types.ThinkingConfig`. Leave it unset unless the model takes it (``LiveModelCapabilities/acceptsThinkingConfig``):
/// `gemini-3.8-live` refuses a setup that has one.
public struct ThinkingConfig: Codable, Sendable, Hashable {
    /// Send the model's thoughts as `thought` parts.
    public var includeThoughts: Bool?
    /// Thinking tokens (0 off, -1 automatic), for 2.5 models.
    public var thinkingBudget: Int?
    /// Thinking depth, for 3.x models that take it (`gemini-3.1-flash-live-preview`).
    public var thinkingLevel: ThinkingLevel?

    /// A thinking configuration.
    public init(includeThoughts: Bool? = nil, thinkingBudget: Int? = nil, thinkingLevel: ThinkingLevel? = nil) {
        self.includeThoughts = includeThoughts
        self.thinkingBudget = thinkingBudget
        self.thinkingLevel = thinkingLevel
    }
}

/// Sampling and output parameters (`types.GenerationConfig`); sent as `setup.generationConfig`.
public struct GenerationConfig: Codable, Sendable, Hashable {
    /// Sampling temperature: higher is more varied.
    public var temperature: Double?
    /// Nucleus sampling: the cumulative probability of the tokens considered.
    public var topP: Double?
    /// Top-k sampling: how many of the likeliest tokens are considered.
    public var topK: Double?
    /// Replies to generate (the Live API makes one).
    public var candidateCount: Int?
    /// Most tokens in one reply.
    public var maxOutputTokens: Int?
    /// Seed for reproducible sampling.
    public var seed: Int?
    /// Penalty for tokens already present.
    public var presencePenalty: Double?
    /// Penalty growing with how often a token was used.
    public var frequencyPenalty: Double?
    /// What the model answers with: `[.audio]` or `[.text]` (one only).
    public var responseModalities: [Modality]?
    /// The voice of spoken replies.
    public var speechConfig: SpeechConfig?
    /// Resolution of image and video input.
    public var mediaResolution: MediaResolution?
    /// Let the model adapt its tone to the user's (native-audio models).
    public var enableAffectiveDialog: Bool?
    /// Thinking options; leave unset unless the model takes them (see ``LiveModelCapabilities/acceptsThinkingConfig``).
    public var thinkingConfig: ThinkingConfig?

    /// A value with the given fields.
    public init(temperature: Double? = nil, topP: Double? = nil, topK: Double? = nil, candidateCount: Int? = nil,
                maxOutputTokens: Int? = nil, seed: Int? = nil, presencePenalty: Double? = nil,
                frequencyPenalty: Double? = nil, responseModalities: [Modality]? = nil,
                speechConfig: SpeechConfig? = nil, mediaResolution: MediaResolution? = nil,
                enableAffectiveDialog: Bool? = nil, thinkingConfig: ThinkingConfig? = nil) {
        self.temperature = temperature
        self.topP = topP
        self.topK = topK
        self.candidateCount = candidateCount
        self.maxOutputTokens = maxOutputTokens
        self.seed = seed
        self.presencePenalty = presencePenalty
        self.frequencyPenalty = frequencyPenalty
        self.responseModalities = responseModalities
        self.speechConfig = speechConfig
        self.mediaResolution = mediaResolution
        self.enableAffectiveDialog = enableAffectiveDialog
        self.thinkingConfig = thinkingConfig
    }

    /// True when nothing is set (the setup message then omits `generationConfig`, as the reference SDK does).
    var isEmpty: Bool { self == GenerationConfig() }
}

/// How the server detects speech in realtime audio (`types.RealtimeInputConfig`).
public struct RealtimeInputConfig: Codable, Sendable, Hashable {
    /// What user activity does to a model turn in progress (`types.ActivityHandling`).
    public struct ActivityHandling: ProtoEnum {
        public var rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        /// The default: speech interrupts the model (barge-in).
        public static let startOfActivityInterrupts: ActivityHandling = "START_OF_ACTIVITY_INTERRUPTS"
        /// `NO_INTERRUPTION`.
        public static let noInterruption: ActivityHandling = "NO_INTERRUPTION"
    }

    /// Which input counts toward the user's turn (`types.TurnCoverage`).
    public struct TurnCoverage: ProtoEnum {
        public var rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        /// Only input during detected activity counts.
        public static let onlyActivity: TurnCoverage = "TURN_INCLUDES_ONLY_ACTIVITY"
        /// All input since the last turn counts, silence included.
        public static let allInput: TurnCoverage = "TURN_INCLUDES_ALL_INPUT"
        /// Audio during activity and every video frame (the service's default since 2026).
        public static let audioActivityAndAllVideo: TurnCoverage = "TURN_INCLUDES_AUDIO_ACTIVITY_AND_ALL_VIDEO"
    }

    /// The server's voice activity detector.
    public var automaticActivityDetection: AutomaticActivityDetection?
    /// What user activity does to a reply in progress.
    public var activityHandling: ActivityHandling?
    /// Which input counts toward the user's turn.
    public var turnCoverage: TurnCoverage?

    /// A value with the given fields.
    public init(automaticActivityDetection: AutomaticActivityDetection? = nil,
                activityHandling: ActivityHandling? = nil, turnCoverage: TurnCoverage? = nil) {
        self.automaticActivityDetection = automaticActivityDetection
        self.activityHandling = activityHandling
        self.turnCoverage = turnCoverage
    }
}

/// The server's voice activity detector (`types.AutomaticActivityDetection`).
public struct AutomaticActivityDetection: Codable, Sendable, Hashable {
    /// `types.StartSensitivity`.
    public struct StartSensitivity: ProtoEnum {
        public var rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        /// `START_SENSITIVITY_HIGH`.
        public static let high: StartSensitivity = "START_SENSITIVITY_HIGH"
        /// `START_SENSITIVITY_LOW`.
        public static let low: StartSensitivity = "START_SENSITIVITY_LOW"
    }

    /// `types.EndSensitivity`.
    public struct EndSensitivity: ProtoEnum {
        public var rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        /// `END_SENSITIVITY_HIGH`.
        public static let high: EndSensitivity = "END_SENSITIVITY_HIGH"
        /// `END_SENSITIVITY_LOW`.
        public static let low: EndSensitivity = "END_SENSITIVITY_LOW"
    }

    /// When true the client marks speech with `activityStart`/`activityEnd` itself (push-to-talk).
    public var disabled: Bool?
    /// How readily speech is detected as starting.
    public var startOfSpeechSensitivity: StartSensitivity?
    /// How readily speech is detected as ending.
    public var endOfSpeechSensitivity: EndSensitivity?
    /// Audio (ms) kept from before detected speech.
    public var prefixPaddingMs: Int?
    /// Silence (ms) that ends the user's turn.
    public var silenceDurationMs: Int?

    /// A value with the given fields.
    public init(disabled: Bool? = nil, startOfSpeechSensitivity: StartSensitivity? = nil,
                endOfSpeechSensitivity: EndSensitivity? = nil, prefixPaddingMs: Int? = nil,
                silenceDurationMs: Int? = nil) {
        self.disabled = disabled
        self.startOfSpeechSensitivity = startOfSpeechSensitivity
        self.endOfSpeechSensitivity = endOfSpeechSensitivity
        self.prefixPaddingMs = prefixPaddingMs
        self.silenceDurationMs = silenceDurationMs
    }
}

/// Session resumption (`types.SessionResumptionConfig`): `{}` enables it; a `handle` resumes a session.
public struct SessionResumptionConfig: Codable, Sendable, Hashable {
    /// A handle from ``LiveServerSessionResumptionUpdate/newHandle`` to resume that session.
    public var handle: String?
    /// Ask the server to report `lastConsumedClientMessageIndex` so the client can resend what was lost.
    /// Vertex AI only: the Gemini API (and the SDK) refuse it, and so does ``AsyncLive/connect(model:config:)``.
    public var transparent: Bool?

    /// Resumption options.
    public init(handle: String? = nil, transparent: Bool? = nil) {
        self.handle = handle
        self.transparent = transparent
    }
}

/// Context window compression (`types.ContextWindowCompressionConfig`), so sessions outlive the context limit.
public struct ContextWindowCompressionConfig: Codable, Sendable, Hashable {
    /// Context size (tokens) at which compression starts.
    public var triggerTokens: Int?
    /// Compression by dropping the oldest turns.
    public var slidingWindow: SlidingWindow?

    /// A value with the given fields.
    public init(triggerTokens: Int? = nil, slidingWindow: SlidingWindow? = nil) {
        self.triggerTokens = triggerTokens
        self.slidingWindow = slidingWindow
    }
}

/// `types.SlidingWindow`.
public struct SlidingWindow: Codable, Sendable, Hashable {
    /// Context size (tokens) compression shrinks to.
    public var targetTokens: Int?
    /// A value with the given fields.
    public init(targetTokens: Int? = nil) { self.targetTokens = targetTokens }
}

/// Turns on transcription of input or output audio (`types.AudioTranscriptionConfig`); `{}` on the wire
/// when nothing else is set.
public struct AudioTranscriptionConfig: Codable, Sendable, Hashable {
    /// How literally speech is written down.
    public struct Mode: ProtoEnum {
        public var rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        /// Every word as spoken, fillers included.
        public static let verbatim: Mode = "VERBATIM"
        /// Cleaned up: fillers and false starts dropped, punctuation added.
        public static let smart: Mode = "SMART"
    }

    /// BCP-47 codes of the languages to expect; automatic detection when omitted.
    public var languageCodes: [String]?
    /// Verbatim or smart transcription.
    public var mode: Mode?
    /// Phrases to bias recognition toward (names, product words).
    public var customVocabulary: [String]?
    /// Word-level timing in ``Transcription/words``.
    public var wordTimestamp: Bool?
    /// Speaker labels in ``Transcription/speakerLabel``.
    public var diarization: Bool?

    /// Transcription with the given options (none: `{}`).
    public init(languageCodes: [String]? = nil, mode: Mode? = nil, customVocabulary: [String]? = nil,
                wordTimestamp: Bool? = nil, diarization: Bool? = nil) {
        self.languageCodes = languageCodes
        self.mode = mode
        self.customVocabulary = customVocabulary
        self.wordTimestamp = wordTimestamp
        self.diarization = diarization
    }
}

/// `types.ProactivityConfig`.
public struct ProactivityConfig: Codable, Sendable, Hashable {
    /// Let the model decide not to answer input that is not meant for it (always on for `gemini-3.8-live`).
    public var proactiveAudio: Bool?
    /// Let the model speak up about what it sees in the video input.
    public var proactiveVideo: Bool?

    /// Proactivity options.
    public init(proactiveAudio: Bool? = nil, proactiveVideo: Bool? = nil) {
        self.proactiveAudio = proactiveAudio
        self.proactiveVideo = proactiveVideo
    }
}

/// How the conversation history is seeded (`types.HistoryConfig`).
public struct HistoryConfig: Codable, Sendable, Hashable {
    /// The client sends earlier turns as `clientContent` right after setup (with `turnComplete: false`),
    /// before any realtime input; the model then does not answer them.
    public var initialHistoryInClientContent: Bool?

    /// History options.
    public init(initialHistoryInClientContent: Bool? = nil) {
        self.initialHistoryInClientContent = initialHistoryInClientContent
    }
}

/// How a Live session is set up (`types.LiveConnectConfig`), the argument of ``AsyncLive/connect(model:config:)``.
///
/// The sampling fields and ``responseModalities``/``speechConfig`` are merged into `setup.generationConfig`
/// on the wire (there is no top-level `temperature` in the protocol), exactly as the reference SDK does.
public struct LiveConnectConfig: Sendable, Hashable {
    /// A system instruction. A string literal (or `Content(text)`) becomes
    /// `{"parts":[{"text":…}],"role":"user"}`, as the SDK sends a plain-string instruction.
    public var systemInstruction: Content?
    /// Sampling and output parameters.
    public var generationConfig: GenerationConfig?
    /// Functions and built-in tools the model may use.
    public var tools: [Tool]?
    /// The voice of spoken replies.
    public var speechConfig: SpeechConfig?
    /// What the model answers with: `[.audio]` or `[.text]` (one only).
    public var responseModalities: [Modality]?
    /// Sampling temperature: higher is more varied.
    public var temperature: Double?
    /// Nucleus sampling: the cumulative probability of the tokens considered.
    public var topP: Double?
    /// Top-k sampling: how many of the likeliest tokens are considered.
    public var topK: Double?
    /// Most tokens in one reply.
    public var maxOutputTokens: Int?
    /// Seed for reproducible sampling.
    public var seed: Int?
    /// Resolution of image and video input.
    public var mediaResolution: MediaResolution?
    /// Let the model adapt its tone to the user's (native-audio models).
    public var enableAffectiveDialog: Bool?
    /// Thinking options; leave unset unless the model takes them (see ``LiveModelCapabilities/acceptsThinkingConfig``).
    public var thinkingConfig: ThinkingConfig?
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

    /// A configuration with the given fields; `thinkingConfig` stays unset unless given (3.8 Live refuses it).
    public init(systemInstruction: Content? = nil, generationConfig: GenerationConfig? = nil, tools: [Tool]? = nil,
                speechConfig: SpeechConfig? = nil, responseModalities: [Modality]? = nil,
                temperature: Double? = nil, topP: Double? = nil, topK: Double? = nil, maxOutputTokens: Int? = nil,
                seed: Int? = nil, mediaResolution: MediaResolution? = nil, enableAffectiveDialog: Bool? = nil,
                thinkingConfig: ThinkingConfig? = nil, realtimeInputConfig: RealtimeInputConfig? = nil,
                sessionResumption: SessionResumptionConfig? = nil,
                contextWindowCompression: ContextWindowCompressionConfig? = nil,
                inputAudioTranscription: AudioTranscriptionConfig? = nil,
                outputAudioTranscription: AudioTranscriptionConfig? = nil, proactivity: ProactivityConfig? = nil,
                historyConfig: HistoryConfig? = nil) {
        self.historyConfig = historyConfig
        self.systemInstruction = systemInstruction
        self.generationConfig = generationConfig
        self.tools = tools
        self.speechConfig = speechConfig
        self.responseModalities = responseModalities
        self.temperature = temperature
        self.topP = topP
        self.topK = topK
        self.maxOutputTokens = maxOutputTokens
        self.seed = seed
        self.mediaResolution = mediaResolution
        self.enableAffectiveDialog = enableAffectiveDialog
        self.thinkingConfig = thinkingConfig
        self.realtimeInputConfig = realtimeInputConfig
        self.sessionResumption = sessionResumption
        self.contextWindowCompression = contextWindowCompression
        self.inputAudioTranscription = inputAudioTranscription
        self.outputAudioTranscription = outputAudioTranscription
        self.proactivity = proactivity
    }

    /// The `setup.generationConfig` this config produces: ``generationConfig`` with the top-level fields
    /// merged over it; nil when nothing is set.
    func mergedGenerationConfig() -> GenerationConfig? {
        var merged = generationConfig ?? GenerationConfig()
        if let temperature { merged.temperature = temperature }
        if let topP { merged.topP = topP }
        if let topK { merged.topK = topK }
        if let maxOutputTokens { merged.maxOutputTokens = maxOutputTokens }
        if let seed { merged.seed = seed }
        if let responseModalities { merged.responseModalities = responseModalities }
        if let speechConfig { merged.speechConfig = speechConfig }
        if let mediaResolution { merged.mediaResolution = mediaResolution }
        if let enableAffectiveDialog { merged.enableAffectiveDialog = enableAffectiveDialog }
        if let thinkingConfig { merged.thinkingConfig = thinkingConfig }
        return merged.isEmpty ? nil : merged
    }
}
