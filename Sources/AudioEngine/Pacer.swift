// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

import Time

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Blocking waits on the monotonic clock for the engine's own threads (never the cooperative pool).
enum ThreadClock {
    /// CLOCK_MONOTONIC in nanoseconds.
    @inline(__always) static func nanoseconds() -> UInt64 { SystemMonotonicClock.nanoseconds() }

    /// Sleeps until the monotonic clock reads `deadline` (ns); returns at once when it has passed.
    static func sleep(until deadline: UInt64) {
        var ts = timespec(tv_sec: Int(deadline / 1_000_000_000), tv_nsec: Int(deadline % 1_000_000_000))
        while clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, nil) == EINTR {}
    }

    /// Sleeps for `milliseconds`, waking every 50 ms to check `stop`; returns false when `stop` fired.
    static func sleep(milliseconds: Int, unless stop: () -> Bool) -> Bool {
        let end = nanoseconds() + UInt64(milliseconds) * 1_000_000
        while !stop() {
            let now = nanoseconds()
            if now >= end { return true }
            sleep(until: min(end, now + 50_000_000))
        }
        return false
    }
}

/// Keeps a loop at real-time speed with absolute deadlines, for devices with no clock of their own. Its
/// deadlines also stand in for the device clock: they are exact, where reading the clock after a wake-up
/// would add the scheduling jitter to the reference timeline.
struct Pacer {
    private let periodNanoseconds: UInt64
    private var next: UInt64 = 0

    init(frames: Int, sampleRate: Int) {
        periodNanoseconds = UInt64(frames) * 1_000_000_000 / UInt64(max(1, sampleRate))
    }

    /// Advances the schedule by one period and returns the new deadline, and whether the schedule
    /// restarted (first period, or a stall of more than ten periods: then it starts afresh instead of
    /// racing to catch up).
    mutating func advance() -> (deadline: UInt64, restarted: Bool) {
        let now = ThreadClock.nanoseconds()
        var restarted = false
        if next == 0 || now > next + 10 * periodNanoseconds {
            next = now
            restarted = true
        }
        next += periodNanoseconds
        return (next, restarted)
    }

    /// Sleeps until `deadline`.
    func wait(until deadline: UInt64) {
        ThreadClock.sleep(until: deadline)
    }
}
