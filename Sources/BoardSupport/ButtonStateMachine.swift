// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

public import Time
public import GPIO

/// How a button is debounced and when a hold or a second press counts.
public struct ButtonTiming: Sendable, Equatable {
    /// A level counts only once the contact has stayed there this long (software, on top of the kernel's).
    public var debounce: Duration
    /// Held this long, the press is also a long press.
    public var longPress: Duration
    /// A press that starts within this time after the previous release is a double press.
    public var doublePressWindow: Duration
    /// The debounce asked of the kernel (hardware where the driver has it); nil for none.
    public var kernelDebounce: Duration?

    /// Timing with the defaults: 30 ms debounce, 1 s long press, 400 ms double-press window, 5 ms in the kernel.
    public init(
        debounce: Duration = .milliseconds(30), longPress: Duration = .seconds(1),
        doublePressWindow: Duration = .milliseconds(400), kernelDebounce: Duration? = .milliseconds(5)
    ) {
        self.debounce = debounce
        self.longPress = longPress
        self.doublePressWindow = doublePressWindow
        self.kernelDebounce = kernelDebounce
    }
}

/// What a debounced button did.
public enum ButtonEvent: Sendable, Equatable, CustomStringConvertible {
    /// The button went down (stamped when the contact settled).
    case pressed(at: Timestamp)
    /// The button came up after being held for `heldFor`.
    case released(at: Timestamp, heldFor: Duration)
    /// The button has been held for the long-press time (once per press, while it is still down).
    case longPress(at: Timestamp)
    /// This press started soon enough after the previous release (follows that press's `pressed`).
    case doublePress(at: Timestamp)

    /// When it happened.
    public var time: Timestamp {
        switch self {
        case .pressed(let at), .released(let at, _), .longPress(let at), .doublePress(let at): at
        }
    }

    public var description: String {
        switch self {
        case .pressed(let at): "\(at) pressed"
        case .released(let at, let held): "\(at) released (held \(held.milliseconds) ms)"
        case .longPress(let at): "\(at) long press"
        case .doublePress(let at): "\(at) double press"
        }
    }
}

/// Turns raw edges into debounced button events. A value type with no I/O and no clock of its own:
/// feed it edges with ``handle(_:)`` and the time with ``advance(to:)``, and it answers with events, so
/// tests drive it exactly.
///
/// Debounce: a level counts once the contact has stayed at it for `debounce` (every bounce restarts the
/// wait); the event is stamped with the time the contact settled. Edges are processed in timestamp order,
/// so a late poll gives the same events as a prompt one.
public struct ButtonStateMachine: Sendable {
    /// The timing in use.
    public let timing: ButtonTiming
    private var rawActive: Bool
    private var rawChangedAt: Timestamp
    private var stableActive: Bool
    private var pressedAt: Timestamp?
    private var longPressFired = false
    private var lastRelease: Timestamp?
    private var lastPressWasLong = false
    private var lastPressWasDouble = false

    /// A button that is `pressed` (or not) at `time`; no event is made for that starting state.
    public init(timing: ButtonTiming = ButtonTiming(), pressed: Bool = false, at time: Timestamp = .zero) {
        self.timing = timing
        rawActive = pressed
        rawChangedAt = time
        stableActive = pressed
        pressedAt = pressed ? time : nil
        longPressFired = pressed  // a button already down at start never makes a long press
    }

    /// Whether the button is down, after debouncing.
    public var isPressed: Bool { stableActive }

    /// When ``advance(to:)`` next has something to do (a debounce wait ending, a long press), or nil.
    public var nextDeadline: Timestamp? {
        var deadline: Timestamp?
        if rawActive != stableActive { deadline = rawChangedAt + timing.debounce }
        if let long = longPressDeadline { deadline = deadline.map { min($0, long) } ?? long }
        return deadline
    }

    private var longPressDeadline: Timestamp? {
        guard stableActive, !longPressFired, let pressedAt else { return nil }
        let deadline = pressedAt + timing.longPress
        // Released (not yet debounced) before the deadline: that press was short.
        if !rawActive, rawChangedAt < deadline { return nil }
        return deadline
    }

    /// Feeds one edge (kernel timestamp); returns the events that became due up to it.
    public mutating func handle(_ edge: EdgeEvent) -> [ButtonEvent] {
        let events = advance(to: edge.timestamp)
        if edge.isActive != rawActive {
            rawActive = edge.isActive
            rawChangedAt = edge.timestamp
        }
        return events
    }

    /// Lets time pass up to `now`; returns the events that became due, oldest first.
    public mutating func advance(to now: Timestamp) -> [ButtonEvent] {
        var events: [ButtonEvent] = []
        while true {
            let commit: Timestamp? = rawActive != stableActive ? rawChangedAt + timing.debounce : nil
            let long = longPressDeadline
            if let long, long <= now, commit.map({ long <= $0 }) ?? true {
                longPressFired = true
                events.append(.longPress(at: long))
                continue
            }
            guard let commit, commit <= now else { return events }
            let settled = rawChangedAt
            stableActive = rawActive
            if stableActive {
                pressedAt = settled
                longPressFired = false
                events.append(.pressed(at: settled))
                if let lastRelease, settled - lastRelease <= timing.doublePressWindow, !lastPressWasLong,
                    !lastPressWasDouble
                {
                    events.append(.doublePress(at: settled))
                    lastPressWasDouble = true
                } else {
                    lastPressWasDouble = false
                }
            } else {
                let held = pressedAt.map { settled - $0 } ?? .zero
                events.append(.released(at: settled, heldFor: held))
                lastRelease = settled
                lastPressWasLong = longPressFired
                pressedAt = nil
            }
        }
    }
}
