// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

@testable import GeminiLive
import Testing

/// The session's state machine fed events, checking what it answers (no transport, no network).
@Suite("Session state machine")
struct SessionStateMachineTests {
    @Test("nothing may be sent before setupComplete; the first one makes the session ready")
    func setup() {
        var machine = SessionStateMachine()
        #expect(machine.willSend() == .refuse("the session is not ready: wait for setupComplete (connect returns after it)"))
        #expect(machine.clientMessagesSent == 0)
        let ready = machine.received(LiveServerMessage(setupComplete: LiveServerSetupComplete(sessionId: "s-1")))
        #expect(ready == .becameReady)
        #expect(machine.phase == .ready)
        #expect(machine.sessionId == "s-1")
        #expect(machine.willSend() == .send)
        #expect(machine.willSend() == .send)
        #expect(machine.clientMessagesSent == 2)
    }

    @Test("a repeated setupComplete and an unknown message are skipped; content is delivered")
    func skipping() {
        var machine = SessionStateMachine()
        _ = machine.received(LiveServerMessage(setupComplete: LiveServerSetupComplete()))
        #expect(machine.received(LiveServerMessage(setupComplete: LiveServerSetupComplete())) == .skip)
        #expect(machine.received(LiveServerMessage()) == .skip)
        #expect(machine.received(LiveServerMessage(serverContent: LiveServerContent(turnComplete: true))) == .deliver)
    }

    @Test("only resumable handles are kept, the newest wins; goAway is remembered")
    func resumptionAndGoAway() {
        var machine = SessionStateMachine()
        _ = machine.received(LiveServerMessage(setupComplete: LiveServerSetupComplete()))
        _ = machine.received(LiveServerMessage(sessionResumptionUpdate: LiveServerSessionResumptionUpdate(newHandle: "h1", resumable: true)))
        _ = machine.received(LiveServerMessage(sessionResumptionUpdate: LiveServerSessionResumptionUpdate(newHandle: "h2", resumable: false)))
        _ = machine.received(LiveServerMessage(sessionResumptionUpdate: LiveServerSessionResumptionUpdate(newHandle: "", resumable: true)))
        #expect(machine.resumptionHandle == "h1")
        _ = machine.received(LiveServerMessage(sessionResumptionUpdate: LiveServerSessionResumptionUpdate(newHandle: "h3", resumable: true)))
        #expect(machine.resumptionHandle == "h3")
        #expect(machine.received(LiveServerMessage(goAway: LiveServerGoAway(timeLeft: "10s"))) == .deliver)
        #expect(machine.goAway?.timeLeftDuration == .seconds(10))
    }

    @Test("once closed, sends are refused with the reason; a second close keeps the first reason")
    func closed() {
        var machine = SessionStateMachine()
        _ = machine.received(LiveServerMessage(setupComplete: LiveServerSetupComplete()))
        machine.closed(error: "server closed the connection (code 1011)")
        machine.closed(error: nil)
        #expect(machine.isClosed)
        #expect(machine.willSend() == .refuse("the session is closed: server closed the connection (code 1011)"))
        var local = SessionStateMachine()
        local.closed(error: nil)
        #expect(local.willSend() == .refuse("the session is closed"))
    }
}
