// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

import Conversation
import JSON
import Time

/// Feeds a controller events on a manual timeline and keeps what it answered.
struct Driver {
    var controller: ConversationController
    var now = Timestamp(nanoseconds: 1_000_000_000)
    private var buffer: [ConversationAction] = []

    init(_ configure: (inout ConversationSettings) -> Void = { _ in }) {
        var settings = ConversationSettings()
        configure(&settings)
        controller = ConversationController(settings: settings)
    }

    var state: ConversationState { controller.state }
    var light: StatusLight { controller.light }

    /// Moves the clock forward.
    mutating func wait(_ duration: Duration) { now = now + duration }

    /// Handles one event now and returns every action.
    @discardableResult
    mutating func send(_ event: ConversationEvent) -> [ConversationAction] {
        buffer.removeAll(keepingCapacity: true)
        controller.handle(event, at: now, into: &buffer)
        return buffer
    }

    /// Handles one event now and returns the actions other than logs, timers and reports.
    @discardableResult
    mutating func core(_ event: ConversationEvent) -> [ConversationAction] {
        send(event).filter(\.isCore)
    }

    mutating func press() -> [ConversationAction] { core(.button(.pressed(at: now))) }
    mutating func release() -> [ConversationAction] { core(.button(.released(at: now))) }

    /// A frame captured `ago` before now.
    mutating func frame(speech: Bool = false, converged: Bool = true, ago: Duration = .milliseconds(40)) -> [ConversationAction] {
        core(.micFrame(MicFrameInfo(captureTime: now - ago, duration: .milliseconds(20), isSpeech: speech,
                                    echoCancellerConverged: converged)))
    }

    /// `count` frames, 20 ms apart, the clock moving with them; the actions of all of them.
    mutating func frames(_ count: Int, speech: Bool = false, converged: Bool = true) -> [ConversationAction] {
        var all: [ConversationAction] = []
        for _ in 0..<count {
            wait(.milliseconds(20))
            all += frame(speech: speech, converged: converged)
        }
        return all
    }

    mutating func audio() -> [ConversationAction] { core(.serverContent(ServerContentInfo(hasAudio: true))) }
    mutating func turnComplete() -> [ConversationAction] {
        core(.serverContent(ServerContentInfo(generationComplete: true, interactionComplete: true)))
    }
    mutating func opened() -> [ConversationAction] { core(.sessionOpened(session: controller.sessionNumber)) }
    mutating func ended(_ category: SessionFailure.Category, code: Int? = nil) -> [ConversationAction] {
        send(.sessionEnded(session: controller.sessionNumber, SessionFailure(category, closeCode: code, message: "test")))
    }

    /// Push-to-talk from idle to an open session with the button down.
    mutating func startTalking() {
        _ = press()
        _ = opened()
    }
}

extension ConversationAction {
    /// Not a log line, timer or report.
    var isCore: Bool {
        switch self {
        case .log, .startTimer, .cancelTimer, .stateChanged, .showLight: false
        default: true
        }
    }

    var timerStarted: (ConversationTimer, Timestamp)? {
        if case .startTimer(let timer, let at) = self { return (timer, at) }
        return nil
    }
}

extension Array where Element == ConversationAction {
    func started(_ timer: ConversationTimer) -> Timestamp? {
        compactMap(\.timerStarted).last(where: { $0.0 == timer })?.1
    }

    var states: [ConversationState] {
        compactMap { if case .stateChanged(let state) = $0 { state } else { nil } }
    }

    var lights: [StatusLight] {
        compactMap { if case .showLight(let light) = $0 { light } else { nil } }
    }
}
