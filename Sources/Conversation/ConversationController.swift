// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

import JSON
public import Time

/// Every decision of the speaker, as a value type with no I/O: events in (button, mic frames, the Live
/// session, timers, devices, signals), actions out (connect, send, play, flush, run a tool, LED, timers).
/// The runtime around it does the I/O; tests feed it events with exact times and check the actions.
///
/// The states (README, "How a conversation goes"):
///
/// | state      | what is going on                                   | leaves on                               |
/// |------------|----------------------------------------------------|-----------------------------------------|
/// | idle       | no session (a resumption handle may be kept)       | press → connecting                      |
/// | connecting | a session opens; the mic is held from the press    | opened → listening; failure → offline / error |
/// | listening  | session open, the model quiet; the user's turn     | reply → responding; idle/silence → idle |
/// | responding | the model replies (audio plays through the jitter buffer) | complete and drained → listening; barge-in → listening |
/// | offline    | attempts fail; retrying with backoff (1 s doubling to 60 s, jittered) | timer → connecting |
/// | error      | the key was refused, the quota is out, or the setup is wrong: no retries | press → connecting |
/// | stopped    | SIGTERM handled                                    | —                                       |
///
/// Gestures: push-to-talk holds to speak (`activityStart` … `activityEnd`); toggle starts a hands-free
/// conversation with the server's activity detection, gated by the local VAD. In both, a press while
/// the model speaks barges in, and a double press cancels the reply and ends the session; in toggle mode a
/// long press does too (in push-to-talk holding is talking, so a long press is just a long turn).
public struct ConversationController: Sendable {
    /// The settings it was made with.
    public let settings: ConversationSettings
    /// The current state.
    public private(set) var state: ConversationState = .idle
    /// What the LED shows.
    public private(set) var light: StatusLight = .off

    // MARK: Session
    /// The number of the session asked for last (each connect takes the next).
    public private(set) var sessionNumber = 0
    private var sessionOpen = false
    private var connectingWithHandle = false
    /// The newest handle the server marked resumable, while it may be used.
    public private(set) var resumptionHandle: String?
    /// Failed attempts in a row (reset when a session opens).
    public private(set) var failedAttempts = 0
    /// The session dropped (or was replaced) during a conversation and is being reopened.
    private var reconnecting = false

    /// Whether the session being opened replaces one that dropped, went away, or could not be opened (the
    /// `reconnects` counter), rather than starting a conversation.
    public var isReconnecting: Bool { state == .connecting && (reconnecting || failedAttempts > 0) }
    /// `goAway` came while a turn was in progress: reconnect once it is over.
    private var goAwayPending = false
    private var backoff: ReconnectBackoff
    private var accountLight: StatusLight = .accountProblem

    // MARK: The user's turn and the microphone
    private enum Uplink: Equatable {
        /// Frames are not sent (the runtime still keeps the recent ones).
        case off
        /// Frames are kept for later (the session is not open yet), from `since`.
        case hold(since: Timestamp)
        /// Frames captured before `release` are kept; the first later one completes the held turn.
        case heldUntil(release: Timestamp, since: Timestamp)
        /// The whole push-to-talk turn is held, up to its release.
        case heldComplete(since: Timestamp)
        /// Frames are sent as they come (push-to-talk turn, or the toggle VAD gate is open).
        case stream
        /// Frames captured before `release` are sent; the first later one ends the turn.
        case drain(release: Timestamp)
    }
    private var uplink = Uplink.off
    /// Push-to-talk: the user's turn is open (activityStart sent or to be sent).
    private var turnOpen = false
    private var buttonDown = false
    /// Toggle: the hands-free conversation is on.
    private var conversationOn = false
    /// Toggle: the VAD gate is open (frames go out).
    private var gateOpen = false
    private var lastSpeech: Timestamp?
    private var speechRun: Duration = .zero

    // MARK: The reply
    private enum Reply: Equatable {
        /// No reply in progress.
        case none
        /// The user's turn ended; waiting for the model.
        case awaiting
        /// Output is arriving.
        case generating
        /// The model finished generating; its turn is not over yet.
        case generated
    }
    private var reply = Reply.none
    /// Audio of a reply the user barged into, still arriving: dropped until the server confirms.
    private var discardingReply = false
    /// Audio was handed to the speaker and has not drained yet.
    private var playbackBusy = false

    // MARK: Tools and devices
    private var ledger = ToolLedger()
    /// Results that finished while no session was open, sent once one is.
    private var unsentResponses: [(id: String, name: String, result: JSONValue)] = []
    private var captureLost = false
    private var playbackLost = false

    /// A controller in the idle state.
    public init(settings: ConversationSettings = ConversationSettings()) {
        self.settings = settings
        backoff = ReconnectBackoff(
            initial: settings.reconnectInitial, maximum: settings.reconnectMaximum, jitter: settings.reconnectJitter,
            seed: settings.randomSeed)
    }

    /// Handles one event that happened at `now`, appending what to do to `actions` (which the caller empties
    /// and reuses, so steady operation allocates nothing).
    public mutating func handle(_ event: ConversationEvent, at now: Timestamp, into actions: inout [ConversationAction]) {
        guard state != .stopped else { return }
        switch event {
        case .button(let gesture): button(gesture, now, &actions)
        case .micFrame(let frame): micFrame(frame, now, &actions)
        case .sessionOpened(let session): sessionOpened(session, now, &actions)
        case .sessionEnded(let session, let failure): sessionEnded(session, failure, now, &actions)
        case .serverContent(let content): serverContent(content, now, &actions)
        case .toolCall(let calls): toolCall(calls, &actions)
        case .toolCallCancellation(let ids): toolCallCancellation(ids, &actions)
        case .toolFinished(let id, let result): toolFinished(id, result, &actions)
        case .goAway(let timeLeft): goAway(timeLeft, now, &actions)
        case .resumptionUpdate(let handle, let resumable):
            if resumable, let handle, !handle.isEmpty { resumptionHandle = handle }
        case .playbackDrained: playbackDrained(now, &actions)
        case .audioDevice(let change): audioDevice(change, now, &actions)
        case .timer(let timer): timerFired(timer, now, &actions)
        case .shutdown: shutdown(&actions)
        }
        updateLight(&actions)
    }

    // MARK: - Button

    private mutating func button(_ gesture: ButtonGesture, _ now: Timestamp, _ out: inout [ConversationAction]) {
        switch gesture {
        case .pressed(let at):
            buttonDown = true
            switch settings.mode {
            case .pushToTalk: pushToTalkPress(at, now, &out)
            case .toggle: togglePress(at, now, &out)
            }
        case .released(let at):
            buttonDown = false
            if settings.mode == .pushToTalk { pushToTalkRelease(at, now, &out) }
        case .longPress:
            // Holding is talking in push-to-talk (a long turn is a long press too): there a double press ends.
            if settings.mode == .toggle { cancelAndEnd("long press", now, &out) }
        case .doublePress:
            cancelAndEnd("double press", now, &out)
        }
    }

    /// Push-to-talk press: barge in if the model talks, then open the user's turn (now, or once the
    /// session is open).
    private mutating func pushToTalkPress(_ at: Timestamp, _ now: Timestamp, _ out: inout [ConversationAction]) {
        bargeIn(&out)
        let since = at - settings.preroll
        switch state {
        case .listening, .responding:
            if turnOpen, case .drain = uplink {
                // Pressed again before the last turn's end went out: it is the same turn.
                uplink = .stream
                out.append(.cancelTimer(.releaseTail))
            } else {
                turnOpen = true
                uplink = .stream
                out.append(.sendActivityStart)
                out.append(.sendRecentMic(since: since))
            }
            enter(.listening, &out)
        case .connecting:
            switch uplink {
            case .heldUntil(_, let held), .heldComplete(let held):
                uplink = .hold(since: held)  // pressed again before the session opened: the same turn goes on
            case .hold:
                break
            default:
                openHeldTurn(since: since, &out)
            }
        case .idle, .offline, .error:
            if state == .offline { out.append(.cancelTimer(.reconnect)) }
            openHeldTurn(since: since, &out)
            connect(now, &out)
        case .stopped:
            break
        }
        out.append(.cancelTimer(.idle))
        out.append(.startTimer(.maximumTurn, at: at + settings.maximumTurn))
    }

    private mutating func openHeldTurn(since: Timestamp, _ out: inout [ConversationAction]) {
        turnOpen = true
        uplink = .hold(since: since)
        out.append(.holdMic(since: since))
    }

    private mutating func pushToTalkRelease(_ at: Timestamp, _ now: Timestamp, _ out: inout [ConversationAction]) {
        guard turnOpen else { return }
        out.append(.cancelTimer(.maximumTurn))
        switch uplink {
        case .stream:
            uplink = .drain(release: at)
            out.append(.startTimer(.releaseTail, at: now + settings.releaseTail))
        case .hold(let since):
            uplink = .heldUntil(release: at, since: since)
        default:
            break
        }
    }

    /// Toggle press: start the hands-free conversation, barge in on the model, or end the conversation.
    private mutating func togglePress(_ at: Timestamp, _ now: Timestamp, _ out: inout [ConversationAction]) {
        switch state {
        case .idle, .offline, .error:
            if state == .offline { out.append(.cancelTimer(.reconnect)) }
            conversationOn = true
            uplink = .hold(since: at - settings.preroll)
            out.append(.holdMic(since: at - settings.preroll))
            connect(now, &out)
        case .connecting:
            // A second press before the session opened: the user changed their mind.
            endConversation("pressed again while connecting", now, &out)
        case .responding where playbackBusy || reply != .none:
            bargeIn(&out)
            openGate(since: at - settings.preroll, now, &out)
            enter(.listening, &out)
        case .listening, .responding:
            endConversation("pressed", now, &out)
        case .stopped:
            break
        }
    }

    /// Stops the reply at once: the speaker is flushed and whatever is still coming of that reply is dropped.
    private mutating func bargeIn(_ out: inout [ConversationAction]) {
        if playbackBusy {
            out.append(.flushPlayback)
            playbackBusy = false
        }
        if reply == .generating || reply == .awaiting {
            discardingReply = true
        }
        reply = .none
        out.append(.cancelTimer(.response))
    }

    /// Long or double press: cancel the reply and end the session (a resumable handle is kept).
    private mutating func cancelAndEnd(_ why: String, _ now: Timestamp, _ out: inout [ConversationAction]) {
        switch state {
        case .idle, .stopped:
            return
        case .error:
            return
        case .offline:
            out.append(.cancelTimer(.reconnect))
        default:
            break
        }
        out.append(.log(.info, "\(why): ending the conversation"))
        bargeIn(&out)
        endConversation(why, now, &out)
    }

    // MARK: - Microphone frames

    private mutating func micFrame(_ frame: MicFrameInfo, _ now: Timestamp, _ out: inout [ConversationAction]) {
        switch uplink {
        case .off:
            break
        case .hold(let since):
            if frame.captureTime - since > settings.heldAudioMaximumAge {
                out.append(.log(.notice, "dropped the audio held while connecting: it is older than \(settings.heldAudioMaximumAge)"))
                out.append(.discardHeldMic)
                uplink = .off
                turnOpen = false
            } else {
                out.append(.holdFrame)
            }
            return
        case .heldUntil(let release, let since):
            if frame.captureTime < release { out.append(.holdFrame) } else { uplink = .heldComplete(since: since) }
            return
        case .heldComplete:
            return
        case .stream where settings.mode == .pushToTalk:
            out.append(.sendFrame)
            return
        case .drain(let release):
            if frame.captureTime < release {
                out.append(.sendFrame)
            } else {
                endPushToTalkTurn(now, &out)
            }
            return
        case .stream:
            break  // toggle: the VAD gate below decides
        }
        guard settings.mode == .toggle, conversationOn, sessionOpen else { return }
        toggleGate(frame, now, &out)
    }

    /// Toggle mode: the local VAD (after echo cancellation) opens and closes the uplink; while the speaker
    /// plays and the canceller has not converged, the mic stays shut so the model never answers itself.
    private mutating func toggleGate(_ frame: MicFrameInfo, _ now: Timestamp, _ out: inout [ConversationAction]) {
        guard settings.vadGatesUplink else {
            if gateOpen {
                out.append(.sendFrame)
            } else {
                openGate(since: frame.captureTime, now, &out)
            }
            return
        }
        let echoUnsafe = playbackBusy && !frame.echoCancellerConverged
        if echoUnsafe {
            speechRun = .zero
            if gateOpen { closeGate(now, &out) }
            return
        }
        if frame.isSpeech {
            speechRun += frame.duration
            lastSpeech = frame.captureTime
            if gateOpen {
                out.append(.sendFrame)
            } else {
                openGate(since: frame.captureTime - settings.speechLead, now, &out)
            }
            if playbackBusy, settings.voiceBargeIn, speechRun >= settings.bargeInSpeech {
                out.append(.log(.info, "barge-in by voice"))
                bargeIn(&out)
                enter(.listening, &out)
            }
            return
        }
        speechRun = .zero
        guard gateOpen else { return }
        if let lastSpeech, frame.captureTime - lastSpeech <= settings.vadHangover {
            out.append(.sendFrame)
        } else {
            closeGate(now, &out)
        }
    }

    private mutating func openGate(since: Timestamp, _ now: Timestamp, _ out: inout [ConversationAction]) {
        gateOpen = true
        uplink = .stream
        if lastSpeech == nil || lastSpeech! < now { lastSpeech = now }
        out.append(.sendRecentMic(since: since))
        out.append(.cancelTimer(.silence))
    }

    private mutating func closeGate(_ now: Timestamp, _ out: inout [ConversationAction]) {
        gateOpen = false
        uplink = .off
        out.append(.sendAudioStreamEnd)
        if state == .listening { out.append(.startTimer(.silence, at: now + settings.silenceTimeout)) }
    }

    /// Push-to-talk: everything up to the release went out; now the turn ends and the reply is awaited.
    private mutating func endPushToTalkTurn(_ now: Timestamp, _ out: inout [ConversationAction]) {
        uplink = .off
        turnOpen = false
        out.append(.cancelTimer(.releaseTail))
        out.append(.sendActivityEnd)
        reply = .awaiting
        out.append(.startTimer(.response, at: now + settings.responseTimeout))
        enter(.responding, &out)
    }

    // MARK: - Session

    private mutating func connect(_ now: Timestamp, _ out: inout [ConversationAction]) {
        if resumptionHandle != nil, !sessionOpen, let until = handleExpiry, now > until {
            resumptionHandle = nil
        }
        sessionNumber += 1
        connectingWithHandle = resumptionHandle != nil
        out.append(.cancelTimer(.resumeWindow))
        out.append(.connect(session: sessionNumber, resumptionHandle: resumptionHandle))
        enter(.connecting, &out)
    }

    /// When the kept handle stops being offered (set when a session closes).
    private var handleExpiry: Timestamp?

    private mutating func sessionOpened(_ session: Int, _ now: Timestamp, _ out: inout [ConversationAction]) {
        guard session == sessionNumber, state == .connecting else { return }
        sessionOpen = true
        handleExpiry = nil
        failedAttempts = 0
        out.append(.log(.info, reconnecting ? "session \(session) reopened" : "session \(session) open"))
        reconnecting = false
        for response in unsentResponses {
            out.append(.sendToolResponse(id: response.id, name: response.name, result: response.result))
        }
        unsentResponses = []
        switch settings.mode {
        case .pushToTalk: openedForPushToTalk(now, &out)
        case .toggle: openedForToggle(now, &out)
        }
    }

    private mutating func openedForPushToTalk(_ now: Timestamp, _ out: inout [ConversationAction]) {
        switch uplink {
        case .hold:
            out.append(.sendActivityStart)
            out.append(.sendHeldMic)
            uplink = .stream
            enter(.listening, &out)
        case .heldUntil(let release, _):
            out.append(.sendActivityStart)
            out.append(.sendHeldMic)
            uplink = .drain(release: release)
            out.append(.startTimer(.releaseTail, at: now + settings.releaseTail))
            enter(.listening, &out)
        case .heldComplete:
            out.append(.sendActivityStart)
            out.append(.sendHeldMic)
            endPushToTalkTurn(now, &out)
        default:
            enter(playbackBusy ? .responding : .listening, &out)
            if !playbackBusy { becameQuiet(now, &out) }
        }
    }

    private mutating func openedForToggle(_ now: Timestamp, _ out: inout [ConversationAction]) {
        if case .hold = uplink {
            out.append(.sendHeldMic)
            gateOpen = true
            uplink = .stream
            lastSpeech = now
        }
        enter(playbackBusy ? .responding : .listening, &out)
        if !gateOpen && !playbackBusy { becameQuiet(now, &out) }
    }

    private mutating func sessionEnded(_ session: Int, _ failure: SessionFailure, _ now: Timestamp, _ out: inout [ConversationAction]) {
        guard session == sessionNumber, state != .idle else { return }
        let wasOpen = sessionOpen
        sessionOpen = false
        out.append(.log(failure.category == .retryable ? .warning : .error, "session \(session): \(failure.message)"))
        switch failure.category {
        case .invalidRequest where connectingWithHandle && !wasOpen:
            // A stale or foreign handle: start afresh at once (the model forgets this conversation).
            out.append(.log(.notice, "the server refused to resume; starting a new session"))
            resumptionHandle = nil
            connect(now, &out)
        case .retryable:
            connectionLost(wasOpen: wasOpen, now, &out)
        case .invalidRequest where wasOpen:
            // The server refused something this session sent: go on in a fresh one.
            resumptionHandle = nil
            connectionLost(wasOpen: wasOpen, now, &out)
        case .authentication, .quota, .configuration, .invalidRequest:
            accountLight = failure.category == .configuration || failure.category == .invalidRequest ? .fault : .accountProblem
            out.append(.discardHeldMic)
            if playbackBusy { out.append(.flushPlayback) }
            resetConversation(&out)
            enter(.error, &out)
        }
    }

    /// The connection is gone (or could not be made) while a conversation wants one: reconnect, at once the
    /// first time after a drop, then with backoff; the user's speech is held meanwhile.
    private mutating func connectionLost(wasOpen: Bool, _ now: Timestamp, _ out: inout [ConversationAction]) {
        reply = .none
        discardingReply = false
        goAwayPending = false
        out.append(.cancelTimer(.goAway))
        out.append(.cancelTimer(.response))
        // Speech that was streaming is held for the new session instead.
        switch uplink {
        case .stream, .drain:
            if settings.mode == .pushToTalk, turnOpen {
                if case .drain(let release) = uplink {
                    uplink = .heldUntil(release: release, since: now)
                } else {
                    uplink = .hold(since: now)
                }
                out.append(.cancelTimer(.releaseTail))
                out.append(.holdMic(since: now))
            } else {
                uplink = .off
                gateOpen = false
            }
        default:
            break
        }
        if wasOpen {
            reconnecting = true
            connect(now, &out)
        } else {
            failedAttempts += 1
            let wait = backoff.delay(afterFailures: failedAttempts)
            out.append(.log(.notice, "reconnecting in \(wait) (attempt \(failedAttempts + 1))"))
            out.append(.startTimer(.reconnect, at: now + wait))
            enter(.offline, &out)
        }
    }

    /// Replaces the connection with a new one that resumes the conversation (after `goAway`).
    private mutating func reconnectNow(_ why: String, _ now: Timestamp, _ out: inout [ConversationAction]) {
        out.append(.log(.info, "\(why): reconnecting with the resumption handle"))
        goAwayPending = false
        out.append(.cancelTimer(.goAway))
        out.append(.closeSession)
        sessionOpen = false
        reconnecting = true
        if settings.mode == .toggle, gateOpen {
            gateOpen = false
            uplink = .hold(since: now)
            out.append(.holdMic(since: now))
        }
        connect(now, &out)
    }

    private mutating func goAway(_ timeLeft: Duration?, _ now: Timestamp, _ out: inout [ConversationAction]) {
        guard sessionOpen else { return }
        if isBetweenTurns {
            reconnectNow("the server is going away", now, &out)
        } else {
            goAwayPending = true
            let left = timeLeft ?? .seconds(5)
            let deadline = now + max(.zero, left - settings.goAwayMargin)
            out.append(.startTimer(.goAway, at: deadline))
        }
    }

    /// Nothing is said by either side right now.
    private var isBetweenTurns: Bool {
        state == .listening && !turnOpen && !gateOpen && reply == .none && !playbackBusy
    }

    /// Ends the conversation: the session closes (its handle is kept for the resume window) and the
    /// speaker goes back to idle.
    private mutating func endConversation(_ why: String, _ now: Timestamp, _ out: inout [ConversationAction]) {
        if state == .connecting || sessionOpen { out.append(.closeSession) }
        sessionOpen = false
        out.append(.discardHeldMic)
        if playbackBusy { out.append(.flushPlayback) }
        resetConversation(&out)
        if resumptionHandle != nil {
            handleExpiry = now + settings.resumeWindow
            out.append(.startTimer(.resumeWindow, at: now + settings.resumeWindow))
        }
        out.append(.log(.info, "conversation ended (\(why))"))
        enter(.idle, &out)
    }

    private mutating func resetConversation(_ out: inout [ConversationAction]) {
        uplink = .off
        turnOpen = false
        conversationOn = false
        gateOpen = false
        speechRun = .zero
        reply = .none
        discardingReply = false
        playbackBusy = false
        reconnecting = false
        goAwayPending = false
        for timer in [ConversationTimer.idle, .silence, .releaseTail, .maximumTurn, .goAway, .response, .reconnect] {
            out.append(.cancelTimer(timer))
        }
    }

    // MARK: - Server content

    private mutating func serverContent(_ content: ServerContentInfo, _ now: Timestamp, _ out: inout [ConversationAction]) {
        guard sessionOpen else { return }
        if content.interrupted {
            if playbackBusy { out.append(.flushPlayback) }
            playbackBusy = false
            discardingReply = false
            reply = .none
            if state == .responding { enter(.listening, &out) }
        }
        if content.hasAudio && !discardingReply && !(settings.mode == .pushToTalk && turnOpen) {
            out.append(.playAudio)
            playbackBusy = true
            if reply != .generated { reply = .generating }
            replyStarted(now, &out)
        }
        if content.generationComplete && !discardingReply {
            if reply != .none { reply = .generated }
            out.append(.finishReplyAudio)
        }
        if content.interactionComplete {
            let wasDiscarding = discardingReply
            discardingReply = false
            if !wasDiscarding { out.append(.finishReplyAudio) }
            if reply != .none || state == .responding {
                reply = .none
                out.append(.cancelTimer(.response))
                if !playbackBusy { replyOver(now, &out) }
            }
        }
    }

    /// The model started answering (audio or a tool call).
    private mutating func replyStarted(_ now: Timestamp, _ out: inout [ConversationAction]) {
        out.append(.cancelTimer(.response))
        out.append(.cancelTimer(.idle))
        out.append(.cancelTimer(.silence))
        if state == .listening && !(settings.mode == .pushToTalk && turnOpen) { enter(.responding, &out) }
    }

    /// The model's turn is over and everything it said has been played.
    private mutating func replyOver(_ now: Timestamp, _ out: inout [ConversationAction]) {
        guard state == .responding else { return }
        enter(.listening, &out)
        if goAwayPending {
            reconnectNow("the server is going away", now, &out)
            return
        }
        becameQuiet(now, &out)
    }

    /// Both sides are quiet: start counting towards the end of the session.
    private mutating func becameQuiet(_ now: Timestamp, _ out: inout [ConversationAction]) {
        switch settings.mode {
        case .pushToTalk: out.append(.startTimer(.idle, at: now + settings.idleTimeout))
        case .toggle: if !gateOpen { out.append(.startTimer(.silence, at: now + settings.silenceTimeout)) }
        }
    }

    private mutating func playbackDrained(_ now: Timestamp, _ out: inout [ConversationAction]) {
        guard playbackBusy else { return }
        playbackBusy = false
        if reply == .none { replyOver(now, &out) }
    }

    // MARK: - Tools

    private mutating func toolCall(_ calls: [ToolCallRequest], _ out: inout [ConversationAction]) {
        for call in calls {
            switch ledger[call.id] {
            case nil:
                ledger.record(call.id, .running(name: call.name))
                out.append(.log(.info, "tool call \(call.name) (\(call.id))"))
                out.append(.runTool(call))
            case .running, .cancelled:
                out.append(.log(.debug, "tool call \(call.id) is already running"))
            case .finished(let name, let result):
                // Sent again after a reconnect: answer from the record, never run it twice.
                out.append(.log(.notice, "tool call \(call.id) was already run; answering with its result"))
                respond(id: call.id, name: name, result: result, &out)
            }
        }
        if state == .listening && !(settings.mode == .pushToTalk && turnOpen) {
            if reply == .none { reply = .generating }
            out.append(.cancelTimer(.idle))
            out.append(.cancelTimer(.silence))
            out.append(.cancelTimer(.response))
            enter(.responding, &out)
        }
    }

    private mutating func toolCallCancellation(_ ids: [String], _ out: inout [ConversationAction]) {
        for id in ids {
            guard case .running(let name) = ledger[id] else { continue }
            ledger.record(id, .cancelled(name: name))
            out.append(.cancelTool(id: id))
        }
    }

    private mutating func toolFinished(_ id: String, _ result: JSONValue, _ out: inout [ConversationAction]) {
        switch ledger[id] {
        case .running(let name):
            ledger.record(id, .finished(name: name, result: result))
            respond(id: id, name: name, result: result, &out)
        case .cancelled(let name):
            ledger.record(id, .finished(name: name, result: result))
            out.append(.log(.info, "tool call \(id) was cancelled by the server; its result is not sent"))
        case .finished, nil:
            break
        }
    }

    private mutating func respond(id: String, name: String, result: JSONValue, _ out: inout [ConversationAction]) {
        if sessionOpen {
            out.append(.sendToolResponse(id: id, name: name, result: result))
        } else {
            unsentResponses.append((id, name, result))
        }
    }

    // MARK: - Timers

    private mutating func timerFired(_ timer: ConversationTimer, _ now: Timestamp, _ out: inout [ConversationAction]) {
        switch timer {
        case .reconnect:
            if state == .offline { connect(now, &out) }
        case .idle:
            if settings.mode == .pushToTalk, state == .listening, !turnOpen { endConversation("idle for \(settings.idleTimeout)", now, &out) }
        case .silence:
            if settings.mode == .toggle, state == .listening, !gateOpen { endConversation("quiet for \(settings.silenceTimeout)", now, &out) }
        case .resumeWindow:
            if !sessionOpen && state != .connecting {
                resumptionHandle = nil
                handleExpiry = nil
            }
        case .releaseTail:
            if case .drain = uplink { endPushToTalkTurn(now, &out) }
        case .maximumTurn:
            if turnOpen && buttonDown {
                out.append(.log(.notice, "the button has been held for \(settings.maximumTurn): ending the turn"))
                pushToTalkRelease(now, now, &out)
            }
        case .goAway:
            if goAwayPending && sessionOpen { reconnectNow("the server's goAway deadline is near", now, &out) }
        case .response:
            if reply == .awaiting {
                out.append(.log(.warning, "no reply within \(settings.responseTimeout)"))
                reply = .none
                replyOver(now, &out)
            }
        }
    }

    // MARK: - Devices and shutdown

    private mutating func audioDevice(_ change: AudioDeviceChange, _ now: Timestamp, _ out: inout [ConversationAction]) {
        switch change {
        case .lost(.capture):
            captureLost = true
            if settings.mode == .pushToTalk, turnOpen, case .stream = uplink { pushToTalkRelease(now, now, &out) }
        case .lost(.playback):
            playbackLost = true
            if playbackBusy {
                playbackBusy = false
                if reply == .none { replyOver(now, &out) }
            }
        case .restored(.capture):
            captureLost = false
        case .restored(.playback):
            playbackLost = false
        case .failed(let message):
            out.append(.log(.error, "audio failed for good: \(message)"))
            stopEverything(exitStatus: 1, &out)
        }
    }

    private mutating func shutdown(_ out: inout [ConversationAction]) {
        stopEverything(exitStatus: 0, &out)
    }

    private mutating func stopEverything(exitStatus: Int32, _ out: inout [ConversationAction]) {
        if playbackBusy { out.append(.flushPlayback) }
        if sessionOpen || state == .connecting { out.append(.closeSession) }
        for id in ledger.runningIDs { out.append(.cancelTool(id: id)) }
        resetConversation(&out)
        sessionOpen = false
        enter(.stopped, &out)
        out.append(.stop(exitStatus: exitStatus))
    }

    // MARK: - State and light

    private mutating func enter(_ next: ConversationState, _ out: inout [ConversationAction]) {
        guard next != state else { return }
        state = next
        out.append(.stateChanged(next))
    }

    private mutating func updateLight(_ out: inout [ConversationAction]) {
        let next: StatusLight
        if state == .stopped {
            next = .off
        } else if captureLost || playbackLost {
            next = .fault
        } else {
            switch state {
            case .idle, .stopped: next = .off
            case .connecting: next = failedAttempts > 0 ? .offline : (reconnecting ? .reconnecting : .connecting)
            case .offline: next = .offline
            case .error: next = accountLight
            case .listening, .responding:
                if micIsLive { next = .micLive } else { next = state == .listening ? .listening : .responding }
            }
        }
        guard next != light else { return }
        light = next
        out.append(.showLight(next))
    }

    /// Microphone audio is really being sent.
    private var micIsLive: Bool {
        guard sessionOpen else { return false }
        switch uplink {
        case .stream, .drain: return true
        default: return false
        }
    }
}
