// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

import CSysShims

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A named POSIX thread, outside Swift concurrency (the audio threads must never wait on the cooperative
/// pool). Joined explicitly with ``join()``.
final class EngineThread: @unchecked Sendable {
    // @unchecked Sendable: `thread` is written once in init; `join()` is called only by the engine's
    // stop(), which runs once (the engine's state lock hands the threads out exactly once).
    let name: String
    private var thread = pthread_t()
    private var joined = false

    /// Starts `body` on a new thread called `name` (at most 15 characters are kept).
    init(name: String, body: @escaping @Sendable () -> Void) throws(AudioEngineError) {
        self.name = name
        let box = Unmanaged.passRetained(Body(name: name, run: body)).toOpaque()
        let result = pthread_create(&thread, nil, { raw in
            let body = Unmanaged<Body>.fromOpaque(raw!).takeRetainedValue()
            _ = body.name.withCString { csys_set_thread_name($0) }
            body.run()
            return nil
        }, box)
        if result != 0 {
            Unmanaged<Body>.fromOpaque(box).release()
            throw AudioEngineError(.system, "cannot start the \(name) thread: pthread_create returned \(result)")
        }
    }

    /// Waits for the thread to end (once).
    func join() {
        guard !joined else { return }
        joined = true
        pthread_join(thread, nil)
    }

    /// What a new thread runs; handed to exactly one thread, which releases it.
    private final class Body: @unchecked Sendable {
        let name: String
        let run: @Sendable () -> Void
        init(name: String, run: @escaping @Sendable () -> Void) {
            self.name = name
            self.run = run
        }
    }
}

/// Clock helpers for the audio threads (no allocation).
enum Clock {
    /// CLOCK_MONOTONIC in nanoseconds.
    @inline(__always) static func nanoseconds() -> UInt64 { csys_monotonic_ns() }

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
        let now = Clock.nanoseconds()
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
        Clock.sleep(until: deadline)
    }
}
