// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

/// One connection's Live API session logic, with no I/O: each client message goes in, the messages to
/// send (and closes) come out as ``Action``s, which ``LiveConnectionHandler`` carries out.
///
/// Phases: `awaitingSetup` → `active` (after a valid `setup`) → `closed` (after any close action). Nothing
/// is processed once closed.
struct SessionMachine {
    enum Phase {
        case awaitingSetup
        case active
        case closed
    }

    /// A server message in a reply, with how much audio playback time it carries (for pacing).
    struct Planned {
        var message: WireValue
        var playMilliseconds = 0
    }

    enum Action {
        /// Send `setupComplete` (the handler applies setup faults and delays).
        case setupComplete(WireValue)
        /// Send a reply (or a tool call) as a unit the handler can pace, interrupt or sabotage.
        case reply([Planned])
        /// Close the WebSocket with this code and reason.
        case close(code: UInt16, reason: String)
        /// The user started speaking: interrupt a reply still being sent.
        case bargeIn
    }

    private(set) var phase = Phase.awaitingSetup
    let core: SimulatorCore
    let connectionID: Int
    let apiVersion: String
    let authorized: Bool
    private var configuration: SimulatorConfiguration { core.configuration }

    // Setup.
    private(set) var modality = Modality.audio
    private var inputTranscription = false
    private var outputTranscription = false
    private(set) var automaticActivityDetection = true
    private var activityInterrupts = true
    private var resumptionEnabled = false
    private var transparentResumption = false
    private var session: SessionMemory?
    private var justResumed = false

    // The user's turn in progress.
    private var bufferedText: [String] = []
    private var heardSeconds = 0.0
    private var inActivity = false
    private var detector: EnergyDetector?
    private var clientMessageCount = 0

    // Tool calls waiting for their responses: id → function name.
    private(set) var pendingCalls: [String: String] = [:]
    private var cancelledCalls: Set<String> = []
    private var collectedResponses: [ToolResponseSummary] = []
    private var pendingPromptTokens = 0

    init(core: SimulatorCore, connectionID: Int, apiVersion: String, authorized: Bool) {
        self.core = core
        self.connectionID = connectionID
        self.apiVersion = apiVersion
        self.authorized = authorized
    }

    /// Marks the session closed (the handler closed or dropped the connection).
    mutating func markClosed() {
        phase = .closed
    }

    // MARK: Client messages

    /// Handles one client message (its parse result).
    mutating func receive(_ parsed: Result<WireValue, WireJSONError>) -> [Action] {
        guard phase != .closed else { return [] }
        clientMessageCount += 1
        guard authorized else { return close(1008, Endpoint.invalidKeyReason) }
        let value: WireValue
        switch parsed {
        case .success(let parsedValue): value = parsedValue
        case .failure(let error):
            return close(1007, "Invalid JSON payload received. \(capitalizedFirst(error.message)) at byte \(error.offset).")
        }
        guard case .object(let members) = value else {
            return close(1007, "Invalid JSON payload received. Expected a message object, got: \(value.serialized.prefix(30))")
        }
        guard !members.isEmpty else {
            return close(1007, "Invalid JSON payload received. Empty message: one of setup, clientContent, realtimeInput, toolResponse is required.")
        }
        for key in members.keys.sorted() where FieldSchema.clientMessages[camelCased(key)] == nil {
            return close(1007, "Invalid JSON payload received. Unknown name \"\(key)\": Cannot find field.")
        }
        if members.count > 1 {
            let keys = members.keys.sorted()
            return close(1007, "Invalid JSON payload received. Oneof field 'message_type' is already set. Cannot set '\(keys[1])'")
        }
        let (key, rawContent) = members.first!
        let type = camelCased(key)
        let content: WireValue
        do {
            content = try FieldSchema.clientMessages[type]!.validate(rawContent, path: snakeCased(type))
        } catch {
            return close(1007, error.reason)
        }
        switch (phase, type) {
        case (.awaitingSetup, "setup"): return handleSetup(content)
        case (.awaitingSetup, _):
            return close(1007, "Invalid request: the first message must be setup, not \(type).")
        case (.active, "setup"):
            return close(1007, "Invalid request: setup may be sent only once, as the first message.")
        case (.active, "clientContent"): return handleClientContent(content)
        case (.active, "realtimeInput"): return handleRealtimeInput(content)
        case (.active, "toolResponse"): return handleToolResponse(content)
        case (.active, "contextUpdate"): return handleContextUpdate(content)
        default: return []
        }
    }

    private mutating func close(_ code: UInt16, _ reason: String) -> [Action] {
        phase = .closed
        return [.close(code: code, reason: reason)]
    }

    private mutating func handleSetup(_ setup: WireValue) -> [Action] {
        let model = setup["model"]?.stringValue ?? ""
        let knownModel = configuration.knownModels.map { $0.contains(model) } ?? true
        guard Endpoint.isWellFormedModel(model), knownModel else {
            let shown = model.isEmpty ? "models/(empty)" : model.contains("/") ? model : "models/\(model)"
            return close(1008, "\(shown) is not found for API version \(apiVersion), or is not supported for bidiGenerateContent.")
        }
        if let modalities = setup.at("generationConfig", "responseModalities")?.arrayValue {
            guard modalities.count <= 1 else {
                return close(1007, "Request contains an invalid argument: at most one response modality (TEXT or AUDIO) is supported.")
            }
            if let first = modalities.first {
                guard let name = first.stringValue, let chosen = Modality(rawValue: name) else {
                    return close(1007, "Invalid value at 'setup.generation_config.response_modalities[0]' (Modality), \(first.serialized)")
                }
                modality = chosen
            }
        }
        let modelID = Self.modelID(model)
        if modality == .text, configuration.audioOnlyModels.contains(modelID) {
            return close(1007, "Request contains an invalid argument: \(modelID) supports only the AUDIO response modality.")
        }
        if setup.at("generationConfig", "thinkingConfig") != nil, configuration.modelsRefusingThinkingConfig.contains(modelID) {
            return close(1007, "Request contains an invalid argument: thinking_config is not supported by \(modelID).")
        }
        inputTranscription = setup["inputAudioTranscription"] != nil
        outputTranscription = setup["outputAudioTranscription"] != nil
        let detection = setup.at("realtimeInputConfig", "automaticActivityDetection")
        automaticActivityDetection = detection?["disabled"]?.boolValue != true
        activityInterrupts = setup.at("realtimeInputConfig", "activityHandling")?.stringValue != "NO_INTERRUPTION"
        if automaticActivityDetection, let silence = configuration.serverSilenceDetection {
            let requested = detection?["silenceDurationMs"].flatMap { $0.intValue ?? $0.stringValue.flatMap { Int($0) } }
            let milliseconds = requested ?? Int(silence.components.seconds * 1000 + silence.components.attoseconds / 1_000_000_000_000_000)
            detector = EnergyDetector(threshold: configuration.speechThreshold, silenceMilliseconds: max(20, milliseconds))
        }
        var resumedHandle: String?
        if let resumption = setup["sessionResumption"] {
            resumptionEnabled = true
            transparentResumption = resumption["transparent"]?.boolValue == true
            if let handle = resumption["handle"]?.stringValue, !handle.isEmpty {
                guard let memory = core.resumableSession(handle: handle) else {
                    return close(1007, "Session resumption handle is invalid or has expired.")
                }
                session = memory
                justResumed = true
                resumedHandle = handle
            }
        }
        let current = session ?? core.newSession()
        session = current
        let declarations = functionDeclarationNames(in: setup["tools"])
        core.update(connectionID) { record in
            record.setup = setup
            record.sessionID = current.sessionID
            record.resumedHandle = resumedHandle
            record.functionDeclarations = declarations
            record.systemInstruction = setup["systemInstruction"]
        }
        phase = .active
        let body: WireValue = configuration.sessionIdInSetupComplete ? ["sessionId": .string(current.sessionID)] : [:]
        var actions: [Action] = [.setupComplete(["setupComplete": body])]
        // A resumed session asks again for what it never got an answer to, with the same ids.
        let unanswered = resumedHandle == nil ? [] : core.unansweredCalls(session: current.sessionID)
        if !unanswered.isEmpty {
            for call in unanswered { pendingCalls[call.id] = call.name }
            let calls: [WireValue] = unanswered.map { ["id": .string($0.id), "name": .string($0.name), "args": $0.args] }
            actions.append(.reply([Planned(message: ["toolCall": ["functionCalls": .array(calls)]])]))
        }
        return actions
    }

    /// The id of a model name: what follows the last `models/` (`models/gemini-3.8-live` → `gemini-3.8-live`).
    static func modelID(_ model: String) -> String {
        var id = Substring(model)
        while let range = id.firstRange(of: "models/") { id = id[range.upperBound...] }
        return String(id)
    }

    /// `contextUpdate`: a new system instruction or tool list for the rest of the session (recorded).
    private mutating func handleContextUpdate(_ update: WireValue) -> [Action] {
        let tools = update["tools"].map { functionDeclarationNames(in: $0["tools"]) }
        core.update(connectionID) { record in
            record.contextUpdates.append(update)
            if let instruction = update["systemInstruction"] { record.systemInstruction = instruction }
            if let tools { record.functionDeclarations = tools }
        }
        return []
    }

    /// Names in `tools[].functionDeclarations[].name`; tools are not schema-checked, so both spellings.
    private func functionDeclarationNames(in tools: WireValue?) -> [String] {
        var names: [String] = []
        for tool in tools?.arrayValue ?? [] {
            let declarations = tool["functionDeclarations"] ?? tool["function_declarations"]
            for declaration in declarations?.arrayValue ?? [] {
                if let name = declaration["name"]?.stringValue { names.append(name) }
            }
        }
        return names
    }

    private mutating func handleClientContent(_ content: WireValue) -> [Action] {
        for turn in content["turns"]?.arrayValue ?? [] {
            let role = turn["role"]?.stringValue ?? "user"
            let text = (turn["parts"]?.arrayValue ?? []).compactMap { $0["text"]?.stringValue }.joined()
            // Model turns only prefill history; the reply answers the user's words.
            if role != "model", !text.isEmpty { bufferedText.append(text) }
        }
        guard content["turnComplete"]?.boolValue == true else { return [] }
        let text = bufferedText.joined(separator: " ")
        bufferedText = []
        return userTurn(.text(text))
    }

    private mutating func handleRealtimeInput(_ input: WireValue) -> [Action] {
        var actions: [Action] = []
        if input["activityStart"] != nil {
            guard !automaticActivityDetection else {
                return close(1007, "Explicit activity control is not supported when automatic activity detection is enabled.")
            }
            inActivity = true
            heardSeconds = 0
            if activityInterrupts { actions.append(.bargeIn) }
        }
        if let audio = input["audio"] { actions += handleAudio(audio) }
        for chunk in input["mediaChunks"]?.arrayValue ?? [] { actions += handleAudio(chunk) }
        if let text = input["text"]?.stringValue { actions += userTurn(.text(text)) }
        if input["activityEnd"] != nil {
            guard !automaticActivityDetection else {
                return close(1007, "Explicit activity control is not supported when automatic activity detection is enabled.")
            }
            if inActivity {
                inActivity = false
                let seconds = heardSeconds
                heardSeconds = 0
                if seconds > 0 { actions += userTurn(.audio(seconds: seconds)) }
            }
        }
        if input["audioStreamEnd"]?.boolValue == true, automaticActivityDetection {
            // The stream paused: whatever speech is pending ends the turn.
            let speechPending = detector.map { $0.inSpeech } ?? (heardSeconds > 0)
            let seconds = heardSeconds
            heardSeconds = 0
            detector?.reset()
            if speechPending && seconds > 0 { actions += userTurn(.audio(seconds: seconds)) }
        }
        return actions
    }

    private mutating func handleAudio(_ blob: WireValue) -> [Action] {
        let mimeType = blob["mimeType"]?.stringValue ?? ""
        guard mimeType.lowercased().hasPrefix("audio/"),
            let bytes = blob["data"]?.stringValue.flatMap({ Base64.decode($0) })
        else { return [] }
        if !automaticActivityDetection && !inActivity { return [] }  // outside activityStart…End: ignored
        let rate = sampleRate(of: mimeType)
        heardSeconds += Double(bytes.count / 2) / Double(rate)
        guard automaticActivityDetection, var vad = detector else { return [] }
        var actions: [Action] = []
        for event in vad.feed(bytes, sampleRate: rate) {
            switch event {
            case .speechStarted:
                if activityInterrupts { actions.append(.bargeIn) }
            case .speechEnded:
                let seconds = heardSeconds
                heardSeconds = 0
                actions += userTurn(.audio(seconds: seconds))
            }
        }
        detector = vad
        return actions
    }

    private mutating func handleToolResponse(_ content: WireValue) -> [Action] {
        let responses = content["functionResponses"]?.arrayValue ?? []
        guard !responses.isEmpty else {
            return close(1007, "Request contains an invalid argument: tool_response.function_responses is empty.")
        }
        for response in responses {
            let id = response["id"]?.stringValue ?? ""
            if cancelledCalls.contains(id) { continue }  // answered after cancellation: ignored
            guard let name = pendingCalls[id] else {
                return close(1007, id.isEmpty
                    ? "Invalid function response: id is missing (it must echo tool_call.function_calls[].id)."
                    : "Invalid function response: no pending function call has id \"\(id)\".")
            }
            if let sentName = response["name"]?.stringValue, sentName != name {
                return close(1007, "Invalid function response: call \"\(id)\" is to \(name), not \(sentName).")
            }
            pendingCalls[id] = nil
            if let session { core.noteAnswered(id, session: session.sessionID) }
            collectedResponses.append(ToolResponseSummary(id: id, name: name, response: response["response"] ?? [:]))
        }
        guard pendingCalls.isEmpty, !collectedResponses.isEmpty else { return [] }
        let all = collectedResponses
        collectedResponses = []
        return [.reply(makeReply(.toolResponses(all)))]
    }

    // MARK: Controls from tests

    /// Forgets the given pending calls (a `toolCallCancellation` was sent); late responses to them are ignored.
    mutating func cancelCalls(_ ids: [String]) {
        for id in ids {
            pendingCalls[id] = nil
            cancelledCalls.insert(id)
            if let session { core.noteAnswered(id, session: session.sessionID) }
        }
        if pendingCalls.isEmpty { collectedResponses = [] }
    }

    /// A `sessionResumptionUpdate` with a fresh handle for the session as it is now (or the given handle).
    mutating func resumptionUpdate(handle: String?, resumable: Bool) -> (message: WireValue, handle: String) {
        let issued = handle ?? session.map { core.issueHandle(for: $0) } ?? core.issueHandle(for: core.newSession())
        var update: [String: WireValue] = ["newHandle": .string(issued), "resumable": .bool(resumable)]
        if transparentResumption { update["lastConsumedClientMessageIndex"] = .string(String(clientMessageCount - 1)) }
        return (["sessionResumptionUpdate": .object(update)], issued)
    }

    // MARK: Replies

    private mutating func userTurn(_ input: ReplyRequest.Input) -> [Action] {
        guard configuration.answersTurns else { return [] }
        var matched: [ToolRule] = []
        switch input {
        case .text(let text):
            let lower = text.lowercased()
            matched = configuration.toolRules.filter {
                !$0.trigger.isEmpty && !$0.trigger.hasPrefix("@speech") && lower.contains($0.trigger.lowercased())
            }
        case .audio:
            let turn = (session?.turns ?? 0) + 1
            matched = configuration.toolRules.filter { $0.matchesSpokenTurn(turn) }
        case .toolResponses:
            break
        }
        if !matched.isEmpty {
            var calls: [WireValue] = []
            for rule in matched {
                let id = core.nextFunctionCallID()
                pendingCalls[id] = rule.name
                calls.append(["id": .string(id), "name": .string(rule.name), "args": rule.args])
                if let session { core.noteCall(UnansweredCall(id: id, name: rule.name, args: rule.args), session: session.sessionID) }
            }
            if case .text(let text) = input { pendingPromptTokens += textTokens(text) }
            if case .audio(let seconds) = input { pendingPromptTokens += audioTokens(seconds) }
            return [.reply([Planned(message: ["toolCall": ["functionCalls": .array(calls)]])])]
        }
        return [.reply(makeReply(input))]
    }

    private func textTokens(_ text: String) -> Int { max(1, (text.utf8.count + 3) / 4) }

    private func audioTokens(_ seconds: Double) -> Int { Int((seconds * 25).rounded(.up)) }

    /// Text split into chunks of a few words; the chunks concatenate back to `text`.
    private func textChunks(_ text: String) -> [String] {
        let words = text.split(separator: " ", omittingEmptySubsequences: false)
        let size = max(1, configuration.wordsPerTextChunk)
        var chunks: [String] = []
        var start = 0
        while start < words.count {
            let end = min(words.count, start + size)
            var chunk = words[start..<end].joined(separator: " ")
            if end < words.count { chunk += " " }
            chunks.append(chunk)
            start = end
        }
        return chunks.isEmpty ? [text] : chunks
    }

    private mutating func makeReply(_ input: ReplyRequest.Input) -> [Planned] {
        var memory = session ?? core.newSession()
        let request = ReplyRequest(
            input: input, modality: modality, previousTurns: memory.turns, isFirstTurnAfterResumption: justResumed)
        justResumed = false
        let text = configuration.replyText(request)
        var planned: [Planned] = []

        var promptText = pendingPromptTokens
        var promptAudio = 0
        pendingPromptTokens = 0
        switch input {
        case .text(let userText):
            promptText += textTokens(userText)
        case .audio(let seconds):
            promptAudio += audioTokens(seconds)
            if inputTranscription {
                planned.append(Planned(message: ["serverContent": [
                    "inputTranscription": ["text": .string("(\(formatSeconds(seconds)) seconds of audio)"), "finished": true],
                ]]))
            }
        case .toolResponses(let responses):
            promptText += responses.reduce(0) { $0 + textTokens($1.response.serialized) }
        }

        var responseTokens = appendContent(text, to: &planned)
        planned.append(Planned(message: ["serverContent": ["generationComplete": true]]))
        switch configuration.interactionStatus {
        case .none:
            planned.append(Planned(message: ["serverContent": ["turnComplete": true]]))
        case .idle:
            planned.append(Planned(message: ["serverContent": ["turnComplete": true, "interactionStatus": "IDLE"]]))
        case .backgroundReasoning:
            // The turn ends while the model still reasons; what it adds ends the interaction.
            planned.append(Planned(message: ["serverContent": ["turnComplete": true, "interactionStatus": "IN_PROGRESS"]]))
            responseTokens += appendContent(configuration.backgroundReasoningText, to: &planned)
            planned.append(Planned(message: ["serverContent": ["generationComplete": true]]))
            planned.append(Planned(message: ["serverContent": ["turnComplete": true, "interactionStatus": "IDLE"]]))
        }

        let promptTextTotal = memory.contextTextTokens + promptText
        let promptAudioTotal = memory.contextAudioTokens + promptAudio
        memory.turns += 1
        memory.contextTextTokens = promptTextTotal + (modality == .text ? responseTokens : 0)
        memory.contextAudioTokens = promptAudioTotal + (modality == .audio ? responseTokens : 0)
        session = memory

        if configuration.sendsUsageMetadata {
            var promptDetails: [WireValue] = [["modality": "TEXT", "tokenCount": .int(promptTextTotal)]]
            if promptAudioTotal > 0 { promptDetails.append(["modality": "AUDIO", "tokenCount": .int(promptAudioTotal)]) }
            planned.append(Planned(message: ["usageMetadata": [
                "promptTokenCount": .int(promptTextTotal + promptAudioTotal),
                "responseTokenCount": .int(responseTokens),
                "totalTokenCount": .int(promptTextTotal + promptAudioTotal + responseTokens),
                "promptTokensDetails": .array(promptDetails),
                "responseTokensDetails": [["modality": .string(modality.rawValue), "tokenCount": .int(responseTokens)]],
            ]]))
        }
        if resumptionEnabled {
            let (message, handle) = resumptionUpdate(handle: nil, resumable: true)
            core.update(connectionID) { $0.issuedHandles.append(handle) }
            planned.append(Planned(message: message))
        }
        return planned
    }
}

/// The `rate=` parameter of an audio MIME type (`audio/pcm;rate=16000`), 16 000 when absent or invalid.
func sampleRate(of mimeType: String) -> Int {
    for parameter in mimeType.split(separator: ";").dropFirst() {
        let pair = parameter.split(separator: "=", maxSplits: 1)
        if pair.count == 2, pair[0].trimmingSpaces.lowercased() == "rate", let rate = Int(pair[1].trimmingSpaces),
            rate > 0
        {
            return rate
        }
    }
    return 16_000
}

extension Substring {
    fileprivate var trimmingSpaces: Substring {
        var result = self
        while result.first == " " { result = result.dropFirst() }
        while result.last == " " { result = result.dropLast() }
        return result
    }
}

/// `1.25` → `"1.3"`: one decimal, without Foundation.
func formatSeconds(_ seconds: Double) -> String {
    let tenths = Int((seconds * 10).rounded())
    return "\(tenths / 10).\(tenths % 10)"
}

private func capitalizedFirst(_ text: String) -> String {
    guard let first = text.first else { return text }
    return first.uppercased() + text.dropFirst()
}

extension SessionMachine {
    /// Appends the model's content for `text` in the session's modality (text chunks, or audio chunks with
    /// the transcript spread over them) and returns its token count.
    fileprivate func appendContent(_ text: String, to planned: inout [Planned]) -> Int {
        switch modality {
        case .text:
            for chunk in textChunks(text) {
                planned.append(Planned(message: ["serverContent": ["modelTurn": ["parts": [["text": .string(chunk)]]]]]))
            }
            return textTokens(text)
        case .audio:
            let pcm = SpeechSynthesizer.pcmBytes(for: text)
            let bytesPerMillisecond = SpeechSynthesizer.sampleRate * 2 / 1000
            let chunkSize = max(2, configuration.audioChunkMilliseconds * bytesPerMillisecond)
            let chunkCount = (pcm.count + chunkSize - 1) / chunkSize
            let fragments = outputTranscription ? textChunks(text) : []
            var nextFragment = 0
            for index in 0..<chunkCount {
                let slice = Array(pcm[(index * chunkSize)..<min(pcm.count, (index + 1) * chunkSize)])
                planned.append(Planned(
                    message: ["serverContent": ["modelTurn": ["parts": [[
                        "inlineData": ["mimeType": "audio/pcm;rate=24000", "data": .string(Base64.encode(slice))],
                    ]]]]],
                    playMilliseconds: slice.count / bytesPerMillisecond))
                // Spread the transcript over the audio, finishing with the last chunk.
                while nextFragment < fragments.count, nextFragment * chunkCount <= index * fragments.count {
                    planned.append(Planned(message: ["serverContent": ["outputTranscription": ["text": .string(fragments[nextFragment])]]]))
                    nextFragment += 1
                }
            }
            while nextFragment < fragments.count {
                planned.append(Planned(message: ["serverContent": ["outputTranscription": ["text": .string(fragments[nextFragment])]]]))
                nextFragment += 1
            }
            return audioTokens(Double(pcm.count) / Double(SpeechSynthesizer.sampleRate * 2))
        }
    }
}

extension LiveSimulator {
    /// The simulator's default reply, deterministic and derived from the input:
    /// - text: `You said: <text>`
    /// - audio: `I heard 1.2 seconds of audio.`
    /// - tool responses: `Done: set_light returned {"ok":true}.` (one sentence per response)
    ///
    /// The first reply after a resumption starts with `Welcome back; we had N turns before. `.
    public static func defaultReplyText(for request: ReplyRequest) -> String {
        var text: String
        switch request.input {
        case .text(let userText):
            text = "You said: \(userText)"
        case .audio(let seconds):
            text = "I heard \(formatSeconds(seconds)) seconds of audio."
        case .toolResponses(let responses):
            text = responses.map { "Done: \($0.name) returned \($0.response.serialized)." }.joined(separator: " ")
        }
        if request.isFirstTurnAfterResumption {
            text = "Welcome back; we had \(request.previousTurns) turns before. " + text
        }
        return text
    }
}
