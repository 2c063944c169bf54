// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

import Time
import GPIO
import Testing

@testable import BoardSupport

private func ms(_ value: Int64) -> Timestamp { Timestamp(nanoseconds: value * 1_000_000) }

private struct Rig {
    let clock = ManualClock()
    let board: SimulatedBoard
    let led: StatusLED

    init(activeLow: Bool = false) throws {
        board = SimulatedBoard(lines: [.init(name: "LED")], clock: clock)
        led = try StatusLED.request(.name("LED"), on: board, activeLow: activeLow, clock: clock)
    }

    /// Runs the LED as its timer thread would, jumping from deadline to deadline, up to `end` ms.
    func run(until end: Int64) {
        while let next = led.update(), next <= ms(end) { clock.advance(to: next) }
        clock.advance(to: ms(end))
        led.update()
    }

    /// (ms, high) for every change after the initial state.
    func changes() throws -> [(Int64, Bool)] {
        try board.history("LED").dropFirst().map { ($0.time.nanoseconds / 1_000_000, $0.level) }
    }
}

@Suite("status LED")
struct StatusLEDTests {
    @Test("slow and fast blink switch at exact half-periods")
    func blink() throws {
        let rig = try Rig()
        rig.led.set(.slowBlink)
        rig.run(until: 2100)
        #expect(try rig.changes().map(\.0) == [0, 500, 1000, 1500, 2000])
        #expect(try rig.changes().map(\.1) == [true, false, true, false, true])
        rig.led.set(.fastBlink)
        rig.run(until: 2450)
        // Already lit at 2100 (the slow blink's on phase), so the fast blink's first change is at 2200.
        #expect(try rig.changes().suffix(4).map(\.0) == [2000, 2200, 2300, 2400])
    }

    @Test("no drift: after an hour of fast blinking the edges are still on the 100 ms grid")
    func noDrift() throws {
        let rig = try Rig()
        rig.clock.advance(to: ms(7))
        rig.led.set(.fastBlink)
        rig.run(until: 3_600_007)
        let changes = try rig.changes()
        #expect(changes.count == 36_001)
        #expect(changes.allSatisfy { ($0.0 - 7) % 100 == 0 })
        #expect(changes.last?.0 == 3_600_007)
    }

    @Test("an ack flashes twice over the current pattern, which keeps its phase")
    func ack() throws {
        let rig = try Rig()
        rig.led.set(.slowBlink)
        rig.run(until: 1200)  // on since 1000
        rig.led.set(.ack)
        #expect(rig.led.pattern == .ack)
        rig.run(until: 1600)
        #expect(rig.led.pattern == .slowBlink)
        // Ack: on (already on) 1200-1280, off 1280-1360, on 1360-1440; then the blink's own phase: on until 1500.
        #expect(try rig.changes().suffix(3).map(\.0) == [1280, 1360, 1500])
        #expect(try rig.changes().suffix(3).map(\.1) == [false, true, false])
    }

    @Test("on, off and active-low")
    func steady() throws {
        let rig = try Rig(activeLow: true)
        #expect(try rig.board.level("LED") == true)  // dark = high when active-low
        rig.led.set(.on)
        #expect(try rig.board.level("LED") == false)
        #expect(rig.led.update() == nil)
        rig.led.set(.off)
        #expect(try rig.board.level("LED") == true)
    }

    @Test("pulse: software PWM in 10 ms frames whose duty rises and falls over 2 s")
    func pulse() throws {
        let rig = try Rig()
        rig.led.set(.pulse)
        rig.run(until: 4000)
        // On-time per 100 ms window, from the recorded edges.
        let changes = try rig.changes()
        func onTime(from start: Int64, to end: Int64) -> Int64 {
            var total: Int64 = 0
            var level = false
            var since: Int64 = 0
            for (time, high) in changes where time <= end {
                if level { total += max(0, min(time, end) - max(since, start)) }
                level = high
                since = time
            }
            if level { total += max(0, end - max(since, start)) }
            return total
        }
        #expect(onTime(from: 0, to: 100) == 5)  // frames 0-9: duty 0 ms x5, 1 ms x5
        #expect(onTime(from: 950, to: 1050) == 100)  // at the peak the LED is on all the time
        #expect(onTime(from: 0, to: 2000) == onTime(from: 2000, to: 4000))  // each breath the same
        // Half brightness on average: 2 x (0+...+9 ms, ten frames each, minus rounding) + 10 ms at the peak.
        #expect(onTime(from: 0, to: 2000) == 1010)
    }

    @Test("pattern levels are pure functions of the time since the pattern started")
    func pureLevels() {
        #expect(LEDPattern.slowBlink.level(at: 0) == (true, 500_000_000))
        #expect(LEDPattern.slowBlink.level(at: 500_000_000) == (false, 1_000_000_000))
        #expect(LEDPattern.ack.level(at: 250_000_000) == (false, nil))
        #expect(LEDPattern.off.level(at: 123) == (false, nil))
    }

    @Test("the daemon's status patterns: dim, double blink, heartbeat, triple blink; each distinct over 2 s")
    func statusPatterns() {
        let ms: Int64 = 1_000_000
        #expect(LEDPattern.dim.level(at: 0) == (true, 1 * ms))
        #expect(LEDPattern.dim.level(at: 5 * ms) == (false, 10 * ms))
        #expect(LEDPattern.doubleBlink.level(at: 0) == (true, 100 * ms))
        #expect(LEDPattern.doubleBlink.level(at: 150 * ms) == (false, 200 * ms))
        #expect(LEDPattern.doubleBlink.level(at: 250 * ms) == (true, 300 * ms))
        #expect(LEDPattern.doubleBlink.level(at: 500 * ms) == (false, 1000 * ms))
        #expect(LEDPattern.doubleBlink.level(at: 1050 * ms) == (true, 1100 * ms))
        #expect(LEDPattern.heartbeat.level(at: 10 * ms) == (true, 80 * ms))
        #expect(LEDPattern.heartbeat.level(at: 100 * ms) == (false, 2000 * ms))
        #expect(LEDPattern.tripleBlink.level(at: 450 * ms) == (true, 500 * ms))
        #expect(LEDPattern.tripleBlink.level(at: 600 * ms) == (false, 2000 * ms))
        // Sampled every millisecond for 2 s, no two patterns look the same.
        func trace(_ pattern: LEDPattern) -> [Bool] { stride(from: 0, to: 2000, by: 1).map { pattern.level(at: Int64($0) * ms).on } }
        let patterns = LEDPattern.allCases.filter { !$0.isTransient }
        let traces = patterns.map(trace)
        #expect(Set(traces.map { $0.description }).count == patterns.count)
    }

    @Test("the timer thread runs the pattern and stop() leaves the LED dark")
    func timerThread() async throws {
        let board = SimulatedBoard(lines: [.init(name: "LED")], clock: SystemMonotonicClock())
        let led = try StatusLED.request(.name("LED"), on: board, clock: SystemMonotonicClock())
        led.start()
        led.set(.fastBlink)
        for _ in 0..<200 where try board.history("LED").count < 3 {
            try await Task.sleep(for: .milliseconds(10))
        }
        led.stop()
        #expect(try board.history("LED").count >= 3)
        #expect(try board.level("LED") == false)
    }
}
