// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

public import Time
public import GPIO
public import Log
import Synchronization
import Threads

/// A status LED on a plain GPIO output, showing ``LEDPattern``s from one timer thread.
///
/// Every edge is scheduled from the pattern's start time (an absolute deadline on the monotonic clock),
/// so the blinking never drifts however long it runs. Tests skip ``start()`` and call ``update()`` after
/// moving a ``ManualClock``.
public final class StatusLED: Sendable {
    private struct State {
        var schedule = LEDSchedule()
        var lit: Bool?
        var next: Timestamp?
        var running = false
        var stopping = false
    }

    private let output: any GPIOOutputLine
    private let clock: any MonotonicClock
    private let logger: Logger
    private let state = Mutex(State())
    private let waiter = DeadlineWaiter()
    private let finished = Mutex<PlatformThread?>(nil)

    /// The line this LED is on.
    public var id: LineID { output.id }

    /// An LED on `output`, timed by `clock`. It shows ``LEDPattern/off`` until told otherwise.
    public init(output: any GPIOOutputLine, clock: any MonotonicClock, logger: Logger = .disabled) {
        self.output = output
        self.clock = clock
        self.logger = logger
    }

    /// Requests `address` as an output (initially dark) and wraps it.
    public static func request(
        _ address: LineAddress, on backend: any GPIOBackend, activeLow: Bool = false, clock: any MonotonicClock,
        logger: Logger = .disabled
    ) throws(GPIOError) -> StatusLED {
        let output = try backend.requestOutput(address, settings: OutputSettings(activeLow: activeLow, initialValue: false))
        return StatusLED(output: output, clock: clock, logger: logger)
    }

    /// Shows `pattern` from now on (an ``LEDPattern/ack`` flashes over the current pattern).
    public func set(_ pattern: LEDPattern) {
        let now = clock.now()
        state.withLock { $0.schedule.set(pattern, at: now) }
        update()
        waiter.signal()
    }

    /// The pattern showing now.
    public var pattern: LEDPattern {
        let now = clock.now()
        return state.withLock { $0.schedule.current(at: now) }
    }

    /// Drives the LED to the level its pattern has now and returns when it next changes. The timer thread
    /// calls this; tests call it after advancing a ``ManualClock``.
    @discardableResult
    public func update() -> Timestamp? {
        let now = clock.now()
        // The level is computed and driven under one lock, so a pattern change from another thread and the
        // timer thread's edge can never land in the wrong order (a stale "on" after "off").
        let (next, failure) = state.withLock { state -> (Timestamp?, GPIOError?) in
            let (on, next) = state.schedule.level(at: now)
            state.next = next
            guard state.lit != on else { return (next, nil) }
            state.lit = on
            do throws(GPIOError) {
                try output.set(on)
                return (next, nil)
            } catch {
                return (next, error)
            }
        }
        if let failure { logger.warning("status LED \(output.id): \(failure.message)") }
        return next
    }

    /// Starts the timer thread (once). It sleeps until the next edge's absolute deadline, or until the
    /// pattern changes.
    public func start() {
        let shouldStart = state.withLock { state -> Bool in
            guard !state.running else { return false }
            state.running = true
            return true
        }
        guard shouldStart else { return }
        let thread: PlatformThread
        do {
            thread = try PlatformThread(name: "lv-led") { [self] in
                while true {
                    let next = update()
                    if state.withLock({ $0.stopping }) { return }
                    waiter.wait(until: next.map(realDeadline))
                    if state.withLock({ $0.stopping }) { return }
                }
            }
        } catch {
            preconditionFailure(error.description)
        }
        finished.withLock { $0 = thread }
    }

    /// `deadline` on the real monotonic clock: itself for the system clock (no drift); for another clock,
    /// the same distance from now.
    private func realDeadline(_ deadline: Timestamp) -> Int64 {
        if clock is SystemMonotonicClock { return deadline.nanoseconds }
        let system = SystemMonotonicClock().now()
        return (system + (deadline - clock.now())).nanoseconds
    }

    /// Stops the timer thread and leaves the LED dark.
    public func stop() {
        state.withLock { $0.stopping = true }
        waiter.signal()
        let thread = finished.withLock { thread -> PlatformThread? in
            defer { thread = nil }
            return thread
        }
        thread?.join()
        do {
            try output.set(false)
        } catch {
            logger.warning("status LED \(output.id): \(error.message)")
        }
    }

    /// ``stop()``, then gives the line back, so it can be requested again at once (a reload).
    public func close() {
        stop()
        output.release()
    }
}
