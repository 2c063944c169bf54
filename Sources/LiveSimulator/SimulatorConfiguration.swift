// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

public import Log

/// How a ``LiveSimulator`` listens and behaves. The defaults imitate the real service as closely as a local
/// peer can (binary server frames, `sessionId` in `setupComplete`, audio replies when no modality is set)
/// and run as fast as possible (no real-time pacing), which is what tests want.
public struct SimulatorConfiguration: Sendable {
    /// Address to listen on. Keep it on loopback.
    public var host: String = "127.0.0.1"
    /// TCP port; 0 picks a free ephemeral port (read it back from ``LiveSimulator/port``).
    public var port: Int = 0
    /// When set, a connection must present this key as header `x-goog-api-key` or query `?key=`
    /// (or the ``bearerToken``). A wrong or missing key is accepted at the HTTP level and then closed with
    /// 1008 "API key not valid. Please pass a valid API key." when the first message arrives.
    public var apiKey: String?
    /// When set, `Authorization: Bearer <token>` with this token also authenticates (Vertex AI style).
    public var bearerToken: String?
    /// Whether `setupComplete` carries a `sessionId` (the real service sends one).
    public var sessionIdInSetupComplete: Bool = true
    /// Server messages go out as BINARY frames (as the real service sends them) or, when false, TEXT frames.
    public var serverFramesAreBinary: Bool = true
    /// Audio per `modelTurn` message, in milliseconds of 24 kHz mono s16le (100 ms = 4 800 bytes).
    public var audioChunkMilliseconds: Int = 100
    /// Send audio chunks at playback speed (one chunk per chunk duration) instead of as fast as possible.
    /// For demos; tests leave it off.
    public var realtimePacing: Bool = false
    /// Function-call rules checked against each user text turn, in order; every matching rule adds one call
    /// to the `toolCall` message.
    public var toolRules: [ToolRule] = []
    /// The model's reply for a turn. The default is ``LiveSimulator/defaultReplyText(for:)``.
    public var replyText: @Sendable (ReplyRequest) -> String = LiveSimulator.defaultReplyText(for:)
    /// When false, user turns are received and recorded but never answered (no reply, no tool call): a
    /// server that keeps the connection alive, answering pings, and never finishes a turn.
    public var answersTurns: Bool = true
    /// Delay before every `setupComplete` (a one-shot delay is ``SimulatorFault/delaySetupComplete(_:)``).
    public var setupCompleteDelay: Duration?
    /// Send `usageMetadata` after each `turnComplete`.
    public var sendsUsageMetadata: Bool = true
    /// Words per `modelTurn` text chunk in TEXT replies (and per `outputTranscription` fragment).
    public var wordsPerTextChunk: Int = 3
    /// With automatic activity detection on, end a turn after this much quiet following speech, detected
    /// by a simple energy detector on the uploaded audio; `nil` disables it (then only `audioStreamEnd`
    /// ends an audio turn). `setup.realtimeInputConfig.automaticActivityDetection.silenceDurationMs`
    /// overrides the length for a session.
    public var serverSilenceDetection: Duration? = .milliseconds(500)
    /// RMS level (of s16 samples, 0…32767) above which a 20 ms block of input audio counts as speech.
    public var speechThreshold: Double = 300
    /// When set, `setup.model` must be one of these (exactly as sent, e.g. `models/gemini-live-2.5-flash`);
    /// otherwise any well-formed model name is accepted.
    public var knownModels: [String]?
    /// Models that answer only in audio, as the service's native-audio models: a setup asking one of them
    /// for `TEXT` is closed with 1007. Matched by model id (`gemini-3.8-live` for `models/gemini-3.8-live`).
    public var audioOnlyModels: Set<String> = [
        "gemini-3.8-live", "gemini-3.8-live-extended-thinking", "gemini-2.5-flash-native-audio-preview-12-2025",
        "gemini-live-2.5-flash-native-audio",
    ]
    /// Models that refuse `generationConfig.thinkingConfig` (closed with 1007), as `gemini-3.8-live` does.
    public var modelsRefusingThinkingConfig: Set<String> = ["gemini-3.8-live"]
    /// Whether and how replies carry `serverContent.interactionStatus`.
    public var interactionStatus: InteractionStatusReporting = .none
    /// With ``InteractionStatusReporting/backgroundReasoning``: what the model adds after its first
    /// `turnComplete`, before the interaction is `IDLE`.
    public var backgroundReasoningText: String = "After more thought, that is all."
    /// How long to wait for the client's CLOSE after the simulator sent one, before dropping TCP.
    public var closeHandshakeTimeout: Duration = .seconds(2)
    /// Largest WebSocket frame accepted from a client.
    public var maxClientFrameSize: Int = 16 << 20
    /// Where the simulator logs connections and protocol errors (the library never picks a destination).
    public var logger: Logger = .disabled

    /// The defaults described on each property.
    public init() {}
}

/// How the simulator reports `serverContent.interactionStatus`, the signal of models that keep reasoning
/// after a turn (`gemini-3.8-live-extended-thinking`).
public enum InteractionStatusReporting: Sendable, Equatable {
    /// Never sent: clients go by `turnComplete` (most models).
    case none
    /// `IDLE` with the reply's `turnComplete`.
    case idle
    /// The reply's `turnComplete` carries `IN_PROGRESS`; then more content
    /// (``SimulatorConfiguration/backgroundReasoningText``) follows, and a second `turnComplete` with `IDLE`.
    case backgroundReasoning
}

/// A rule that turns a user's text turn into a function call, like a model deciding to use a tool.
public struct ToolRule: Sendable, Equatable {
    /// Case-insensitive substring of the user's text that triggers the call. Spoken turns have no text
    /// here (the simulator does not recognise speech), so two forms match them instead: `@speech` every
    /// spoken turn, `@speech=N` the session's N-th turn (1-based, counted across resumptions) when it is spoken.
    public var trigger: String
    /// The function name put in `toolCall.functionCalls[].name`.
    public var name: String
    /// The arguments object put in `toolCall.functionCalls[].args`.
    public var args: WireValue

    /// Whether the rule fires for a spoken turn that is the session's `turn`-th (1-based).
    public func matchesSpokenTurn(_ turn: Int) -> Bool {
        if trigger == "@speech" { return true }
        guard trigger.hasPrefix("@speech="), let wanted = Int(trigger.dropFirst("@speech=".count)) else { return false }
        return wanted == turn
    }

    /// A rule calling `name(args)` when the user's text contains `trigger`.
    public init(trigger: String, name: String, args: WireValue = [:]) {
        self.trigger = trigger
        self.name = name
        self.args = args
    }
}

/// A one-shot misbehaviour, armed with ``LiveSimulator/arm(_:)`` and consumed by the first connection that
/// reaches the point where it applies.
public enum SimulatorFault: Sendable, Equatable {
    /// Drop the TCP connection without a CLOSE frame right after the first message of the next reply
    /// (a `modelTurn` chunk, or the `toolCall`).
    case dropMidReply
    /// Close with this code and reason at the given point (instead of `setupComplete` or instead of the reply).
    case close(code: UInt16, reason: String, at: FaultPoint)
    /// Send a frame that is not valid JSON at the given point (before `setupComplete` or before the reply),
    /// then carry on normally.
    case malformedFrame(at: FaultPoint)
    /// Send one valid JSON message (a `modelTurn` text part) of exactly `bytes` bytes at the given point,
    /// then carry on normally. A reference client rejects messages over 1 MiB with close code 1009.
    case oversizedMessage(bytes: Int, at: FaultPoint)
    /// Hold the next `setupComplete` back for this long (the session works normally otherwise).
    case delaySetupComplete(Duration)
    /// Never send the next `setupComplete` (the session works normally otherwise).
    case omitSetupComplete
    /// Answer the next upgrade request with this HTTP status (e.g. 403) and no upgrade.
    case refuseUpgrade(status: Int)
}

/// Where a ``SimulatorFault`` strikes.
public enum FaultPoint: Sendable, Equatable {
    /// When the `setup` message arrives.
    case setup
    /// When the next reply (or tool call) starts.
    case nextReply
}

/// What the model replies to: passed to ``SimulatorConfiguration/replyText``.
public struct ReplyRequest: Sendable, Equatable {
    /// What ended the user's turn.
    public enum Input: Sendable, Equatable {
        /// A text turn (`clientContent` with `turnComplete`, or `realtimeInput.text`).
        case text(String)
        /// Spoken input: this many seconds of audio were heard.
        case audio(seconds: Double)
        /// The client answered the function calls; each pair is a name and its `response` JSON.
        case toolResponses([ToolResponseSummary])
    }

    /// The input that ended the user's turn.
    public var input: Input
    /// The session's response modality.
    public var modality: Modality
    /// Turns this session completed before (counting turns from a resumed session).
    public var previousTurns: Int
    /// True for the first turn after the session was resumed with a handle.
    public var isFirstTurnAfterResumption: Bool

    /// A request as the simulator builds it.
    public init(input: Input, modality: Modality, previousTurns: Int, isFirstTurnAfterResumption: Bool) {
        self.input = input
        self.modality = modality
        self.previousTurns = previousTurns
        self.isFirstTurnAfterResumption = isFirstTurnAfterResumption
    }
}

/// One function response the client sent, as seen by ``ReplyRequest``.
public struct ToolResponseSummary: Sendable, Equatable {
    /// The function call id it answers.
    public var id: String
    /// The function's name.
    public var name: String
    /// The `response` object.
    public var response: WireValue

    /// A summary of one `functionResponses` entry.
    public init(id: String, name: String, response: WireValue) {
        self.id = id
        self.name = name
        self.response = response
    }
}

/// The session's response modality (`setup.generationConfig.responseModalities`).
public enum Modality: String, Sendable, Equatable {
    /// `["TEXT"]`: replies are `modelTurn` text parts.
    case text = "TEXT"
    /// `["AUDIO"]` (the default): replies are 24 kHz PCM `inlineData` parts.
    case audio = "AUDIO"
}
