// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

public import Time
public import GPIO
import Synchronization
import Threads

/// A push button on a GPIO input: kernel edge events (with the kernel's debounce), debounced again in
/// software by a ``ButtonStateMachine``, timed by an injectable clock.
///
/// Either call ``poll(timeout:)`` yourself (tests, `livevoiced gpio watch`), or take ``events()``, which
/// runs the loop on its own thread until the stream is dropped.
public final class Button: Sendable {
    private let line: any GPIOInputLine
    private let clock: any MonotonicClock
    private let machine: Mutex<ButtonStateMachine>
    /// The thread of ``events()`` and its stop flag, while it runs.
    private let reader = Mutex<(thread: PlatformThread, stop: StopFlag)?>(nil)

    /// The line this button is on.
    public var id: LineID { line.id }

    /// A button on `line`, which must have been requested with edge detection on both edges.
    public init(line: any GPIOInputLine, timing: ButtonTiming = ButtonTiming(), clock: any MonotonicClock) throws(GPIOError) {
        self.line = line
        self.clock = clock
        let pressed = try line.value()
        machine = Mutex(ButtonStateMachine(timing: timing, pressed: pressed, at: clock.now()))
    }

    /// Requests `address` as a button input (both edges, kernel debounce from `timing`) and wraps it.
    /// A button to ground with the pull-up on is `activeLow: true, bias: .pullUp` (the usual wiring).
    public static func request(
        _ address: LineAddress, on backend: any GPIOBackend, activeLow: Bool = true, bias: LineBias = .pullUp,
        timing: ButtonTiming = ButtonTiming(), clock: any MonotonicClock
    ) throws(GPIOError) -> Button {
        let line = try backend.requestInput(
            address,
            settings: InputSettings(bias: bias, activeLow: activeLow, edges: .both, kernelDebounce: timing.kernelDebounce))
        return try Button(line: line, timing: timing, clock: clock)
    }

    /// Whether the button is down (debounced).
    public var isPressed: Bool { machine.withLock { $0.isPressed } }

    /// Waits up to `timeout` (nil: until something happens) for edges, or less when a debounce or long
    /// press deadline comes first; returns the debounced events that became due. `.zero` never blocks.
    public func poll(timeout: Duration?) throws(GPIOError) -> [ButtonEvent] {
        var wait = timeout
        if let deadline = machine.withLock({ $0.nextDeadline }) {
            let untilDeadline = max(.zero, deadline - clock.now())
            wait = wait.map { min($0, untilDeadline) } ?? untilDeadline
        }
        let edges = try line.readEdgeEvents(timeout: wait)
        let now = clock.now()
        return machine.withLock { machine in
            var events: [ButtonEvent] = []
            var latest = now
            for edge in edges {
                events += machine.handle(edge)
                latest = max(latest, edge.timestamp)
            }
            events += machine.advance(to: latest)
            return events
        }
    }

    /// Makes a blocked ``poll(timeout:)`` return now.
    public func wake() { line.wake() }

    /// Debounced events from a dedicated thread (`lv-button`), until the consumer stops iterating, ``close()``
    /// is called, or a GPIO error ends the stream (as its error). At most 256 events wait for a slow
    /// consumer (the newest are kept). One stream at a time.
    public func events() -> AsyncThrowingStream<ButtonEvent, any Error> {
        let (stream, continuation) = AsyncThrowingStream<ButtonEvent, any Error>.makeStream(bufferingPolicy: .bufferingNewest(256))
        let stop = StopFlag()
        continuation.onTermination = { [line] _ in
            stop.raise()
            line.wake()
        }
        do {
            let thread = try PlatformThread(name: "lv-button") { [self] in
                while !stop.isRaised {
                    do {
                        for event in try poll(timeout: nil) { continuation.yield(event) }
                    } catch {
                        continuation.finish(throwing: error)
                        return
                    }
                }
                continuation.finish()
            }
            let previous = reader.withLock { reader -> (thread: PlatformThread, stop: StopFlag)? in
                defer { reader = (thread, stop) }
                return reader
            }
            previous?.stop.raise()
        } catch {
            continuation.finish(throwing: error)
        }
        return stream
    }

    /// Stops the thread of ``events()``, waits for it to end (its stream finishes), and gives the line
    /// back, so it can be requested again at once (a reload). Idempotent.
    public func close() {
        if let current = reader.withLock({ reader -> (thread: PlatformThread, stop: StopFlag)? in
            defer { reader = nil }
            return reader
        }) {
            current.stop.raise()
            line.wake()
            current.thread.join()
        }
        line.release()
    }
}
