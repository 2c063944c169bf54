// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

import Conversation
import JSON
import Testing
import Time

@Suite("Conversation: faults, reconnects and shutdown")
struct FaultTests {
    @Test("a connect that fails is retried with backoff: about 1 s doubling to 60 s, jittered, reset on success")
    func backoff() {
        var d = Driver()
        _ = d.press()
        var waits: [Duration] = []
        for attempt in 1...9 {
            let failed = d.ended(.retryable)
            #expect(d.state == .offline)
            #expect(d.light == .offline)
            let at = try! #require(failed.started(.reconnect))
            waits.append(at - d.now)
            d.now = at
            let retry = d.core(.timer(.reconnect))
            #expect(retry == [.connect(session: attempt + 1, resumptionHandle: nil)])
            // While it retries, the LED keeps saying "offline".
            #expect(d.light == .offline)
        }
        let nominal: [Double] = [1, 2, 4, 8, 16, 32, 60, 60, 60]
        for (wait, expected) in zip(waits, nominal) {
            let seconds = Double(wait.components.seconds) + Double(wait.components.attoseconds) / 1e18
            #expect(seconds >= expected * 0.75 && seconds <= expected * 1.25, "wait \(seconds) s, nominal \(expected) s")
        }
        #expect(Set(waits).count == waits.count, "the waits are jittered")
        _ = d.opened()
        #expect(d.controller.failedAttempts == 0)
        #expect(d.state == .listening)
    }

    @Test("a connection dropped mid-reply reconnects at once with the handle, showing 'reconnecting'")
    func dropMidReply() {
        var d = Driver()
        d.startTalking()
        _ = d.send(.resumptionUpdate(handle: "h7", resumable: true))
        _ = d.release()
        d.wait(.milliseconds(300))
        _ = d.core(.timer(.releaseTail))
        _ = d.audio()
        let dropped = d.ended(.retryable)
        #expect(dropped.filter(\.isCore) == [.connect(session: 2, resumptionHandle: "h7")])
        #expect(dropped.lights == [.reconnecting])
        #expect(d.state == .connecting)
        _ = d.opened()
        // The audio already queued plays out; then back to listening.
        #expect(d.state == .responding)
        let drained = d.send(.playbackDrained)
        #expect(drained.states == [.listening])
    }

    @Test("a drop while the user talks holds the rest of the turn and sends it, with activityStart, on the new session")
    func dropMidTurn() {
        var d = Driver()
        d.startTalking()
        _ = d.send(.resumptionUpdate(handle: "h", resumable: true))
        _ = d.frames(2, speech: true)
        let dropped = d.ended(.retryable)
        #expect(dropped.filter(\.isCore) == [.holdMic(since: d.now), .connect(session: 2, resumptionHandle: "h")])
        #expect(d.frames(2, speech: true) == [.holdFrame, .holdFrame])
        #expect(d.opened() == [.sendActivityStart, .sendHeldMic])
        #expect(d.frames(1, speech: true) == [.sendFrame])
    }

    @Test("a resumption the server refuses (1007 on a stale handle) falls back to a fresh session at once")
    func resumptionRefused() {
        var d = Driver()
        d.startTalking()
        _ = d.send(.resumptionUpdate(handle: "stale", resumable: true))
        _ = d.ended(.retryable)  // reconnecting with the handle
        let refused = d.ended(.invalidRequest, code: 1007)
        #expect(refused.filter(\.isCore).last == .connect(session: 3, resumptionHandle: nil))
        #expect(d.controller.resumptionHandle == nil)
    }

    @Test("a bad API key or exhausted quota: no retries, its own LED pattern; a press tries once more")
    func accountProblems() {
        for category in [SessionFailure.Category.authentication, .quota] {
            var d = Driver()
            _ = d.press()
            let failed = d.ended(category, code: 1008)
            #expect(failed.started(.reconnect) == nil)
            #expect(failed.filter(\.isCore) == [.discardHeldMic])
            #expect(d.state == .error)
            #expect(d.light == .accountProblem)
            #expect(failed.contains { if case .log(.error, _) = $0 { true } else { false } })
            // Time passes: nothing is retried.
            d.wait(.seconds(3600))
            #expect(d.frames(3).isEmpty)
            _ = d.release()
            #expect(d.press().contains(.connect(session: 2, resumptionHandle: nil)))
        }
    }

    @Test("a configuration the server refuses is a fault, not retried")
    func configurationProblem() {
        var d = Driver()
        _ = d.press()
        _ = d.ended(.invalidRequest, code: 1007)
        #expect(d.state == .error)
        #expect(d.light == .fault)
    }

    @Test("goAway between turns reconnects at once, closing the old socket first")
    func goAwayIdle() {
        var d = Driver()
        d.startTalking()
        _ = d.send(.resumptionUpdate(handle: "g", resumable: true))
        _ = d.release()
        d.wait(.milliseconds(300))
        _ = d.core(.timer(.releaseTail))
        _ = d.turnComplete()
        #expect(d.state == .listening)
        let away = d.core(.goAway(timeLeft: .seconds(30)))
        #expect(away == [.closeSession, .connect(session: 2, resumptionHandle: "g")])
        #expect(d.light == .reconnecting)
    }

    @Test("goAway during a reply waits for the reply to end, or for the deadline")
    func goAwayDuringReply() {
        var d = Driver()
        d.startTalking()
        _ = d.send(.resumptionUpdate(handle: "g", resumable: true))
        _ = d.release()
        d.wait(.milliseconds(300))
        _ = d.core(.timer(.releaseTail))
        _ = d.audio()
        let away = d.send(.goAway(timeLeft: .seconds(10)))
        #expect(away.filter(\.isCore).isEmpty)
        #expect(away.started(.goAway) == d.now + .seconds(8))
        _ = d.turnComplete()
        let drained = d.core(.playbackDrained)
        #expect(drained == [.closeSession, .connect(session: 2, resumptionHandle: "g")])

        var late = Driver()
        late.startTalking()
        _ = late.core(.goAway(timeLeft: .seconds(10)))  // the user is talking
        late.wait(.seconds(8))
        #expect(late.core(.timer(.goAway)).contains(.closeSession))
    }

    @Test("events of a session that is no longer current are ignored")
    func staleSession() {
        var d = Driver()
        _ = d.press()
        #expect(d.core(.sessionOpened(session: 7)).isEmpty)
        #expect(d.state == .connecting)
        #expect(d.core(.sessionEnded(session: 7, SessionFailure(.retryable, message: "old"))).isEmpty)
        #expect(d.state == .connecting)
    }

    @Test("a lost microphone shows a fault and ends the turn; its return clears it")
    func captureLost() {
        var d = Driver()
        d.startTalking()
        let lost = d.send(.audioDevice(.lost(.capture)))
        #expect(lost.lights == [.fault])
        #expect(lost.started(.releaseTail) != nil)
        d.wait(.milliseconds(300))
        #expect(d.core(.timer(.releaseTail)) == [.sendActivityEnd])
        let back = d.send(.audioDevice(.restored(.capture)))
        #expect(back.lights == [.responding])
    }

    @Test("an audio engine that failed for good stops the daemon with an error status")
    func audioFailed() {
        var d = Driver()
        d.startTalking()
        let failed = d.core(.audioDevice(.failed("the speaker cannot be configured again")))
        #expect(failed.contains(.closeSession))
        #expect(failed.last == .stop(exitStatus: 1))
        #expect(d.state == .stopped)
        #expect(d.press().isEmpty)
    }

    @Test("SIGTERM: playback flushed, running tools cancelled, session closed, LED off, stop 0")
    func shutdown() {
        var d = Driver()
        d.startTalking()
        _ = d.release()
        d.wait(.milliseconds(300))
        _ = d.core(.timer(.releaseTail))
        _ = d.audio()
        _ = d.core(.toolCall([ToolCallRequest(id: "t1", name: "garage_door", arguments: [:])]))
        let stop = d.send(.shutdown)
        #expect(stop.filter(\.isCore) == [.flushPlayback, .closeSession, .cancelTool(id: "t1"), .stop(exitStatus: 0)])
        #expect(stop.lights == [.off])
        #expect(d.state == .stopped)
    }
}
