// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

import Conversation
import JSON
import Testing
import Time

@Suite("Conversation: push-to-talk")
struct PushToTalkTests {
    @Test("a press in idle holds the mic from the press (with the pre-roll) and connects")
    func pressConnects() {
        var d = Driver()
        let pressAt = d.now
        let actions = d.send(.button(.pressed(at: pressAt)))
        #expect(actions.filter(\.isCore) == [
            .holdMic(since: pressAt - .milliseconds(250)),
            .connect(session: 1, resumptionHandle: nil),
        ])
        #expect(actions.states == [.connecting])
        #expect(actions.lights == [.connecting])
        #expect(actions.started(.maximumTurn) == pressAt + .seconds(60))
        #expect(d.state == .connecting)
        // What is said while the session connects is held, not sent.
        #expect(d.frames(3) == [.holdFrame, .holdFrame, .holdFrame])
    }

    @Test("a whole turn: held audio, activityStart, streaming, release, activityEnd after the last frame")
    func wholeTurn() {
        var d = Driver()
        _ = d.press()
        _ = d.frames(2)
        let opened = d.send(.sessionOpened(session: 1))
        #expect(opened.filter(\.isCore) == [.sendActivityStart, .sendHeldMic])
        #expect(opened.states == [.listening])
        #expect(opened.lights == [.micLive])
        #expect(d.frames(3) == [.sendFrame, .sendFrame, .sendFrame])
        let releaseAt = d.now
        #expect(d.release().isEmpty)
        // Frames captured before the release still go out; the first one after it ends the turn.
        #expect(d.core(.micFrame(MicFrameInfo(captureTime: releaseAt - .milliseconds(20), duration: .milliseconds(20),
                                              isSpeech: true, echoCancellerConverged: true))) == [.sendFrame])
        let end = d.send(.micFrame(MicFrameInfo(captureTime: releaseAt, duration: .milliseconds(20), isSpeech: false,
                                                echoCancellerConverged: true)))
        #expect(end.filter(\.isCore) == [.sendActivityEnd])
        #expect(end.states == [.responding])
        #expect(end.lights == [.responding])
        #expect(end.started(.response) != nil)
        // Nothing more is sent after the turn.
        #expect(d.frames(2).isEmpty)
    }

    @Test("released before the session opened: the whole held turn goes out on open, then activityEnd")
    func releaseWhileConnecting() {
        var d = Driver()
        _ = d.press()
        #expect(d.frames(2) == [.holdFrame, .holdFrame])
        let releaseAt = d.now
        _ = d.release()
        #expect(d.core(.micFrame(MicFrameInfo(captureTime: releaseAt - .milliseconds(10), duration: .milliseconds(20),
                                              isSpeech: false, echoCancellerConverged: true))) == [.holdFrame])
        #expect(d.core(.micFrame(MicFrameInfo(captureTime: releaseAt, duration: .milliseconds(20), isSpeech: false,
                                              echoCancellerConverged: true))).isEmpty)
        let opened = d.send(.sessionOpened(session: 1))
        #expect(opened.filter(\.isCore) == [.sendActivityStart, .sendHeldMic, .sendActivityEnd])
        #expect(d.state == .responding)
    }

    @Test("released while connecting with frames still to come: they are sent after the held ones")
    func releaseWhileConnectingFramesPending() {
        var d = Driver()
        _ = d.press()
        _ = d.frames(2)
        let releaseAt = d.now
        _ = d.release()
        let opened = d.core(.sessionOpened(session: 1))
        #expect(opened == [.sendActivityStart, .sendHeldMic])
        #expect(d.core(.micFrame(MicFrameInfo(captureTime: releaseAt - .milliseconds(5), duration: .milliseconds(20),
                                              isSpeech: false, echoCancellerConverged: true))) == [.sendFrame])
        #expect(d.core(.micFrame(MicFrameInfo(captureTime: releaseAt + .milliseconds(15), duration: .milliseconds(20),
                                              isSpeech: false, echoCancellerConverged: true))) == [.sendActivityEnd])
    }

    @Test("the release tail ends the turn when the frames up to the release never arrive")
    func releaseTail() {
        var d = Driver()
        d.startTalking()
        let released = d.send(.button(.released(at: d.now)))
        let tail = released.started(.releaseTail)
        #expect(tail == d.now + .milliseconds(300))
        d.wait(.milliseconds(300))
        #expect(d.core(.timer(.releaseTail)) == [.sendActivityEnd])
        #expect(d.state == .responding)
    }

    @Test("a reply plays, completes, drains; then the session idles out and closes, keeping the handle")
    func replyAndIdle() {
        var d = Driver()
        d.startTalking()
        _ = d.release()
        d.wait(.milliseconds(300))
        _ = d.core(.timer(.releaseTail))
        _ = d.send(.resumptionUpdate(handle: "h1", resumable: true))
        #expect(d.audio() == [.playAudio])
        #expect(d.audio() == [.playAudio])
        #expect(d.core(.serverContent(ServerContentInfo(generationComplete: true))) == [.finishReplyAudio])
        // The turn is over but the speaker still plays: still responding.
        _ = d.core(.serverContent(ServerContentInfo(interactionComplete: true)))
        #expect(d.state == .responding)
        let drained = d.send(.playbackDrained)
        #expect(drained.states == [.listening])
        #expect(drained.lights == [.listening])
        let idleAt = try! #require(drained.started(.idle))
        #expect(idleAt == d.now + .seconds(60))
        d.now = idleAt
        let idle = d.send(.timer(.idle))
        #expect(idle.filter(\.isCore) == [.closeSession, .discardHeldMic])
        #expect(idle.states == [.idle])
        #expect(idle.lights == [.off])
        #expect(idle.started(.resumeWindow) == d.now + .seconds(600))
        // A press within the resume window resumes the same conversation.
        d.wait(.seconds(30))
        #expect(d.press().contains(.connect(session: 2, resumptionHandle: "h1")))
    }

    @Test("after the resume window the handle is forgotten and a press starts afresh")
    func resumeWindowExpires() {
        var d = Driver()
        d.startTalking()
        _ = d.send(.resumptionUpdate(handle: "h1", resumable: true))
        _ = d.send(.resumptionUpdate(handle: "not-yet", resumable: false))
        _ = d.core(.button(.doublePress))
        #expect(d.state == .idle)
        d.wait(.seconds(600))
        _ = d.send(.timer(.resumeWindow))
        #expect(d.press().contains(.connect(session: 2, resumptionHandle: nil)))
    }

    @Test("a press while the model speaks flushes playback at once and opens a new turn")
    func bargeIn() {
        var d = Driver()
        d.startTalking()
        _ = d.release()
        d.wait(.milliseconds(300))
        _ = d.core(.timer(.releaseTail))
        _ = d.audio()
        let pressAt = d.now
        let barge = d.send(.button(.pressed(at: pressAt)))
        #expect(barge.filter(\.isCore) == [.flushPlayback, .sendActivityStart, .sendRecentMic(since: pressAt - .milliseconds(250))])
        #expect(barge.states == [.listening])
        #expect(barge.lights == [.micLive])
        // The rest of the interrupted reply is dropped until the server confirms the interruption.
        #expect(d.audio().isEmpty)
        #expect(d.core(.serverContent(ServerContentInfo(interrupted: true))).isEmpty)
        _ = d.release()
        d.wait(.milliseconds(300))
        _ = d.core(.timer(.releaseTail))
        #expect(d.audio() == [.playAudio])
    }

    @Test("the server's interrupted flushes what plays")
    func serverInterrupted() {
        var d = Driver()
        d.startTalking()
        _ = d.release()
        d.wait(.milliseconds(300))
        _ = d.core(.timer(.releaseTail))
        _ = d.audio()
        let interrupted = d.send(.serverContent(ServerContentInfo(interrupted: true)))
        #expect(interrupted.filter(\.isCore) == [.flushPlayback])
        #expect(interrupted.states == [.listening])
    }

    @Test("a long press is just a long turn in push-to-talk: nothing is cancelled")
    func longPress() {
        var d = Driver()
        d.startTalking()
        _ = d.frames(3, speech: false)
        #expect(d.core(.button(.longPress)).isEmpty)
        #expect(d.state == .listening)
        #expect(d.frames(2) == [.sendFrame, .sendFrame])
    }

    @Test("a double press ends the session and flushes the reply")
    func doublePress() {
        var d = Driver()
        d.startTalking()
        _ = d.release()
        d.wait(.milliseconds(300))
        _ = d.core(.timer(.releaseTail))
        _ = d.audio()
        _ = d.press()
        let end = d.core(.button(.doublePress))
        #expect(end.contains(.closeSession))
        #expect(d.state == .idle)
    }

    @Test("a held button ends its turn after the maximum turn length")
    func maximumTurn() {
        var d = Driver { $0.maximumTurn = .seconds(5) }
        d.startTalking()
        d.wait(.seconds(5))
        _ = d.core(.timer(.maximumTurn))
        d.wait(.milliseconds(300))
        #expect(d.core(.timer(.releaseTail)) == [.sendActivityEnd])
    }

    @Test("held audio older than the limit is dropped while the session does not open")
    func heldAudioAge() {
        var d = Driver { $0.heldAudioMaximumAge = .seconds(1) }
        _ = d.press()
        _ = d.frames(10)
        d.wait(.seconds(2))
        #expect(d.frame() == [.discardHeldMic])
        #expect(d.frames(2).isEmpty)
    }

    @Test("a press again before the session opened continues the same held turn")
    func pressAgainWhileConnecting() {
        var d = Driver()
        _ = d.press()
        _ = d.frames(2)
        _ = d.release()
        d.wait(.milliseconds(100))
        #expect(d.press().isEmpty)
        #expect(d.frames(2) == [.holdFrame, .holdFrame])
        #expect(d.opened() == [.sendActivityStart, .sendHeldMic])
    }

    @Test("a reply with no audio at all still ends the turn")
    func silentReply() {
        var d = Driver()
        d.startTalking()
        _ = d.release()
        d.wait(.milliseconds(300))
        _ = d.core(.timer(.releaseTail))
        let done = d.send(.serverContent(ServerContentInfo(interactionComplete: true)))
        #expect(done.states == [.listening])
    }

    @Test("no reply within the response timeout: back to listening")
    func responseTimeout() {
        var d = Driver()
        d.startTalking()
        _ = d.release()
        d.wait(.milliseconds(300))
        _ = d.core(.timer(.releaseTail))
        d.wait(.seconds(30))
        let timeout = d.send(.timer(.response))
        #expect(timeout.states == [.listening])
    }

    @Test("the actions buffer is reused: handling appends to what the caller passes")
    func bufferReuse() {
        var controller = ConversationController()
        var actions: [ConversationAction] = [.log(.debug, "earlier")]
        controller.handle(.button(.pressed(at: Timestamp(nanoseconds: 5))), at: Timestamp(nanoseconds: 5), into: &actions)
        #expect(actions.first == .log(.debug, "earlier"))
        #expect(actions.contains(.connect(session: 1, resumptionHandle: nil)))
    }
}
