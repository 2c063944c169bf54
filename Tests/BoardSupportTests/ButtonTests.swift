// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

import Time
import GPIO
import Testing

@testable import BoardSupport

private func ms(_ value: Int64) -> Timestamp { Timestamp(nanoseconds: value * 1_000_000) }

/// A button wired to ground with the pull-up on (the usual wiring): low is pressed.
private struct Rig {
    let clock = ManualClock()
    let board: SimulatedBoard
    let button: Button

    init(timing: ButtonTiming = ButtonTiming()) throws {
        board = SimulatedBoard(lines: [.init(name: "BUTTON")], clock: clock)
        button = try Button.request(.name("BUTTON"), on: board, activeLow: true, bias: .pullUp, timing: timing, clock: clock)
    }

    /// Plays physical levels (false = low = contact closed) at the given milliseconds.
    func play(_ levels: [(Int64, Bool)]) throws {
        for (at, high) in levels { try board.setLevel("BUTTON", high: high, at: ms(at)) }
    }

    /// Moves the clock to `at` ms and collects what the button reports.
    func poll(at: Int64) throws -> [ButtonEvent] {
        clock.advance(to: ms(at))
        return try button.poll(timeout: .zero)
    }
}

/// A press recorded from a cheap tactile switch: 5 bounces over 9 ms, then a release with 3 bounces.
private let bouncyPress: [(Int64, Bool)] = [
    (100, false), (101, true), (103, false), (104, true), (106, false), (109, true), (109, false),
    (400, true), (401, false), (404, true), (405, false), (407, true),
]

@Suite("button")
struct ButtonTests {
    @Test("a bouncy press and release give one press and one release, stamped when the contact settled")
    func debounce() throws {
        let rig = try Rig()
        try rig.play(Array(bouncyPress.prefix(7)))
        #expect(try rig.poll(at: 120) == [])  // settled at 109, not yet stable for 30 ms
        #expect(try rig.poll(at: 139) == [.pressed(at: ms(109))])
        #expect(rig.button.isPressed)
        try rig.play(Array(bouncyPress.suffix(5)))
        #expect(try rig.poll(at: 436) == [])
        #expect(try rig.poll(at: 437) == [.released(at: ms(407), heldFor: .milliseconds(298))])
        #expect(!rig.button.isPressed)
    }

    @Test("a late poll gives the same events as prompt ones")
    func latePoll() throws {
        let rig = try Rig()
        try rig.play(bouncyPress)
        #expect(
            try rig.poll(at: 5000) == [.pressed(at: ms(109)), .released(at: ms(407), heldFor: .milliseconds(298))])
    }

    @Test("glitches shorter than the debounce time are ignored")
    func glitch() throws {
        let rig = try Rig()
        try rig.play([(100, false), (110, true), (200, false), (229, true)])
        #expect(try rig.poll(at: 1000) == [])
    }

    @Test("a long press fires once at 1 s while held, and not for a shorter press")
    func longPress() throws {
        let rig = try Rig()
        try rig.play([(0, false)])
        #expect(try rig.poll(at: 30) == [.pressed(at: ms(0))])
        #expect(try rig.poll(at: 999) == [])
        #expect(try rig.poll(at: 1000) == [.longPress(at: ms(1000))])
        #expect(try rig.poll(at: 3000) == [])
        try rig.play([(3000, true)])
        #expect(try rig.poll(at: 3030) == [.released(at: ms(3000), heldFor: .milliseconds(3000))])

        // Released at 990 ms, seen only later: no long press.
        try rig.play([(5000, false), (5990, true)])
        #expect(try rig.poll(at: 7000) == [.pressed(at: ms(5000)), .released(at: ms(5990), heldFor: .milliseconds(990))])
    }

    @Test("a second press soon after a release is a double press; a slow one, a third, or one after a long press is not")
    func doublePress() throws {
        let rig = try Rig()
        try rig.play([(0, false), (100, true), (300, false), (400, true)])
        #expect(
            try rig.poll(at: 1000) == [
                .pressed(at: ms(0)), .released(at: ms(100), heldFor: .milliseconds(100)),
                .pressed(at: ms(300)), .doublePress(at: ms(300)), .released(at: ms(400), heldFor: .milliseconds(100)),
            ])
        // A third quick press is a plain press.
        try rig.play([(600, false), (700, true)])
        #expect(try rig.poll(at: 1000).contains(.doublePress(at: ms(600))) == false)
        // Too slow: 500 ms after the release.
        try rig.play([(2000, false), (2100, true), (2600, false), (2700, true)])
        #expect(try rig.poll(at: 3000).filter { if case .doublePress = $0 { true } else { false } }.isEmpty)
        // After a long press.
        try rig.play([(4000, false), (5200, true), (5300, false), (5400, true)])
        let events = try rig.poll(at: 6000)
        #expect(events.contains(.longPress(at: ms(5000))))
        #expect(events.filter { if case .doublePress = $0 { true } else { false } }.isEmpty)
    }

    @Test("a button held at start-up makes no press, and its release is reported")
    func heldAtStart() throws {
        let clock = ManualClock()
        let board = SimulatedBoard(lines: [.init(name: "BUTTON", level: false)], clock: clock)
        let button = try Button.request(.name("BUTTON"), on: board, clock: clock)
        #expect(button.isPressed)
        try board.setLevel("BUTTON", high: true, at: ms(50))
        clock.advance(to: ms(2000))
        #expect(try button.poll(timeout: .zero) == [.released(at: ms(50), heldFor: .milliseconds(50))])
    }

    @Test("custom timing: 10 ms debounce, 500 ms long press")
    func customTiming() throws {
        let rig = try Rig(timing: ButtonTiming(debounce: .milliseconds(10), longPress: .milliseconds(500)))
        try rig.play([(0, false)])
        #expect(try rig.poll(at: 10) == [.pressed(at: ms(0))])
        #expect(try rig.poll(at: 500) == [.longPress(at: ms(500))])
    }

    @Test("the event stream delivers debounced events from its own thread")
    func stream() async throws {
        let board = SimulatedBoard(lines: [.init(name: "BUTTON")], clock: SystemMonotonicClock())
        let button = try Button.request(
            .name("BUTTON"), on: board, timing: ButtonTiming(debounce: .milliseconds(1)), clock: SystemMonotonicClock())
        var iterator = button.events().makeAsyncIterator()
        try board.setLevel("BUTTON", high: false)
        let first = try await iterator.next()
        guard case .pressed = first else {
            Issue.record("expected a press, got \(String(describing: first))")
            return
        }
    }

    @Test("the state machine alone: next deadline follows debounce and long press")
    func deadlines() {
        var machine = ButtonStateMachine()
        #expect(machine.nextDeadline == nil)
        _ = machine.handle(EdgeEvent(kind: .rising, timestamp: ms(10), offset: 0, lineSequence: 1))
        #expect(machine.nextDeadline == ms(40))
        #expect(machine.advance(to: ms(40)) == [.pressed(at: ms(10))])
        #expect(machine.nextDeadline == ms(1010))
    }
}
