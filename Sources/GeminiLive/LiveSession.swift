// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

import FoundationEssentials
import JSON
import Log
import Synchronization

/// The reference SDK's name for ``LiveSession``.
public typealias AsyncSession = LiveSession

/// An open Live API session (the SDK's `AsyncSession`), returned by ``AsyncLive/connect(model:config:)``
/// once the server has answered `setupComplete`.
///
/// Sending never blocks: messages go into the transport's bounded queue (``LiveError/Kind/backpressure``
/// when it is full). ``receive()`` yields every server message for the whole session, across turns, until
/// the session ends. The `send…` methods are `async` to match the SDK's shape.
public final class LiveSession: Sendable {
    /// The resource name sent in `setup.model`.
    public let model: String
    /// `setupComplete.sessionId`, when the server sent one.
    public let sessionId: String?

    private let transport: any LiveTransport

    /// The transport thread's heartbeat (see ``LiveTransport/heartbeat``): a watchdog's sign that the
    /// network thread has not hung.
    public var transportHeartbeat: UInt64? { transport.heartbeat }
    private let machine: Mutex<SessionStateMachine>
    /// Messages that arrived before `setupComplete`, delivered first by ``receive()``.
    private let early: Mutex<[LiveServerMessage]>
    private let logger: Logger
    private let requiresFunctionResponseIDs: Bool
    private let receiving = Atomic<Bool>(false)
    /// The microphone path's encoder and its reused buffer (see ``sendAudio(pcm:)``).
    private let audio = Mutex(AudioSendBuffer())

    /// What ``sendAudio(pcm:)`` reuses from call to call.
    private struct AudioSendBuffer {
        let encoder = RealtimeAudioEncoder()
        var bytes: [UInt8] = []
    }

    private init(transport: any LiveTransport, model: String, machine: SessionStateMachine,
                 early: [LiveServerMessage], logger: Logger, requiresFunctionResponseIDs: Bool) {
        self.transport = transport
        self.model = model
        self.sessionId = machine.sessionId
        self.machine = Mutex(machine)
        self.early = Mutex(early)
        self.logger = logger
        self.requiresFunctionResponseIDs = requiresFunctionResponseIDs
    }

    /// Sends `setup` and waits for `setupComplete` (bounded by the client's setup timeout).
    static func open(transport: any LiveTransport, setup: LiveClientSetup, client: LiveClient) async throws(LiveError) -> LiveSession {
        let logger = client.logger
        let bytes: [UInt8]
        do {
            bytes = try WireCoding.encode(LiveClientMessage.setup(setup))
        } catch {
            await transport.close(code: 1000, reason: "")
            throw LiveError(.invalidArgument, "cannot encode setup: \(error)")
        }
        do {
            try transport.send(bytes)
        } catch {
            await transport.close(code: 1000, reason: "")
            throw error
        }

        let timedOut = Atomic<Bool>(false)
        let timeout = client.options.setupTimeout
        let timer = Task {
            try? await Task.sleep(for: timeout)
            guard !Task.isCancelled else { return }
            timedOut.store(true, ordering: .sequentiallyConsistent)
            await transport.close(code: 1000, reason: "setupComplete timeout")
        }
        defer { timer.cancel() }

        var machine = SessionStateMachine()
        var early: [LiveServerMessage] = []
        let timeoutError = LiveError(.timeout, "no setupComplete from the server within \(timeout)")
        while true {
            let frame: [UInt8]?
            do {
                frame = try await transport.receive()
            } catch {
                if timedOut.load(ordering: .sequentiallyConsistent) { throw timeoutError }
                throw error
            }
            guard let frame else {
                throw timedOut.load(ordering: .sequentiallyConsistent) ? timeoutError
                    : LiveError(.sessionClosed, "the connection closed before setupComplete")
            }
            let message: LiveServerMessage
            do {
                message = try decode(frame)
            } catch {
                // An error object is the server's own word: close normally; anything else is malformed.
                await transport.close(code: error.kind == .serverError ? 1000 : 1007,
                                      reason: error.kind == .serverError ? "" : "invalid message from server")
                throw error
            }
            switch machine.received(message) {
            case .becameReady:
                logger.debug("setupComplete" + (machine.sessionId.map { " (session \($0))" } ?? ""))
                let requiresIDs: Bool
                switch client.backend {
                case .geminiAPI, .ephemeralToken: requiresIDs = true
                case .vertexAI, .vertexAIExpress: requiresIDs = false
                }
                return LiveSession(transport: transport, model: setup.model, machine: machine, early: early,
                                   logger: logger, requiresFunctionResponseIDs: requiresIDs)
            case .deliver:
                if early.count < 64 { early.append(message) }
                logger.debug("message before setupComplete kept for receive()")
            case .skip:
                continue
            }
        }
    }

    // MARK: Sending

    /// Appends content to the conversation (`clientContent`).
    ///
    /// - Parameters:
    ///   - turns: the turns to add, in order (several turns prefill history).
    ///   - turnComplete: true (the default, as in the SDK) starts the model's reply; false buffers the content.
    public func sendClientContent(turns: [Content]? = nil, turnComplete: Bool = true) async throws(LiveError) {
        try send(.clientContent(LiveClientContent(turns: turns, turnComplete: turnComplete)))
    }

    /// One turn.
    public func sendClientContent(turns: Content, turnComplete: Bool = true) async throws(LiveError) {
        try await sendClientContent(turns: [turns], turnComplete: turnComplete)
    }

    /// Streams media the deprecated way (`realtimeInput.mediaChunks`), as in the SDK's
    /// `send_realtime_input(media_chunks=…)`.
    public func sendRealtimeInput(mediaChunks: [Blob]) async throws(LiveError) {
        guard !mediaChunks.isEmpty else { throw LiveError(.invalidArgument, "mediaChunks is empty") }
        try send(.realtimeInput(LiveClientRealtimeInput(mediaChunks: mediaChunks)))
    }

    /// One media blob the deprecated way (`send_realtime_input(media=…)`): sent as `mediaChunks: [blob]`.
    public func sendRealtimeInput(media: Blob) async throws(LiveError) {
        try await sendRealtimeInput(mediaChunks: [media])
    }

    /// Audio (`realtimeInput.audio`): the MIME type must be `audio/*`, normally `audio/pcm;rate=16000`.
    public func sendRealtimeInput(audio: Blob) async throws(LiveError) {
        guard audio.mimeType.hasPrefix("audio/") else {
            throw LiveError(.invalidArgument, "audio needs an audio/* MIME type, not '\(audio.mimeType)'")
        }
        try send(.realtimeInput(LiveClientRealtimeInput(audio: audio)))
    }

    /// A video frame (`realtimeInput.video`): the MIME type must be `image/*`.
    public func sendRealtimeInput(video: Blob) async throws(LiveError) {
        guard video.mimeType.hasPrefix("image/") else {
            throw LiveError(.invalidArgument, "video needs an image/* MIME type, not '\(video.mimeType)'")
        }
        try send(.realtimeInput(LiveClientRealtimeInput(video: video)))
    }

    /// Text as realtime input (`realtimeInput.text`).
    public func sendRealtimeInput(text: String) async throws(LiveError) {
        try send(.realtimeInput(LiveClientRealtimeInput(text: text)))
    }

    /// `realtimeInput.activityStart` (only with automatic activity detection disabled).
    public func sendRealtimeInput(activityStart: EmptyObject) async throws(LiveError) {
        try send(.realtimeInput(LiveClientRealtimeInput(activityStart: activityStart)))
    }

    /// `realtimeInput.activityEnd` (only with automatic activity detection disabled).
    public func sendRealtimeInput(activityEnd: EmptyObject) async throws(LiveError) {
        try send(.realtimeInput(LiveClientRealtimeInput(activityEnd: activityEnd)))
    }

    /// `realtimeInput.audioStreamEnd`: the microphone paused or closed.
    public func sendRealtimeInput(audioStreamEnd: Bool) async throws(LiveError) {
        try send(.realtimeInput(LiveClientRealtimeInput(audioStreamEnd: audioStreamEnd)))
    }

    /// Any realtime input; exactly one field must be set, as the SDK enforces.
    public func sendRealtimeInput(_ input: LiveClientRealtimeInput) async throws(LiveError) {
        guard input.fieldCount == 1 else {
            throw LiveError(.invalidArgument, "realtimeInput takes exactly one field per message, got \(input.fieldCount)")
        }
        try send(.realtimeInput(input))
    }

    /// The speech markers of push-to-talk.
    public func sendActivityStart() async throws(LiveError) { try await sendRealtimeInput(activityStart: EmptyObject()) }
    /// `realtimeInput.activityEnd`: the user stopped speaking (push-to-talk).
    public func sendActivityEnd() async throws(LiveError) { try await sendRealtimeInput(activityEnd: EmptyObject()) }

    /// The fast path for microphone audio: 16 kHz 16-bit little-endian mono PCM sent as `realtimeInput.audio`
    /// (`audio/pcm;rate=16000`), encoded without Codable by the session's own ``RealtimeAudioEncoder`` into
    /// a buffer the session keeps: after the first call the session allocates nothing (the transport keeps
    /// its own copy of each queued message, see ``LiveTransport/send(copying:)``).
    ///
    /// Not `async`: safe to call from a plain thread. Meant for one caller at a time (the microphone task);
    /// a lock that is never contended in that use serialises concurrent callers.
    public func sendAudio(pcm: UnsafeRawBufferPointer) throws(LiveError) {
        try checkSendable()
        try audio.withLock { state throws(LiveError) in
            state.encoder.encode(pcm, into: &state.bytes)
            try sendBuffer(state.bytes)
        }
    }

    /// ``sendAudio(pcm:)`` with another encoder (another sample rate); the session's buffer is reused.
    public func sendAudio(pcm: UnsafeRawBufferPointer, encoder: RealtimeAudioEncoder) throws(LiveError) {
        try checkSendable()
        try audio.withLock { state throws(LiveError) in
            encoder.encode(pcm, into: &state.bytes)
            try sendBuffer(state.bytes)
        }
    }

    /// Hands the transport a view of the session's buffer to copy.
    private func sendBuffer(_ bytes: [UInt8]) throws(LiveError) {
        let result = bytes.withUnsafeBytes { raw in
            Result { () throws(LiveError) in try transport.send(copying: raw) }
        }
        try result.get()
    }

    /// Sends a message already encoded (by ``RealtimeAudioEncoder``).
    public func sendEncoded(_ bytes: [UInt8]) throws(LiveError) {
        try checkSendable()
        try transport.send(bytes)
    }

    /// Returns function results (`toolResponse`). Each response's `id` must echo its ``FunctionCall``'s
    /// (the Gemini API refuses responses without one).
    public func sendToolResponse(functionResponses: [FunctionResponse]) async throws(LiveError) {
        guard !functionResponses.isEmpty else { throw LiveError(.invalidArgument, "functionResponses is empty") }
        if requiresFunctionResponseIDs, let missing = functionResponses.first(where: { ($0.id ?? "").isEmpty }) {
            throw LiveError(.invalidArgument, "function response '\(missing.name)' has no id: echo the FunctionCall's id")
        }
        try send(.toolResponse(LiveClientToolResponse(functionResponses: functionResponses)))
    }

    /// Replaces the system instruction, the tools, or both, mid-session (`contextUpdate`, the SDK's
    /// `send_context_update`). An empty tool list removes every tool.
    public func sendContextUpdate(systemInstruction: Content? = nil, tools: [Tool]? = nil) async throws(LiveError) {
        guard systemInstruction != nil || tools != nil else {
            throw LiveError(.invalidArgument, "contextUpdate needs a system instruction, tools, or both")
        }
        try send(.contextUpdate(LiveClientContextUpdate(systemInstruction: systemInstruction, tools: tools)))
    }

    private func send(_ message: LiveClientMessage) throws(LiveError) {
        let bytes: [UInt8]
        do {
            bytes = try WireCoding.encode(message)
        } catch {
            throw LiveError(.invalidArgument, "cannot encode message: \(error)")
        }
        try sendEncoded(bytes)
    }

    private func checkSendable() throws(LiveError) {
        let action = machine.withLock { $0.willSend() }
        if case .refuse(let reason) = action { throw LiveError(.sessionClosed, reason) }
    }

    // MARK: Receiving

    /// Every server message of the session, in order, for as long as it lasts (unlike the SDK's
    /// `receive()`, it does not stop at the end of an interaction: see
    /// ``LiveServerContent/isInteractionComplete``). Ends normally after ``close()``; throws ``LiveError``
    /// when the server closes (with its code and reason), the connection drops, a message is malformed
    /// where it matters (``LiveError/Kind/protocolViolation``), or the server sends an error object in band
    /// (``LiveError/Kind/serverError``). Messages of kinds this library does not know, and empty frames,
    /// are skipped.
    public func receive() -> LiveServerMessages { LiveServerMessages(session: self) }

    /// The next message, or nil after a local close.
    public func nextMessage() async throws(LiveError) -> LiveServerMessage? {
        precondition(!receiving.exchange(true, ordering: .acquiring), "LiveSession.receive() used from two tasks at once")
        defer { receiving.store(false, ordering: .releasing) }
        if let first = early.withLock({ $0.isEmpty ? nil : $0.removeFirst() }) { return first }
        while true {
            let frame: [UInt8]?
            do {
                frame = try await transport.receive()
            } catch {
                // A cancelled wait leaves the session open: the caller may receive again.
                if error.kind != .cancelled { machine.withLock { $0.closed(error: error.message) } }
                throw error
            }
            guard let frame else {
                machine.withLock { $0.closed(error: nil) }
                return nil
            }
            let message: LiveServerMessage
            do {
                message = try Self.decode(frame)
            } catch {
                machine.withLock { $0.closed(error: error.message) }
                logger.error(error.message)
                if error.kind == .serverError {
                    await transport.close(code: 1000, reason: "")
                } else {
                    await transport.close(code: 1007, reason: "invalid message from server")
                }
                throw error
            }
            switch machine.withLock({ $0.received(message) }) {
            case .deliver, .becameReady:
                return message
            case .skip:
                logger.debug("skipped a server message of unknown kind: \(LiveError.excerpt(frame, limit: 120))")
            }
        }
    }

    /// Closes the session (close code 1000). ``receive()`` then finishes; later sends throw.
    public func close() async {
        machine.withLock { $0.closed(error: nil) }
        await transport.close(code: 1000, reason: "")
    }

    // MARK: State

    /// The newest resumable handle from `sessionResumptionUpdate`: pass it in
    /// ``SessionResumptionConfig/handle`` to continue this conversation on a new connection.
    public var resumptionHandle: String? { machine.withLock { $0.resumptionHandle } }

    /// The last `goAway`: the server will close the connection after its `timeLeft`.
    public var goAway: LiveServerGoAway? { machine.withLock { $0.goAway } }

    /// True once the session was closed by either side.
    public var isClosed: Bool { machine.withLock { $0.isClosed } }

    /// One frame to a message: an empty (or all white space) frame is an empty message, skipped like an
    /// unknown kind; an error object is thrown as ``LiveError/Kind/serverError``; anything else that does
    /// not decode is a ``LiveError/Kind/protocolViolation``.
    static func decode(_ frame: [UInt8]) throws(LiveError) -> LiveServerMessage {
        if frame.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) { return LiveServerMessage() }
        let value: JSONValue
        do {
            value = try JSONParser().parse(frame)
        } catch {
            throw LiveError(.protocolViolation, "invalid message from the server: \(error)",
                            offendingMessage: LiveError.excerpt(frame))
        }
        guard case .object = value else {
            throw LiveError(.protocolViolation, "invalid message from the server: expected a JSON object, got \(value.typeName)",
                            offendingMessage: LiveError.excerpt(frame))
        }
        let message: LiveServerMessage
        do {
            message = try WireCoding.decode(LiveServerMessage.self, from: value)
        } catch {
            throw LiveError(.protocolViolation, "invalid message from the server: \(describe(error))",
                            offendingMessage: LiveError.excerpt(frame))
        }
        if message.isUnknown, let serverError = inBandError(value, frame: frame) { throw serverError }
        return message
    }

    /// An error object where a message should be, in the two shapes Google's APIs use and the SDK reads:
    /// `{"error": {"code": 429, "message": "…", "status": "RESOURCE_EXHAUSTED"}}` and
    /// `{"code": 429, "message": "…", "status": "…"}`.
    static func inBandError(_ value: JSONValue, frame: [UInt8]) -> LiveError? {
        let body: JSONValue
        if let nested = value["error"], case .object = nested {
            body = nested
        } else if value["code"] != nil || (value["message"] != nil && value["status"] != nil) {
            body = value
        } else {
            return nil
        }
        let code = body["code"]?.lenientInt
        let status = body["status"]?.stringValue
        let text = body["message"]?.stringValue
        var message = "the server reported an error"
        if let code { message += " \(code)" }
        if let status { message += " (\(status.escapingControlCharacters()))" }
        if let text { message += ": " + String(text.prefix(500)).escapingControlCharacters() }
        return LiveError(.serverError, message, httpStatus: code, offendingMessage: LiveError.excerpt(frame),
                         serverStatus: status)
    }

    private static func describe(_ error: any Error) -> String {
        if let decoding = error as? DecodingError {
            switch decoding {
            case .dataCorrupted(let context), .keyNotFound(_, let context), .typeMismatch(_, let context),
                .valueNotFound(_, let context):
                let path = context.codingPath.map(\.stringValue).joined(separator: ".")
                return (path.isEmpty ? "" : "at \(path): ") + context.debugDescription
            @unknown default:
                return "\(decoding)"
            }
        }
        return "\(error)"
    }
}

/// The messages of a session as an `AsyncSequence` (see ``LiveSession/receive()``).
public struct LiveServerMessages: AsyncSequence, Sendable {
    /// Server messages.
    public typealias Element = LiveServerMessage
    let session: LiveSession

    /// Reads the session's messages one by one.
    public struct AsyncIterator: AsyncIteratorProtocol {
        let session: LiveSession
        /// The next message; nil after a local close.
        public mutating func next() async throws -> LiveServerMessage? {
            try await session.nextMessage()
        }
    }

    /// An iterator over the session's messages.
    public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(session: session) }
}
