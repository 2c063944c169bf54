// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

import Conversation
import Testing
import Time

@Suite("Conversation: toggle (hands-free)")
struct ToggleTests {
    /// A toggle conversation, open, with the user's first words sent.
    static func open() -> Driver {
        var d = Driver { $0.mode = .toggle }
        let pressAt = d.now
        let press = d.core(.button(.pressed(at: pressAt)))
        #expect(press == [.holdMic(since: pressAt - .milliseconds(250)), .connect(session: 1, resumptionHandle: nil)])
        _ = d.core(.button(.released(at: d.now)))
        #expect(d.frames(2, speech: true) == [.holdFrame, .holdFrame])
        let opened = d.send(.sessionOpened(session: 1))
        #expect(opened.filter(\.isCore) == [.sendHeldMic])
        #expect(opened.lights == [.micLive])
        return d
    }

    @Test("the local VAD gates the uplink: speech is streamed, silence past the hangover is not, audioStreamEnd once")
    func vadGate() {
        var d = Self.open()
        #expect(d.frames(3, speech: true) == [.sendFrame, .sendFrame, .sendFrame])
        // Quiet: the hangover (400 ms) still streams, then the gate closes with one audioStreamEnd.
        let quiet = d.frames(30, speech: false)
        #expect(quiet.filter { $0 == .sendFrame }.count == 20)  // 400 ms of 20 ms frames
        #expect(quiet.filter { $0 == .sendAudioStreamEnd }.count == 1)
        #expect(quiet.last != .sendFrame)
        #expect(d.light == .listening)
        // Speech again: the frames from the speech lead before it go out too.
        d.wait(.milliseconds(20))
        let onset = d.now - .milliseconds(40)
        #expect(d.frame(speech: true) == [.sendRecentMic(since: onset - .milliseconds(200))])
        #expect(d.light == .micLive)
    }

    @Test("while the speaker plays and the canceller has not converged, the mic stays shut")
    func echoGate() {
        var d = Self.open()
        _ = d.frames(25, speech: false)  // gate closed
        #expect(d.audio() == [.playAudio])
        #expect(d.state == .responding)
        // Echo that the VAD takes for speech is not sent and does not barge in.
        #expect(d.frames(20, speech: true, converged: false).isEmpty)
        #expect(d.state == .responding)
    }

    @Test("once converged, local speech during the reply barges in: playback is flushed")
    func voiceBargeIn() {
        var d = Self.open()
        _ = d.frames(25, speech: false)
        _ = d.audio()
        let speech = d.frames(14, speech: true, converged: true)
        #expect(speech.first.map { if case .sendRecentMic = $0 { true } else { false } } == true)
        #expect(speech.contains(.flushPlayback))
        #expect(d.state == .listening)
        // The rest of the interrupted reply is dropped.
        #expect(d.audio().isEmpty)
    }

    @Test("a press while the model speaks barges in; a press while listening ends the conversation")
    func presses() {
        var d = Self.open()
        _ = d.frames(25, speech: false)
        _ = d.audio()
        let barge = d.core(.button(.pressed(at: d.now)))
        #expect(barge.first == .flushPlayback)
        #expect(d.state == .listening)
        _ = d.core(.button(.released(at: d.now)))
        _ = d.frames(30, speech: false)
        let end = d.send(.button(.pressed(at: d.now)))
        #expect(end.filter(\.isCore).contains(.closeSession))
        #expect(end.states == [.idle])
    }

    @Test("a quiet spell ends the conversation; its handle is kept for the resume window")
    func silenceTimeout() {
        var d = Self.open()
        _ = d.send(.resumptionUpdate(handle: "h", resumable: true))
        let quiet = d.send(.micFrame(MicFrameInfo(captureTime: d.now + .seconds(1), duration: .milliseconds(20),
                                                  isSpeech: false, echoCancellerConverged: true)))
        let deadline = try! #require(quiet.started(.silence))
        #expect(deadline == d.now + .seconds(10))
        d.now = deadline
        let end = d.send(.timer(.silence))
        #expect(end.filter(\.isCore).contains(.closeSession))
        #expect(d.state == .idle)
        #expect(d.controller.resumptionHandle == "h")
    }

    @Test("a reply, drained, starts the silence timer again")
    func replyThenSilence() {
        var d = Self.open()
        _ = d.frames(25, speech: false)
        _ = d.audio()
        _ = d.turnComplete()
        let drained = d.send(.playbackDrained)
        #expect(drained.states == [.listening])
        #expect(drained.started(.silence) == d.now + .seconds(10))
    }

    @Test("a long press cancels the reply and ends the session")
    func longPress() {
        var d = Self.open()
        _ = d.frames(25, speech: false)
        _ = d.audio()
        let end = d.core(.button(.longPress))
        #expect(end.contains(.flushPlayback))
        #expect(end.contains(.closeSession))
        #expect(d.state == .idle)
    }

    @Test("without VAD gating every frame is streamed, silence and echo included, and no audioStreamEnd")
    func ungated() {
        var d = Driver {
            $0.mode = .toggle
            $0.vadGatesUplink = false
        }
        _ = d.core(.button(.pressed(at: d.now)))
        _ = d.core(.button(.released(at: d.now)))
        _ = d.core(.sessionOpened(session: 1))
        let quiet = d.frames(40, speech: false)
        #expect(quiet.allSatisfy { $0 == .sendFrame })
        #expect(quiet.count == 40)
        _ = d.audio()
        #expect(d.frames(10, speech: true, converged: false).allSatisfy { $0 == .sendFrame })
    }

    @Test("a press again while connecting cancels")
    func pressWhileConnecting() {
        var d = Driver { $0.mode = .toggle }
        _ = d.core(.button(.pressed(at: d.now)))
        _ = d.core(.button(.released(at: d.now)))
        d.wait(.milliseconds(600))
        let cancel = d.core(.button(.pressed(at: d.now)))
        #expect(cancel.contains(.closeSession))
        #expect(d.state == .idle)
    }
}
