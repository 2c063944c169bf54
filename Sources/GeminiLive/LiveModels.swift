// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

/// The Live API models this library knows, and what each can do, as Google's Live API documentation and the
/// SDK list them on ``checkedOn``. A daemon reads it to choose how to declare functions (blocking or not),
/// whether to ask for text, and whether `thinkingConfig` may be sent.
public enum LiveModels {
    /// The default model: `gemini-3.8-live` (stable since 2026-09-15, the documentation's default).
    public static let defaultModel = "gemini-3.8-live"

    /// The date the table was checked against the documentation.
    public static let checkedOn = "2026-12-04"

    /// Every model in the table, current ones first.
    public static let known: [LiveModelCapabilities] = [
        LiveModelCapabilities(
            id: "gemini-3.8-live", lifecycle: .stable, functionCalls: .asynchronousByDefault,
            refusesTextOutput: true, acceptsThinkingConfig: false, reportsInteractionStatus: false,
            backends: [.geminiAPI, .vertexAI]),
        LiveModelCapabilities(
            id: "gemini-3.8-live-extended-thinking", lifecycle: .stable, functionCalls: .asynchronousOnly,
            refusesTextOutput: true, acceptsThinkingConfig: false, reportsInteractionStatus: true,
            backends: [.geminiAPI]),
        LiveModelCapabilities(
            id: "gemini-3.1-flash-live-preview", lifecycle: .preview, functionCalls: .synchronousOnly,
            refusesTextOutput: false, acceptsThinkingConfig: true, reportsInteractionStatus: false,
            backends: [.geminiAPI]),
        LiveModelCapabilities(
            id: "gemini-2.5-flash-native-audio-preview-12-2025", lifecycle: .preview, functionCalls: .both,
            refusesTextOutput: true, acceptsThinkingConfig: true, reportsInteractionStatus: false,
            backends: [.geminiAPI]),
        LiveModelCapabilities(
            id: "gemini-live-2.5-flash-native-audio", lifecycle: .stable, functionCalls: .both,
            refusesTextOutput: true, acceptsThinkingConfig: true, reportsInteractionStatus: false,
            backends: [.vertexAI]),
        LiveModelCapabilities(
            id: "gemini-live-2.5-flash-preview", lifecycle: .shutDown(on: "2025-12-09"), functionCalls: .synchronousOnly,
            refusesTextOutput: false, acceptsThinkingConfig: false, reportsInteractionStatus: false,
            backends: [.geminiAPI]),
        LiveModelCapabilities(
            id: "gemini-2.0-flash-live-001", lifecycle: .shutDown(on: "2025-12-09"), functionCalls: .synchronousOnly,
            refusesTextOutput: false, acceptsThinkingConfig: false, reportsInteractionStatus: false,
            backends: [.geminiAPI, .vertexAI]),
    ]

    /// What `model` can do. `model` may be an id, `models/id`, `publishers/google/models/id` or a full Vertex
    /// AI resource name; the id is looked up in ``known``.
    ///
    /// A model not in the table gets the conservative answer (``LiveModelCapabilities/isKnown`` false):
    /// function calls synchronous only (`BLOCKING`, which every Live model handles), `thinkingConfig` not
    /// accepted (leave it unset), no interaction status; TEXT output is refused only when the id says
    /// `native-audio`, otherwise the server decides.
    public static func capabilities(for model: String) -> LiveModelCapabilities {
        let id = modelID(model)
        if let entry = known.first(where: { $0.id == id }) { return entry }
        return LiveModelCapabilities(
            id: id, lifecycle: .unknown, functionCalls: .synchronousOnly, refusesTextOutput: id.contains("native-audio"),
            acceptsThinkingConfig: false, reportsInteractionStatus: false, backends: [], isKnown: false)
    }

    /// A current model that answers in text, for messages that tell the user which model to use instead.
    public static var textCapableModel: String {
        known.first { !$0.refusesTextOutput && $0.lifecycle.isAvailable && $0.backends.contains(.geminiAPI) }?.id
            ?? defaultModel
    }

    /// The bare id of a model name: the part after the last `models/`.
    static func modelID(_ model: String) -> String {
        var id = Substring(model)
        while let range = id.firstRange(of: "models/") { id = id[range.upperBound...] }
        return String(id)
    }
}

/// What one Live API model can do (see ``LiveModels``).
public struct LiveModelCapabilities: Sendable, Hashable {
    /// Where a model is in its life.
    public enum Lifecycle: Sendable, Hashable {
        /// Generally available.
        case stable
        /// A preview: may change or go away.
        case preview
        /// Turned off by Google on that date (`YYYY-MM-DD`): connecting fails.
        case shutDown(on: String)
        /// Not in the table.
        case unknown

        /// False once the model was shut down.
        public var isAvailable: Bool {
            if case .shutDown = self { return false }
            return true
        }
    }

    /// How the model runs function calls.
    public enum FunctionCalls: Sendable, Hashable {
        /// Only `BLOCKING`: the conversation waits for each result.
        case synchronousOnly
        /// Only `NON_BLOCKING`: the model keeps talking; results come back with a ``FunctionResponse/Scheduling``.
        case asynchronousOnly
        /// `NON_BLOCKING` unless a declaration says `BLOCKING`.
        case asynchronousByDefault
        /// Either, per declaration (`BLOCKING` when unset).
        case both
    }

    /// Which service serves it.
    public enum Service: Sendable, Hashable {
        /// The Gemini Developer API.
        case geminiAPI
        /// Vertex AI (regional endpoints; some models not on `global`).
        case vertexAI
    }

    /// The model id (`gemini-3.8-live`).
    public var id: String
    /// Stable, preview, shut down or unknown.
    public var lifecycle: Lifecycle
    /// How function calls run.
    public var functionCalls: FunctionCalls
    /// The model answers only in audio (native audio): a `TEXT` response modality is refused; ask for
    /// `AUDIO` with `outputAudioTranscription` to get the words.
    public var refusesTextOutput: Bool
    /// A setup with `generationConfig.thinkingConfig` is accepted.
    public var acceptsThinkingConfig: Bool
    /// The model sends `serverContent.interactionStatus` (background reasoning after `turnComplete`).
    public var reportsInteractionStatus: Bool
    /// The services that serve it.
    public var backends: Set<Service>
    /// False for a model not in the table (the answers are then the conservative ones).
    public var isKnown: Bool

    /// An entry of the table.
    public init(id: String, lifecycle: Lifecycle, functionCalls: FunctionCalls, refusesTextOutput: Bool,
                acceptsThinkingConfig: Bool, reportsInteractionStatus: Bool, backends: Set<Service>,
                isKnown: Bool = true) {
        self.id = id
        self.lifecycle = lifecycle
        self.functionCalls = functionCalls
        self.refusesTextOutput = refusesTextOutput
        self.acceptsThinkingConfig = acceptsThinkingConfig
        self.reportsInteractionStatus = reportsInteractionStatus
        self.backends = backends
        self.isKnown = isKnown
    }

    /// `NON_BLOCKING` declarations work.
    public var supportsAsynchronousFunctionCalls: Bool {
        functionCalls != .synchronousOnly
    }

    /// Only `BLOCKING` works: declare every function blocking and answer each call before the model goes on.
    public var isSynchronousOnly: Bool { functionCalls == .synchronousOnly }

    /// Only `NON_BLOCKING` works.
    public var isAsynchronousOnly: Bool { functionCalls == .asynchronousOnly }

    /// The `behavior` a declaration gets when it sets none.
    public var defaultBehavior: FunctionDeclaration.Behavior {
        switch functionCalls {
        case .asynchronousOnly, .asynchronousByDefault: .nonBlocking
        case .synchronousOnly, .both: .blocking
        }
    }
}
