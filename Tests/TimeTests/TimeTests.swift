// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

import Testing
import Time

@Suite("Time")
struct TimeTests {
    @Test("timestamps add, subtract and compare, saturating instead of trapping")
    func arithmetic() {
        let start = Timestamp(nanoseconds: 1_000_000_000)
        #expect(start + .milliseconds(250) == Timestamp(nanoseconds: 1_250_000_000))
        #expect(start - .milliseconds(250) == Timestamp(nanoseconds: 750_000_000))
        #expect((start + .seconds(2)) - start == .seconds(2))
        #expect(start < start + .nanoseconds(1))
        #expect(Timestamp(nanoseconds: .max - 5) + .seconds(10) == Timestamp(nanoseconds: .max))
        #expect(Timestamp(nanoseconds: .min + 5) - .seconds(10) == Timestamp(nanoseconds: .min))
        #expect(Timestamp(nanoseconds: .max) - Timestamp(nanoseconds: .min) == .nanoseconds(Int64.max))
        #expect(Duration.seconds(Int64.max).nanosecondsClamped == .max)
        #expect(Duration.milliseconds(1500).milliseconds == 1500)
        #expect(Timestamp(nanoseconds: 12_345_000_000).description == "12.345s")
    }

    @Test("the system clock moves forward")
    func systemClock() {
        let clock = SystemMonotonicClock()
        let first = clock.now()
        var later = clock.now()
        while later == first { later = clock.now() }
        #expect(later > first)
        #expect(SystemMonotonicClock.nanoseconds() >= UInt64(later.nanoseconds))
    }

    @Test("a manual clock wakes sleepers in deadline order only when advanced past them")
    func manualClock() async throws {
        let clock = ManualClock(start: Timestamp(nanoseconds: 0))
        let order = OrderLog()
        let early = Task {
            try await clock.sleep(until: Timestamp(nanoseconds: 0) + .milliseconds(10))
            await order.append("early")
        }
        let late = Task {
            try await clock.sleep(until: Timestamp(nanoseconds: 0) + .milliseconds(20))
            await order.append("late")
        }
        await clock.waitForSleepers(2)
        clock.advance(by: .milliseconds(5))
        #expect(clock.sleeperCount == 2)
        clock.advance(by: .milliseconds(10))
        try await early.value
        #expect(await order.entries == ["early"])
        clock.advance(by: .milliseconds(10))
        try await late.value
        #expect(await order.entries == ["early", "late"])
        #expect(clock.now() == Timestamp(nanoseconds: 25_000_000))
    }

    @Test("a cancelled sleep on a manual clock throws")
    func manualCancel() async {
        let clock = ManualClock()
        let sleeper = Task { try await clock.sleep(until: Timestamp(nanoseconds: 1_000_000_000)) }
        await clock.waitForSleepers(1)
        sleeper.cancel()
        await #expect(throws: CancellationError.self) { try await sleeper.value }
        #expect(clock.sleeperCount == 0)
    }
}

private actor OrderLog {
    var entries: [String] = []
    func append(_ entry: String) { entries.append(entry) }
}
