// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

import AudioEngine
import BoardSupport
import Conversation
import FoundationEssentials
import GeminiLive
import JSON
import Log
import Time

/// The runtime's loop and the state only it touches (created and used inside ``ConversationRuntime/run()``).
final class RuntimeLoop {
    private let runtime: ConversationRuntime
    private var parts: ConversationRuntime.Parts { runtime.parts }
    private var controller: ConversationController
    private var actions: [ConversationAction] = []
    private let uplink: MicUplink
    private let player: ReplyPlayer
    private let setup: LiveSetup
    private let adapter: ToolAdapter
    private var timers: TimerTable!

    /// The session asked for last, and its state here.
    private var wantedSession = 0
    private var session: LiveSession?
    private var connectTask: Task<Void, Never>?
    private var receiveTask: Task<Void, Never>?
    private var toolTasks: [String: Task<Void, Never>] = [:]
    private var helpers: [Task<Void, Never>] = []
    private var playerTask: Task<Void, Never>?
    /// Sessions being closed (their close handshakes), awaited at the end.
    private var closing: [Task<Void, Never>] = []

    /// The input being handled, for actions that refer to "this frame" or "this message".
    private var currentFrame: MicFrame?
    private var currentAudio: [Int16] = []
    private var exitStatus: Int32?

    init(runtime: ConversationRuntime) {
        self.runtime = runtime
        let parts = runtime.parts
        var settings = parts.configuration.conversation
        settings.randomSeed = UInt64(truncatingIfNeeded: parts.clock.now().nanoseconds) | 1
        controller = ConversationController(settings: settings)
        uplink = MicUplink(latency: parts.status.frameToWire)
        actions.reserveCapacity(32)
        player = ReplyPlayer(sink: parts.engine.playback, jitterMilliseconds: parts.configuration.audio.jitterBufferMilliseconds)
        adapter = ToolAdapter(
            tools: parts.configuration.tools,
            functionCalls: LiveModels.capabilities(for: parts.configuration.live.model).functionCalls)
        setup = LiveSetup(configuration: parts.configuration, tools: adapter)
    }

    private var logger: Logger { parts.logger }

    func run() async -> Int32 {
        let continuation = runtime.continuation
        timers = TimerTable(clock: parts.clock) { continuation.yield(.event(.timer($0))) }
        startProducers()
        let player = self.player
        playerTask = Task { await player.run() }
        report(.state(controller.state))
        parts.status.set(state: controller.state)

        for await input in runtime.inputs {
            await handle(input)
            if exitStatus != nil { break }
        }
        await teardown()
        return exitStatus ?? 0
    }

    // MARK: Producers

    private func startProducers() {
        let continuation = runtime.continuation
        let engine = parts.engine
        let inFlight = runtime
        // Mic frames, straight from the engine's frame thread, bounded: a loop that falls a second behind
        // gets the frames' facts without their samples (the controller's timing goes on) instead of growing.
        let status = parts.status
        engine.deliverFrames { frame in
            if inFlight.framesInFlight.load(ordering: .relaxed) > 50 {
                status.update { $0.framesDropped += 1 }
                continuation.yield(.event(.micFrame(MicFrameInfo(
                    captureTime: frame.captureTime, duration: frame.duration, isSpeech: false,
                    echoCancellerConverged: false))))
                return
            }
            inFlight.framesInFlight.wrappingAdd(1, ordering: .relaxed)
            continuation.yield(.frame(frame))
        }
        helpers.append(Task {
            for await event in engine.events {
                switch event {
                case .deviceLost(let kind, _): continuation.yield(.event(.audioDevice(.lost(kind == .capture ? .capture : .playback))))
                case .deviceRestored(let kind): continuation.yield(.event(.audioDevice(.restored(kind == .capture ? .capture : .playback))))
                case .playbackDrained(let position): continuation.yield(.drained(position: position))
                case .failed(let error): continuation.yield(.event(.audioDevice(.failed(error.message))))
                }
            }
        })
        if let button = parts.button {
            let logger = parts.logger
            helpers.append(Task {
                do {
                    for try await event in button.events() {
                        switch event {
                        case .pressed(let at): continuation.yield(.event(.button(.pressed(at: at))))
                        case .released(let at, _): continuation.yield(.event(.button(.released(at: at))))
                        case .longPress: continuation.yield(.event(.button(.longPress)))
                        case .doublePress: continuation.yield(.event(.button(.doublePress)))
                        }
                    }
                } catch {
                    logger.error("the button stopped working: \(error)")
                }
            })
        }
        let clock = parts.clock
        helpers.append(Task {
            while !Task.isCancelled {
                continuation.yield(.heartbeat)
                try? await clock.sleep(until: clock.now() + .seconds(1))
            }
        })
    }

    // MARK: Inputs

    private func handle(_ input: RuntimeInput) async {
        switch input {
        case .event(let event):
            await feed(event)
        case .frame(let frame):
            runtime.framesInFlight.wrappingSubtract(1, ordering: .relaxed)
            uplink.remember(frame)
            currentFrame = frame
            await feed(.micFrame(MicFrameInfo(
                captureTime: frame.captureTime, duration: frame.duration, isSpeech: frame.isSpeech,
                echoCancellerConverged: frame.analysis.echoCancellerConverged)))
            currentFrame = nil
        case .opened(let number, let opened):
            guard number == wantedSession, session == nil else {
                Task { await opened.close() }
                return
            }
            connectTask = nil
            session = opened
            parts.status.set(session: opened)
            parts.status.update { $0.sessionsOpened += 1 }
            report(.session(number: number, event: .open, detail: nil))
            startReceiving(number, opened)
            await feed(.sessionOpened(session: number))
        case .message(let number, let message):
            guard number == wantedSession, session != nil else { return }
            await translate(message)
        case .ended(let number, let failure):
            guard number == wantedSession else { return }
            session = nil
            parts.status.set(session: nil)
            connectTask = nil
            receiveTask = nil
            parts.status.update { $0.lastError = failure.message }
            report(.session(number: number, event: .failed, detail: failure.message))
            await feed(.sessionEnded(session: number, failure))
        case .drained(let position):
            if player.hasWrittenEverything(upTo: position) { await feed(.playbackDrained) }
        case .heartbeat:
            parts.status.beat()
            // Live figures for `livevoiced status` (the summary at exit sets them again).
            let sent = uplink.framesSent, played = Double(player.samplesPlayed) / 24_000
            parts.status.update {
                $0.framesSent = sent
                $0.secondsPlayed = played
            }
        }
    }

    /// One event into the controller; its actions are carried out, in order, before the next input.
    private func feed(_ event: ConversationEvent) async {
        actions.removeAll(keepingCapacity: true)
        controller.handle(event, at: parts.clock.now(), into: &actions)
        // `perform` may feed nothing back; the buffer is not touched until the next event.
        var index = 0
        while index < actions.count {
            await perform(actions[index])
            index += 1
        }
    }

    private func perform(_ action: ConversationAction) async {
        switch action {
        case .connect(let number, let handle):
            connect(number, handle: handle)
        case .closeSession:
            closeSession()
        case .holdMic(let since):
            uplink.hold(since: since)
        case .holdFrame:
            if let currentFrame { uplink.hold(currentFrame) }
        case .sendHeldMic:
            if let session { uplink.sendHeld(on: session) }
        case .discardHeldMic:
            uplink.discardHeld()
        case .sendRecentMic(let since):
            if let session { uplink.sendRecent(since: since, on: session) }
        case .sendFrame:
            if let session, let currentFrame { uplink.send(currentFrame, on: session) }
        case .sendActivityStart, .sendActivityEnd, .sendAudioStreamEnd, .sendToolResponse:
            await send(action)
        case .playAudio:
            player.enqueue(currentAudio)
        case .finishReplyAudio:
            player.finishReply()
        case .flushPlayback:
            player.flush()
            if controller.state != .stopped { parts.status.update { $0.bargeIns += 1 } }
        case .runTool(let call):
            runTool(call)
        case .cancelTool(let id):
            let tools = parts.tools
            toolTasks[id]?.cancel()
            Task { await tools.cancel(callID: id) }
        case .startTimer(let timer, let deadline):
            timers.start(timer, at: deadline)
        case .cancelTimer(let timer):
            timers.cancel(timer)
        case .showLight(let light):
            parts.led?.set(light.pattern)
            parts.status.set(light: light)
            report(.light(light, pattern: light.pattern.rawValue))
        case .stateChanged(let state):
            parts.status.set(state: state)
            report(.state(state))
        case .log(let level, let message):
            log(level, message)
        case .stop(let status):
            exitStatus = status
        }
    }

    /// The control messages, in the controller's order with the audio (they only queue: the WebSocket
    /// never blocks the loop).
    private func send(_ action: ConversationAction) async {
        guard let session else { return }
        do {
            switch action {
            case .sendActivityStart:
                parts.status.update { $0.turns += 1 }  // a push-to-talk turn begins
                try await session.sendActivityStart()
            case .sendActivityEnd: try await session.sendActivityEnd()
            case .sendAudioStreamEnd:
                parts.status.update { $0.turns += 1 }  // a hands-free utterance ended
                try await session.sendRealtimeInput(audioStreamEnd: true)
            case .sendToolResponse(let id, let name, let result):
                try await session.sendToolResponse(functionResponses: [adapter.response(id: id, name: name, result: result)])
                report(.toolResult(id: id, name: name, result: result, sent: true))
            default: break
            }
        } catch {
            logger.warning("sending failed: \(error.message)")
        }
    }

    // MARK: Session

    private func connect(_ number: Int, handle: String?) {
        wantedSession = number
        if controller.isReconnecting { parts.status.update { $0.reconnects += 1 } }
        report(.session(number: number, event: .connecting, detail: handle == nil ? nil : "resuming"))
        let client = parts.client
        let model = parts.configuration.live.model
        let config = setup.connectConfig(resumptionHandle: handle)
        let continuation = runtime.continuation
        connectTask = Task {
            do throws(LiveError) {
                let opened = try await client.live.connect(model: model, config: config)
                continuation.yield(.opened(session: number, opened))
            } catch {
                continuation.yield(.ended(session: number, SessionFailure(error)))
            }
        }
    }

    private func startReceiving(_ number: Int, _ session: LiveSession) {
        let continuation = runtime.continuation
        let player = self.player
        receiveTask = Task {
            do throws(LiveError) {
                while let message = try await session.nextMessage() {
                    continuation.yield(.message(session: number, message))
                    // Backpressure: while the reply queue is full, the socket is not read.
                    await player.waitForRoom()
                }
            } catch {
                if error.kind == .cancelled { return }
                continuation.yield(.ended(session: number, SessionFailure(error)))
            }
        }
    }

    /// Closes the current session (or the connect in progress); nothing more of it is reported.
    private func closeSession() {
        let number = wantedSession
        connectTask?.cancel()
        connectTask = nil
        receiveTask?.cancel()
        receiveTask = nil
        parts.status.set(session: nil)
        if let session {
            self.session = nil
            closing.removeAll { $0.isCancelled }
            closing.append(Task { await session.close() })
            report(.session(number: number, event: .closed, detail: nil))
        }
        // Whatever that session still reports is ignored; a connect still in flight is closed when it opens.
        wantedSession = 0
    }

    // MARK: Server messages

    private func translate(_ message: LiveServerMessage) async {
        if let content = message.serverContent {
            if let text = content.inputTranscription?.text, !text.isEmpty { report(.transcript(.user, text)) }
            if let text = content.outputTranscription?.text, !text.isEmpty { report(.transcript(.model, text)) }
            currentAudio = Self.samples(of: message.data)
            let info = ServerContentInfo(
                hasAudio: !currentAudio.isEmpty, interrupted: content.interrupted == true,
                generationComplete: content.generationComplete == true,
                interactionComplete: content.isInteractionComplete)
            if info.hasAudio || info.interrupted || info.generationComplete || info.interactionComplete {
                await feed(.serverContent(info))
            }
            currentAudio = []
        }
        if let calls = message.toolCall?.functionCalls, !calls.isEmpty {
            var requests: [ToolCallRequest] = []
            for call in calls {
                guard let id = call.id, !id.isEmpty else {
                    logger.warning("the server called \(call.name) without an id; it cannot be answered, so it is not run")
                    continue
                }
                requests.append(ToolCallRequest(id: id, name: call.name, arguments: .object(call.args)))
            }
            if !requests.isEmpty { await feed(.toolCall(requests)) }
        }
        if let ids = message.toolCallCancellation?.ids, !ids.isEmpty {
            await feed(.toolCallCancellation(ids: ids))
        }
        if let update = message.sessionResumptionUpdate {
            await feed(.resumptionUpdate(handle: update.newHandle, resumable: update.resumable == true))
        }
        if let goAway = message.goAway {
            await feed(.goAway(timeLeft: goAway.timeLeftDuration))
        }
    }

    /// 24 kHz little-endian 16-bit PCM bytes as samples (the boards we run on are little-endian).
    static func samples(of data: Data?) -> [Int16] {
        guard let data, data.count >= 2 else { return [] }
        let count = data.count / 2
        return [Int16](unsafeUninitializedCapacity: count) { buffer, initialized in
            data.withUnsafeBytes { bytes in
                UnsafeMutableRawBufferPointer(buffer).copyMemory(from: UnsafeRawBufferPointer(rebasing: bytes[0..<(count * 2)]))
            }
            initialized = count
        }
    }

    // MARK: Tools

    private func runTool(_ call: ToolCallRequest) {
        report(.toolCall(id: call.id, name: call.name, arguments: call.arguments))
        parts.status.update { $0.toolCalls += 1 }
        let tools = parts.tools
        let continuation = runtime.continuation
        let status = parts.status
        toolTasks[call.id] = Task {
            let result = await tools.call(name: call.name, arguments: call.arguments, callID: call.id)
            if result.isError { status.update { $0.toolErrors += 1 } }
            continuation.yield(.event(.toolFinished(id: call.id, result: result.response)))
        }
    }

    // MARK: Output

    private func report(_ report: DaemonReport) {
        parts.reporter.report(report)
    }

    private func log(_ level: LogLevel, _ message: String) {
        switch level {
        case .debug: logger.debug(message)
        case .info: logger.info(message)
        case .notice: logger.notice(message)
        case .warning: logger.warning(message)
        case .error: logger.error(message)
        }
        report(.log(level, message))
    }

    // MARK: Teardown

    private func teardown() async {
        parts.engine.deliverFrames(to: nil)
        // Outputs to their safe values first: a relay must not wait for the network.
        await parts.tools.shutdown()
        parts.led?.set(.off)
        player.stop()
        timers.cancelAll()
        for task in helpers { task.cancel() }
        for task in helpers { await task.value }
        for task in toolTasks.values { task.cancel() }
        connectTask?.cancel()
        receiveTask?.cancel()
        if let session {
            self.session = nil
            closing.append(Task { await session.close() })
        }
        // Close 1000, waiting briefly for the server's answer (the unit's stop must stay within 2 s).
        let handshakes = closing
        await withTaskGroup(of: Void.self) { group in
            group.addTask { for handshake in handshakes { await handshake.value } }
            group.addTask { try? await Task.sleep(for: .milliseconds(800)) }
            await group.next()
            group.cancelAll()
        }
        await playerTask?.value
        var counters = parts.status.counters
        counters.framesSent = uplink.framesSent
        counters.framesDropped += uplink.heldDropped
        counters.secondsPlayed = Double(player.samplesPlayed) / 24_000
        let final = counters
        parts.status.update { $0 = final }
        report(.summary(final))
    }
}
