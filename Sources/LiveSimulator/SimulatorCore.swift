// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

import Log
import NIOCore
import Synchronization

/// What survives a connection for session resumption: the logical session and its context size.
struct SessionMemory: Sendable, Equatable {
    var sessionID: String
    var turns = 0
    var contextTextTokens = 0
    var contextAudioTokens = 0
}

/// A function call sent and not yet answered.
struct UnansweredCall: Sendable, Equatable {
    var id: String
    var name: String
    var args: WireValue
}

/// Reaches one open WebSocket connection's handler on its event loop.
struct ConnectionControl: Sendable {
    let channel: any Channel
    let handler: NIOLoopBound<LiveConnectionHandler>

    /// Runs `body` with the handler on the connection's event loop and returns its result.
    func run<T: Sendable>(_ body: @escaping @Sendable (LiveConnectionHandler) throws -> T) async throws -> T {
        let handler = self.handler
        return try await channel.eventLoop.submit { try body(handler.value) }.get()
    }
}

/// State shared by the listener, every connection and the test-facing ``LiveSimulator``: the records, armed
/// faults, resumable sessions and waiters. Everything mutable sits behind one `Mutex`; predicates and
/// continuations run outside it.
final class SimulatorCore: Sendable {
    let configuration: SimulatorConfiguration

    struct Waiter: Sendable {
        /// Returns the resumption to run when the condition holds.
        let evaluate: @Sendable ([ConnectionRecord]) -> (@Sendable () -> Void)?
        let fail: @Sendable (any Error) -> Void
        var timeoutTask: Task<Void, Never>?
    }

    struct State {
        var records: [ConnectionRecord] = []
        var controls: [Int: ConnectionControl] = [:]
        var faults: [SimulatorFault] = []
        var waiters: [UInt64: Waiter] = [:]
        var nextWaiterID: UInt64 = 0
        /// Resumption handle → the session as it was when the handle was issued.
        var resumable: [String: SessionMemory] = [:]
        /// Function calls a session sent and never had answered (the connection dropped first), by
        /// session id: a resumed connection sends them again, with the same ids.
        var unansweredCalls: [String: [UnansweredCall]] = [:]
        var sessionCount = 0
        var handleCount = 0
        var functionCallCount = 0
        var isShutDown = false
    }

    let state = Mutex(State())

    init(configuration: SimulatorConfiguration) {
        self.configuration = configuration
    }

    var logger: Logger { configuration.logger }

    // MARK: Records

    /// Creates the record for a new HTTP request and returns its id.
    func newConnection(path: String, query: String?, headers: [HeaderField]) -> Int {
        let id = state.withLock { state in
            let id = state.records.count + 1
            state.records.append(ConnectionRecord(id: id, path: path, query: query, headers: headers, upgraded: false))
            return id
        }
        notifyWaiters()
        return id
    }

    /// Changes one record, then re-evaluates the waiters.
    func update(_ id: Int, _ body: (inout ConnectionRecord) -> Void) {
        state.withLock { state in
            guard id >= 1, id <= state.records.count else { return }
            body(&state.records[id - 1])
        }
        notifyWaiters()
    }

    var records: [ConnectionRecord] { state.withLock { $0.records } }

    // MARK: Open connections

    func register(_ id: Int, control: ConnectionControl) {
        state.withLock { $0.controls[id] = control }
    }

    func unregister(_ id: Int) {
        _ = state.withLock { $0.controls.removeValue(forKey: id) }
    }

    /// The most recently opened connection that is still open.
    func latestControl() -> (id: Int, control: ConnectionControl)? {
        state.withLock { state in
            guard let id = state.controls.keys.max() else { return nil }
            return (id, state.controls[id]!)
        }
    }

    var openControls: [ConnectionControl] { state.withLock { Array($0.controls.values) } }

    // MARK: Faults

    func arm(_ fault: SimulatorFault) {
        state.withLock { $0.faults.append(fault) }
    }

    var armedFaults: [SimulatorFault] { state.withLock { $0.faults } }

    /// Removes and returns the armed faults that apply at `point`, at most one of each kind, in arming order.
    func takeFaults(at point: FaultStage) -> [SimulatorFault] {
        state.withLock { state in
            var taken: [SimulatorFault] = []
            var kinds = Set<String>()
            state.faults.removeAll { fault in
                guard let kind = fault.kind(at: point), !kinds.contains(kind) else { return false }
                kinds.insert(kind)
                taken.append(fault)
                return true
            }
            return taken
        }
    }

    // MARK: Sessions

    func newSession() -> SessionMemory {
        state.withLock { state in
            state.sessionCount += 1
            return SessionMemory(sessionID: "sim-session-\(state.sessionCount)")
        }
    }

    func resumableSession(handle: String) -> SessionMemory? {
        state.withLock { $0.resumable[handle] }
    }

    /// Issues a new resumption handle that restores `session` as it is now.
    func issueHandle(for session: SessionMemory) -> String {
        state.withLock { state in
            state.handleCount += 1
            let handle = "sim-handle-\(state.handleCount)-\(session.sessionID)"
            state.resumable[handle] = session
            return handle
        }
    }

    /// Remembers a call until it is answered (see ``State/unansweredCalls``).
    func noteCall(_ call: UnansweredCall, session: String) {
        state.withLock { $0.unansweredCalls[session, default: []].append(call) }
    }

    /// Forgets an answered call.
    func noteAnswered(_ id: String, session: String) {
        state.withLock { $0.unansweredCalls[session]?.removeAll { $0.id == id } }
    }

    /// The calls of `session` still unanswered.
    func unansweredCalls(session: String) -> [UnansweredCall] {
        state.withLock { $0.unansweredCalls[session] ?? [] }
    }

    func nextFunctionCallID() -> String {
        state.withLock { state in
            state.functionCallCount += 1
            return "fc-\(state.functionCallCount)"
        }
    }

    // MARK: Waiting

    /// Suspends until `extract` returns a value for the records, or throws after `timeout`.
    func wait<T: Sendable>(
        timeout: Duration, what: String, _ extract: @escaping @Sendable ([ConnectionRecord]) -> T?
    ) async throws -> T {
        let id = state.withLock { state -> UInt64 in
            state.nextWaiterID += 1
            return state.nextWaiterID
        }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
                let waiter = Waiter(
                    evaluate: { records in
                        guard let value = extract(records) else { return nil }
                        return { continuation.resume(returning: value) }
                    },
                    fail: { continuation.resume(throwing: $0) })
                let (records, shutDown) = state.withLock { state in
                    state.waiters[id] = waiter
                    return (state.records, state.isShutDown)
                }
                if let resume = waiter.evaluate(records) {
                    if removeWaiter(id) != nil { resume() }
                    return
                }
                if shutDown || Task.isCancelled {
                    removeWaiter(id)?.fail(
                        shutDown ? SimulatorError(.shutDown, "the simulator was shut down") : CancellationError())
                    return
                }
                let timeoutTask = Task { [weak self] in
                    try? await Task.sleep(for: timeout)
                    guard !Task.isCancelled, let self, let waiter = self.removeWaiter(id) else { return }
                    waiter.fail(SimulatorError(.timeout, "timed out after \(timeout) waiting for \(what)"))
                }
                let stillWaiting = state.withLock { state -> Bool in
                    guard state.waiters[id] != nil else { return false }
                    state.waiters[id]!.timeoutTask = timeoutTask
                    return true
                }
                if !stillWaiting { timeoutTask.cancel() }
            }
        } onCancel: {
            removeWaiter(id)?.fail(CancellationError())
        }
    }

    @discardableResult
    private func removeWaiter(_ id: UInt64) -> Waiter? {
        let waiter = state.withLock { $0.waiters.removeValue(forKey: id) }
        waiter?.timeoutTask?.cancel()
        return waiter
    }

    /// Re-evaluates every waiter against the current records (outside the lock).
    func notifyWaiters() {
        let (records, waiters) = state.withLock { ($0.records, $0.waiters) }
        guard !waiters.isEmpty else { return }
        for (id, waiter) in waiters {
            if let resume = waiter.evaluate(records), removeWaiter(id) != nil { resume() }
        }
    }

    /// Fails every waiter; later waits fail at once.
    func shutDownWaiters() {
        let waiters = state.withLock { state in
            state.isShutDown = true
            let waiters = state.waiters
            state.waiters = [:]
            return waiters
        }
        for waiter in waiters.values {
            waiter.timeoutTask?.cancel()
            waiter.fail(SimulatorError(.shutDown, "the simulator was shut down"))
        }
    }
}

/// Where the connection is when faults are looked up.
enum FaultStage {
    case upgrade
    case setup
    case reply
}

extension SimulatorFault {
    /// A name for the fault's kind when it applies at `stage`, else `nil`.
    func kind(at stage: FaultStage) -> String? {
        switch (self, stage) {
        case (.refuseUpgrade, .upgrade): "refuse"
        case (.dropMidReply, .reply): "drop"
        case (.close(_, _, .setup), .setup), (.close(_, _, .nextReply), .reply): "close"
        case (.malformedFrame(.setup), .setup), (.malformedFrame(.nextReply), .reply): "malformed"
        case (.oversizedMessage(_, .setup), .setup), (.oversizedMessage(_, .nextReply), .reply): "oversized"
        case (.delaySetupComplete, .setup): "delay"
        case (.omitSetupComplete, .setup): "omit"
        default: nil
        }
    }
}

/// Errors thrown by ``LiveSimulator``'s methods.
public struct SimulatorError: Error, Sendable, CustomStringConvertible {
    /// What kind of failure this is.
    public struct Kind: Hashable, Sendable, CustomStringConvertible {
        private let name: String
        /// A wait ran out of time.
        public static let timeout = Kind(name: "timeout")
        /// A control was called while no WebSocket connection is open.
        public static let noOpenConnection = Kind(name: "noOpenConnection")
        /// The connection is closing or closed, so nothing more can be sent on it.
        public static let connectionClosing = Kind(name: "connectionClosing")
        /// The simulator was shut down.
        public static let shutDown = Kind(name: "shutDown")
        /// The listening socket could not be opened.
        public static let bindFailed = Kind(name: "bindFailed")
        /// A control's argument is invalid.
        public static let invalidArgument = Kind(name: "invalidArgument")

        /// The kind's name.
        public var description: String { name }
    }

    /// The kind of failure.
    public var kind: Kind
    /// What happened, in words.
    public var message: String

    init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    /// The message.
    public var description: String { message }
}
