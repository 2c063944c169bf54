// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

import Time
import Testing

@testable import GPIO

private func thrownError(_ body: () throws(GPIOError) -> Void) -> GPIOError? {
    do {
        try body()
        return nil
    } catch {
        return error
    }
}

@Suite("simulated board")
struct SimulatedBoardTests {
    let clock = ManualClock()

    func makeBoard() -> SimulatedBoard {
        SimulatedBoard(
            lines: [.init(name: "BUTTON"), .init(name: "LED"), .init(name: "RELAY"), .init(name: "DOOR", level: true)],
            clock: clock)
    }

    @Test("an unknown line lists the lines that exist, with a case-insensitive hint")
    func unknownLine() {
        let board = makeBoard()
        let error = thrownError { () throws(GPIOError) in _ = try board.requestOutput(.name("led"), settings: .init()) }
        #expect(error?.code == .lineNotFound)
        #expect(
            error?.message
                == "no GPIO line is named 'led'; did you mean 'LED'? (names are case-sensitive). Lines that exist: "
                + "BUTTON, LED, RELAY, DOOR")
        let offset = thrownError { () throws(GPIOError) in
            _ = try board.requestOutput(.chipOffset(chip: "gpiochip0", offset: 9), settings: .init())
        }
        #expect(offset?.message == "gpiochip0 has 4 lines (offsets 0 to 3); offset 9 does not exist")
    }

    @Test("a busy line names its consumer, and is free again once the handle is gone")
    func busy() throws {
        let board = makeBoard()
        try board.hold("RELAY", consumer: "gpioset")
        let held = thrownError { () throws(GPIOError) in _ = try board.requestOutput(.name("RELAY"), settings: .init()) }
        #expect(held?.code == .lineBusy)
        #expect(held?.message.hasPrefix("line RELAY (gpiochip0:2) is in use by 'gpioset'") == true)

        var led: (any GPIOOutputLine)? = try board.requestOutput(.name("LED"), settings: .init())
        #expect(try board.lineInfo(.name("LED")).consumer == "livevoiced")
        let twice = thrownError { () throws(GPIOError) in _ = try board.requestOutput(.name("LED"), settings: .init()) }
        #expect(twice?.message.hasPrefix("line LED (gpiochip0:1) is in use by 'livevoiced'") == true)
        _ = led
        led = nil
        #expect(try board.lineInfo(.name("LED")).isUsed == false)
        _ = try board.requestOutput(.name("LED"), settings: .init())
    }

    @Test("outputs record every level change with its time; active-low inverts the level")
    func outputHistory() throws {
        let board = makeBoard()
        let relay = try board.requestOutput(.name("RELAY"), settings: OutputSettings(activeLow: true))
        clock.advance(by: .milliseconds(100))
        try relay.set(true)
        #expect(try relay.value() == true)
        clock.advance(by: .milliseconds(250))
        try relay.set(true)  // no change, no entry
        try relay.set(false)
        #expect(
            try board.history("RELAY").map(\.description) == ["0.000s high", "0.100s low", "0.350s high"])
        #expect(try board.level("RELAY") == true)
    }

    @Test("inputs: bias, active-low, edge selection and timestamps")
    func inputs() throws {
        let board = makeBoard()
        let button = try board.requestInput(
            .name("BUTTON"), settings: InputSettings(bias: .pullUp, activeLow: true, edges: .both))
        #expect(try board.level("BUTTON") == true)  // the pull-up holds it high
        #expect(try button.value() == false)  // active-low: high is released
        try board.setLevel("BUTTON", high: false, at: Timestamp(nanoseconds: 5_000_000))
        try board.setLevel("BUTTON", high: false, at: Timestamp(nanoseconds: 6_000_000))  // no change, no event
        try board.setLevel("BUTTON", high: true, at: Timestamp(nanoseconds: 9_000_000))
        let events = try button.readEdgeEvents(timeout: .zero)
        #expect(events.map(\.kind) == [.rising, .falling])
        #expect(events.map(\.timestamp.nanoseconds) == [5_000_000, 9_000_000])
        #expect(events.map(\.lineSequence) == [1, 2])
        #expect(try button.readEdgeEvents(timeout: .zero).isEmpty)

        let door = try board.requestInput(.name("DOOR"), settings: InputSettings(edges: .falling))
        #expect(try door.value() == true)
        try board.setLevel("DOOR", high: false)
        try board.setLevel("DOOR", high: true)
        #expect(try door.readEdgeEvents(timeout: .zero).map(\.kind) == [.falling])
        let driveOutput = thrownError { () throws(GPIOError) in
            let led = try board.requestOutput(.name("LED"), settings: .init())
            _ = led
            try board.setLevel("LED", high: true)
        }
        #expect(driveOutput?.code == .wrongDirection)
    }

    @Test("a blocked read returns when an edge arrives from another thread, or when woken")
    func blockingRead() async throws {
        let board = makeBoard()
        let button = try board.requestInput(.name("BUTTON"), settings: InputSettings(edges: .both))
        let reader = Task.detached { try button.readEdgeEvents(timeout: nil) }
        try board.setLevel("BUTTON", high: true)
        let events = try await reader.value
        #expect(events.count == 1)
        let idle = Task.detached { try button.readEdgeEvents(timeout: nil) }
        button.wake()
        #expect(try await idle.value.isEmpty)
    }

    @Test("the board lists itself like a chip")
    func chips() throws {
        let board = SimulatedBoard.raspberryPiHeader(clock: clock)
        let chips = try board.chips()
        #expect(chips.count == 1)
        #expect(chips[0].lines.count == 28)
        #expect(chips[0].lines[17].id.name == "GPIO17")
    }
}

@Suite("manual clock")
struct ManualClockTests {
    @Test("sleepers wake when the clock passes their deadline, in order; past deadlines return at once")
    func sleepers() async throws {
        let clock = ManualClock()
        try await clock.sleep(until: .zero)
        let late = Task { try await clock.sleep(until: Timestamp(nanoseconds: 200)) }
        let early = Task { try await clock.sleep(until: Timestamp(nanoseconds: 100)) }
        await clock.waitForSleepers(2)
        clock.advance(by: .nanoseconds(150))
        try await early.value
        #expect(clock.sleeperCount == 1)
        clock.advance(by: .nanoseconds(50))
        try await late.value
        #expect(clock.sleeperCount == 0)
    }

    @Test("a cancelled sleeper throws CancellationError")
    func cancel() async {
        let clock = ManualClock()
        let sleeper = Task { try await clock.sleep(until: Timestamp(nanoseconds: 1_000)) }
        await clock.waitForSleepers(1)
        sleeper.cancel()
        await #expect(throws: CancellationError.self) { try await sleeper.value }
        #expect(clock.sleeperCount == 0)
    }
}

@Suite("Releasing lines")
struct LineReleaseTests {
    @Test("a released line can be requested again at once, while the old handle still exists; it then refuses calls")
    func releaseThenRequest() throws {
        let board = SimulatedBoard(lines: [.init(name: "LAMP"), .init(name: "KEY")], clock: ManualClock())
        let output = try board.requestOutput(.name("LAMP"), settings: OutputSettings(initialValue: true))
        let input = try board.requestInput(.name("KEY"), settings: InputSettings(edges: .both))
        #expect(throws: GPIOError.self) { _ = try board.requestOutput(.name("LAMP"), settings: OutputSettings()) }
        output.release()
        input.release()
        output.release()  // idempotent
        let again = try board.requestOutput(.name("LAMP"), settings: OutputSettings(initialValue: false))
        let key = try board.requestInput(.name("KEY"), settings: InputSettings(edges: .both))
        #expect(try again.value() == false)
        #expect(try key.value() == false)
        do {
            try output.set(true)
            Issue.record("a released output took a value")
        } catch {
            #expect(error.code == .released)
        }
        #expect(throws: GPIOError.self) { _ = try input.readEdgeEvents(timeout: .zero) }
        #expect(try board.level("LAMP") == false, "the old handle did not drive the new request")
    }
}
