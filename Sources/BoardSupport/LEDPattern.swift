// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

public import Time
import GPIO

/// What the status LED shows, one named state per pattern.
public enum LEDPattern: String, Sendable, Equatable, CaseIterable {
    /// Dark.
    case off
    /// Lit.
    case on
    /// 500 ms on, 500 ms off (e.g. connecting).
    case slowBlink = "slow-blink"
    /// 100 ms on, 100 ms off (e.g. an error).
    case fastBlink = "fast-blink"
    /// Breathing: brightness rises and falls over 2 s, by software PWM at 100 Hz (10 ms frames, 1 ms
    /// steps), so a plain GPIO does it without PWM hardware (e.g. listening).
    case pulse
    /// Two 80 ms flashes, then back to the pattern before it (e.g. "heard you").
    case ack
    /// A steady low glow: 1 ms of every 10 ms, by software PWM (e.g. a session waits for the user).
    case dim
    /// Two 100 ms flashes a second (e.g. reconnecting).
    case doubleBlink = "double-blink"
    /// One 80 ms flash every 2 s.
    case heartbeat
    /// One 100 ms flash a second (e.g. a session waits for the user): alive, and only two edges a second.
    case beacon
    /// 250 ms on, 250 ms off (e.g. the model replies).
    case blink
    /// One 100 ms flash every 3 s (e.g. no network).
    case sparse
    /// Three 100 ms flashes, then a pause, every 2 s (e.g. a device or setting problem).
    case tripleBlink = "triple-blink"

    /// Whether the pattern ends by itself (only ``ack`` does).
    public var isTransient: Bool { self == .ack }

    /// PWM frame of ``pulse``.
    static let pulseFrame: Int64 = 10_000_000
    /// Frames in one breath of ``pulse`` (2 s).
    static let pulseFramesPerCycle: Int64 = 200
    /// Length of ``ack``.
    static let ackLength: Int64 = 240_000_000

    /// How long ``ack`` lasts.
    public static var ackDuration: Duration { .nanoseconds(ackLength) }

    /// The LED's level `elapsed` nanoseconds after the pattern started, and the elapsed time of the next
    /// change (nil: it never changes again, or for ``ack``, it has ended). Pure: schedules are computed from
    /// the pattern's start, so they never drift.
    public func level(at elapsed: Int64) -> (on: Bool, nextChange: Int64?) {
        let elapsed = max(0, elapsed)
        switch self {
        case .off: return (false, nil)
        case .on: return (true, nil)
        case .slowBlink: return Self.square(elapsed, half: 500_000_000)
        case .fastBlink: return Self.square(elapsed, half: 100_000_000)
        case .ack:
            let step: Int64 = 80_000_000
            guard elapsed < Self.ackLength else { return (false, nil) }
            let index = elapsed / step
            return (index != 1, (index + 1) * step)
        case .dim:
            let phase = elapsed % Self.pulseFrame
            let frameStart = elapsed - phase
            return phase < 1_000_000 ? (true, frameStart + 1_000_000) : (false, frameStart + Self.pulseFrame)
        case .doubleBlink:
            return Self.sequence(elapsed, [100, 100, 100, 700])
        case .heartbeat:
            return Self.sequence(elapsed, [80, 1920])
        case .beacon:
            return Self.sequence(elapsed, [100, 900])
        case .blink:
            return Self.square(elapsed, half: 250_000_000)
        case .sparse:
            return Self.sequence(elapsed, [100, 2900])
        case .tripleBlink:
            return Self.sequence(elapsed, [100, 100, 100, 100, 100, 1500])
        case .pulse:
            let on = Self.pulseLevel(elapsed)
            // Step over frame boundaries and duty edges until the level differs (at most a few frames).
            var candidate = elapsed
            for _ in 0..<(2 * Self.pulseFramesPerCycle) {
                let frameStart = candidate / Self.pulseFrame * Self.pulseFrame
                let dutyEnd = frameStart + Self.pulseDuty(frameStart / Self.pulseFrame)
                candidate = dutyEnd > candidate ? dutyEnd : frameStart + Self.pulseFrame
                if Self.pulseLevel(candidate) != on { return (on, candidate) }
            }
            return (on, nil)
        }
    }

    /// A repeating on/off sequence of durations in milliseconds, starting lit.
    private static func sequence(_ elapsed: Int64, _ steps: [Int64]) -> (on: Bool, nextChange: Int64?) {
        let cycle = steps.reduce(0, +) * 1_000_000
        let cycleStart = elapsed / cycle * cycle
        var position = cycleStart
        for (index, step) in steps.enumerated() {
            position += step * 1_000_000
            if elapsed < position { return (index % 2 == 0, position) }
        }
        return (true, cycleStart + cycle + steps[0] * 1_000_000)
    }

    private static func square(_ elapsed: Int64, half: Int64) -> (on: Bool, nextChange: Int64?) {
        let index = elapsed / half
        return (index % 2 == 0, (index + 1) * half)
    }

    /// The on-time of PWM frame `frame`, in nanoseconds: a triangle from 0 to a full frame and back.
    static func pulseDuty(_ frame: Int64) -> Int64 {
        let position = frame % pulseFramesPerCycle
        let half = pulseFramesPerCycle / 2
        let rising = position < half ? position : pulseFramesPerCycle - position
        let steps = (rising * 10 + half / 2) / half  // 0...10 steps of 1 ms
        return steps * 1_000_000
    }

    static func pulseLevel(_ elapsed: Int64) -> Bool {
        let frame = elapsed / pulseFrame
        return elapsed - frame * pulseFrame < pulseDuty(frame)
    }
}

/// Which pattern shows, and since when: a base pattern plus an ``LEDPattern/ack`` laid over it. Pure, so
/// the LED's timing is tested with exact times.
public struct LEDSchedule: Sendable, Equatable {
    /// The lasting pattern.
    public private(set) var base: LEDPattern = .off
    /// When the base pattern started.
    public private(set) var baseStart: Timestamp = .zero
    /// When an ack overlay started, while it shows.
    public private(set) var ackStart: Timestamp?

    /// A schedule showing ``LEDPattern/off``.
    public init() {}

    /// Switches to `pattern` at `now`. An ack overlays the current pattern, which keeps its phase.
    public mutating func set(_ pattern: LEDPattern, at now: Timestamp) {
        if pattern.isTransient {
            ackStart = now
        } else if pattern != base {
            base = pattern
            baseStart = now
        }
    }

    /// The pattern showing at `now`.
    public func current(at now: Timestamp) -> LEDPattern {
        if let ackStart, now - ackStart < LEDPattern.ackDuration { return .ack }
        return base
    }

    /// The level at `now` and when it next changes (absolute), or nil if it stays.
    public mutating func level(at now: Timestamp) -> (on: Bool, next: Timestamp?) {
        if let start = ackStart {
            let (on, next) = LEDPattern.ack.level(at: (now - start).nanosecondsClamped)
            if let next { return (on, start + .nanoseconds(next)) }
            ackStart = nil
        }
        let (on, next) = base.level(at: (now - baseStart).nanosecondsClamped)
        return (on, next.map { baseStart + .nanoseconds($0) })
    }
}
