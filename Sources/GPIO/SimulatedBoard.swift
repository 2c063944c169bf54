// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

import Threads
public import Time
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A GPIO board in memory: named lines on one chip, inputs that a test (or the keyboard) drives, and
/// outputs whose every change is recorded with its time.
///
/// It behaves like the kernel where the code above can tell: unknown lines and busy lines fail with the
/// same ``GPIOError``s as ``LibgpiodBackend``, active-low and bias are applied, edge events carry the time
/// the level changed and arrive on the request that asked for them. It does not model kernel debounce
/// (the requested period is recorded; ``Button`` debounces in software either way).
public final class SimulatedBoard: GPIOBackend {
    /// One line of the simulated chip.
    public struct LineSpec: Sendable, Hashable {
        /// The line's name (`GPIO17`, `BUTTON`).
        public var name: String
        /// The physical level a pull resistor or an external circuit gives it before anything drives it;
        /// nil lets the requested bias decide (low without one).
        public var level: Bool?

        /// A line named `name`.
        public init(name: String, level: Bool? = nil) {
            self.name = name
            self.level = level
        }
    }

    /// One change of an output's physical level.
    public struct Change: Sendable, Hashable, CustomStringConvertible {
        /// When it changed (the board's clock).
        public var time: Timestamp
        /// The physical level: true is high.
        public var level: Bool

        /// A change to `level` at `time`.
        public init(time: Timestamp, level: Bool) {
            self.time = time
            self.level = level
        }

        public var description: String { "\(time) \(level ? "high" : "low")" }
    }

    private enum Request {
        case input(InputSettings, token: Int)
        case output(OutputSettings, token: Int)
    }

    private struct Line {
        var id: LineID
        /// Level set by the test or by an output; nil while floating.
        var driven: Bool?
        var defaultLevel: Bool?
        var consumer: String?
        var request: Request?
        var direction: LineDirection = .input
        var history: [Change] = []
        var pendingEvents: [EdgeEvent] = []
        var sequence = 0
        var wake: EventSignal?

        var level: Bool {
            if let driven { return driven }
            if let defaultLevel { return defaultLevel }
            if case .input(let settings, _) = request { return settings.bias == .pullUp }
            return false
        }
    }

    private struct State {
        var lines: [Line]
        var nextToken = 0
    }

    /// The simulated chip's name.
    public let chipName: String
    private let clock: any MonotonicClock
    private let state: Mutex<State>
    /// In a class box: a bare closure in `Mutex` is re-wrapped in thunks at every access (see FrameHandlerSlot).
    private final class ObserverBox: Sendable {
        let observer: @Sendable (LineID, Bool, Timestamp) -> Void
        init(_ observer: @escaping @Sendable (LineID, Bool, Timestamp) -> Void) { self.observer = observer }
    }
    private let outputObserver = Mutex<ObserverBox?>(nil)

    /// A board with one chip, `chipName`, whose lines are `lines` at offsets 0, 1, 2... Times come from `clock`.
    public init(lines: [LineSpec], chipName: String = "gpiochip0", clock: any MonotonicClock) {
        self.chipName = chipName
        self.clock = clock
        state = Mutex(
            State(
                lines: lines.enumerated().map { offset, spec in
                    Line(id: LineID(chip: chipName, offset: offset, name: spec.name), defaultLevel: spec.level)
                }))
    }

    /// A board named like a Raspberry Pi's 40-pin header: lines `GPIO0` to `GPIO27` on `gpiochip0`.
    public static func raspberryPiHeader(clock: any MonotonicClock) -> SimulatedBoard {
        SimulatedBoard(lines: (0...27).map { LineSpec(name: "GPIO\($0)") }, clock: clock)
    }

    public var description: String { "simulated board (\(chipName))" }

    // MARK: GPIOBackend

    public func chips() throws(GPIOError) -> [ChipInfo] {
        let lines = state.withLock { state in state.lines.map(Self.info) }
        return [ChipInfo(name: chipName, label: "simulated", path: "(simulated)", lines: lines)]
    }

    public func lineInfo(_ address: LineAddress) throws(GPIOError) -> LineInfo {
        try state.withLock { state throws(GPIOError) in Self.info(state.lines[try index(of: address, in: state)]) }
    }

    public func requestInput(_ address: LineAddress, settings: InputSettings) throws(GPIOError) -> any GPIOInputLine {
        let wake = try makeWakeSignal()
        let (id, token) = try claim(address) { line, token in
            if line.direction == .output { line.driven = nil }  // nothing drives a former output now
            line.request = .input(settings, token: token)
            line.direction = .input
            line.pendingEvents = []
            line.wake = wake
        }
        return SimulatedInput(board: self, id: id, token: token, wake: wake)
    }

    public func requestOutput(_ address: LineAddress, settings: OutputSettings) throws(GPIOError) -> any GPIOOutputLine {
        let now = clock.now()
        let (id, token) = try claim(address) { line, token in
            line.request = .output(settings, token: token)
            line.direction = .output
            let level = settings.initialValue != settings.activeLow
            if line.driven != level || line.history.isEmpty {
                line.history.append(Change(time: now, level: level))
            }
            line.driven = level
        }
        return SimulatedOutput(board: self, id: id, token: token)
    }

    // MARK: Driving and inspecting the board (tests, keyboard)

    /// Sets an input's physical level (true: high) at `time` (default: now), as a wire or a button would.
    /// A requested input with edge detection gets an event stamped `time` if its logical value changed.
    public func setLevel(_ name: String, high: Bool, at time: Timestamp? = nil) throws(GPIOError) {
        let time = time ?? clock.now()
        let wake = try state.withLock { state throws(GPIOError) -> EventSignal? in
            let index = try index(of: .name(name), in: state)
            var line = state.lines[index]
            if line.direction == .output {
                throw GPIOError(.wrongDirection, "line \(line.id) is an output; a test cannot drive it")
            }
            let before = line.level
            line.driven = high
            var signal: EventSignal?
            if before != high, case .input(let settings, _) = line.request {
                let active = high != settings.activeLow
                let wanted: Bool
                switch settings.edges {
                case .none: wanted = false
                case .both: wanted = true
                case .rising: wanted = active
                case .falling: wanted = !active
                }
                if wanted {
                    line.sequence += 1
                    line.pendingEvents.append(
                        EdgeEvent(
                            kind: active ? .rising : .falling, timestamp: time, offset: line.id.offset,
                            lineSequence: line.sequence))
                    signal = line.wake
                }
            }
            state.lines[index] = line
            return signal
        }
        wake?.signal()
    }

    /// Plays a recorded sequence of physical levels on an input: each `(offset, high)` is applied at
    /// `start + offset` (edges a bouncing contact makes, say).
    public func play(_ name: String, from start: Timestamp, _ levels: [(Duration, Bool)]) throws(GPIOError) {
        for (offset, high) in levels {
            try setLevel(name, high: high, at: start + offset)
        }
    }

    /// The physical level of a line now (true: high).
    public func level(_ name: String) throws(GPIOError) -> Bool {
        try state.withLock { state throws(GPIOError) in state.lines[try index(of: .name(name), in: state)].level }
    }

    /// Every physical level an output was driven to, with its time, oldest first.
    public func history(_ name: String) throws(GPIOError) -> [Change] {
        try state.withLock { state throws(GPIOError) in state.lines[try index(of: .name(name), in: state)].history }
    }

    /// Marks a line as held by another consumer (`gpiomon`, a kernel driver), to test busy lines.
    public func hold(_ name: String, consumer: String) throws(GPIOError) {
        try state.withLock { state throws(GPIOError) in
            let index = try index(of: .name(name), in: state)
            state.lines[index].consumer = consumer
        }
    }

    /// The lines this board has, by name.
    public var lineNames: [String] { state.withLock { $0.lines.compactMap(\.id.name) } }

    // MARK: Internals shared with the handles

    private static func info(_ line: Line) -> LineInfo {
        var info = LineInfo(id: line.id, direction: line.direction, isUsed: line.consumer != nil, consumer: line.consumer)
        switch line.request {
        case .input(let settings, _):
            info.activeLow = settings.activeLow
            info.bias = settings.bias
            info.edges = settings.edges
            info.debounce = settings.kernelDebounce
        case .output(let settings, _):
            info.activeLow = settings.activeLow
        case nil:
            break
        }
        return info
    }

    private func index(of address: LineAddress, in state: State) throws(GPIOError) -> Int {
        switch address {
        case .name(let name):
            if let index = state.lines.firstIndex(where: { $0.id.name == name }) { return index }
            throw GPIOError.lineNotFound(name, existing: state.lines.compactMap(\.id.name))
        case .chipOffset(let chip, let offset):
            guard chip == chipName else {
                throw GPIOError(.chipNotFound, "there is no chip \(chip); the simulated board has only \(chipName)")
            }
            guard state.lines.indices.contains(offset) else {
                throw GPIOError(
                    .lineNotFound,
                    "\(chip) has \(state.lines.count) lines (offsets 0 to \(state.lines.count - 1)); "
                        + "offset \(offset) does not exist")
            }
            return offset
        }
    }

    private func claim(
        _ address: LineAddress, _ configure: (inout Line, Int) -> Void
    ) throws(GPIOError) -> (LineID, Int) {
        try state.withLock { state throws(GPIOError) in
            let index = try index(of: address, in: state)
            if let consumer = state.lines[index].consumer {
                throw GPIOError.lineBusy(state.lines[index].id, consumer: consumer, errno: 16)  // EBUSY
            }
            state.nextToken += 1
            state.lines[index].consumer = gpioConsumerName
            configure(&state.lines[index], state.nextToken)
            return (state.lines[index].id, state.nextToken)
        }
    }

    fileprivate func release(offset: Int, token: Int) {
        state.withLock { state in
            var line = state.lines[offset]
            switch line.request {
            case .input(_, let t) where t == token, .output(_, let t) where t == token:
                line.request = nil
                line.consumer = nil
                line.pendingEvents = []
                line.wake = nil
                state.lines[offset] = line
            default:
                break
            }
        }
    }

    fileprivate func takeEvents(offset: Int) -> [EdgeEvent] {
        state.withLock { state in
            let events = state.lines[offset].pendingEvents
            state.lines[offset].pendingEvents = []
            return events
        }
    }

    fileprivate func logicalValue(offset: Int) -> Bool {
        state.withLock { state in
            let line = state.lines[offset]
            switch line.request {
            case .input(let settings, _): return line.level != settings.activeLow
            case .output(let settings, _): return line.level != settings.activeLow
            case nil: return line.level
            }
        }
    }

    fileprivate func drive(offset: Int, active: Bool) {
        let now = clock.now()
        let changed = state.withLock { state -> (LineID, Bool)? in
            guard case .output(let settings, _) = state.lines[offset].request else { return nil }
            let level = active != settings.activeLow
            let before = state.lines[offset].driven
            if before != level {
                state.lines[offset].history.append(Change(time: now, level: level))
            }
            state.lines[offset].driven = level
            return before != level ? (state.lines[offset].id, active) : nil
        }
        if let (id, active) = changed, let observer = outputObserver.withLock({ $0 })?.observer { observer(id, active, now) }
    }

    /// Calls `observer` with the line, its new logical value (active or not) and the time, each time an
    /// output changes level (`simulate` reports them).
    public func observeOutputs(_ observer: @escaping @Sendable (LineID, Bool, Timestamp) -> Void) {
        outputObserver.withLock { $0 = ObserverBox(observer) }
    }
}

/// An input requested from a ``SimulatedBoard``; released on deinit.
private final class SimulatedInput: GPIOInputLine {
    let board: SimulatedBoard
    let id: LineID
    let token: Int
    let wakeSignal: EventSignal

    init(board: SimulatedBoard, id: LineID, token: Int, wake: EventSignal) {
        self.board = board
        self.id = id
        self.token = token
        self.wakeSignal = wake
    }

    private let released = Atomic<Bool>(false)

    deinit { release() }

    func release() {
        if !released.exchange(true, ordering: .acquiringAndReleasing) { board.release(offset: id.offset, token: token) }
    }

    func value() throws(GPIOError) -> Bool {
        guard !released.load(ordering: .acquiring) else { throw GPIOError.released(id) }
        return board.logicalValue(offset: id.offset)
    }

    func readEdgeEvents(timeout: Duration?) throws(GPIOError) -> [EdgeEvent] {
        guard !released.load(ordering: .acquiring) else { throw GPIOError.released(id) }
        let events = board.takeEvents(offset: id.offset)
        if !events.isEmpty || timeout == .zero { return events }
        // Block on the eventfd that setLevel signals (or wake() does).
        var fds = [pollfd(fd: wakeSignal.descriptor, events: Int16(POLLIN), revents: 0)]
        let milliseconds: Int32 = timeout.map { Int32(clamping: ($0.nanosecondsClamped + 999_999) / 1_000_000) } ?? -1
        while poll(&fds, 1, milliseconds) < 0, errno == EINTR {}
        wakeSignal.drain()
        return board.takeEvents(offset: id.offset)
    }

    func wake() { wakeSignal.signal() }
}

/// An output requested from a ``SimulatedBoard``; released on deinit.
private final class SimulatedOutput: GPIOOutputLine {
    let board: SimulatedBoard
    let id: LineID
    let token: Int

    init(board: SimulatedBoard, id: LineID, token: Int) {
        self.board = board
        self.id = id
        self.token = token
    }

    private let released = Atomic<Bool>(false)

    deinit { release() }

    func release() {
        if !released.exchange(true, ordering: .acquiringAndReleasing) { board.release(offset: id.offset, token: token) }
    }

    func set(_ active: Bool) throws(GPIOError) {
        guard !released.load(ordering: .acquiring) else { throw GPIOError.released(id) }
        board.drive(offset: id.offset, active: active)
    }

    func value() throws(GPIOError) -> Bool {
        guard !released.load(ordering: .acquiring) else { throw GPIOError.released(id) }
        return board.logicalValue(offset: id.offset)
    }
}
