// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

internal import CSysShims
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// SIGTERM, SIGINT and SIGHUP as events a service can await, instead of code in a signal handler.
///
/// The C handler only writes the signal number to a pipe (async-signal-safe); one ordinary thread reads
/// the pipe and resumes whoever waits. The signals are unblocked in the installing thread, because a
/// daemon started from a thread that blocks them (a Dispatch worker, a test runner) inherits that mask and
/// would otherwise never see SIGTERM.
public final class TerminationSignals: Sendable {
    /// The process-wide instance (signal dispositions are process-wide).
    public static let shared = TerminationSignals()

    private struct State {
        var installed = false
        var received: [Int32] = []
        var waiters: [UInt64: CheckedContinuation<Int32?, Never>] = [:]
        var nextWaiter: UInt64 = 0
    }

    private let state = Mutex(State())

    private init() {}

    /// Routes the signals to this object (idempotent). Call early in `main`, on the main thread.
    public func install() {
        let first = state.withLock { state -> Bool in
            defer { state.installed = true }
            return !state.installed
        }
        guard first else { return }
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else {
            preconditionFailure("pipe failed (errno \(errno)): out of file descriptors at start-up")
        }
        let (readFD, writeFD) = (fds[0], fds[1])
        _ = fcntl(readFD, F_SETFD, FD_CLOEXEC)
        _ = fcntl(writeFD, F_SETFD, FD_CLOEXEC)
        let result = csys_route_termination_signals(writeFD)
        precondition(result == 0, "sigaction failed with errno \(result)")
        PlatformThread.detach(name: "lv-signals") { [self] in
            var byte: UInt8 = 0
            while true {
                let count = read(readFD, &byte, 1)
                if count == 1 { deliver(Int32(byte)) } else if count < 0 && errno != EINTR { return }
            }
        }
    }

    private func deliver(_ signal: Int32) {
        let waiters = state.withLock { state -> [CheckedContinuation<Int32?, Never>] in
            state.received.append(signal)
            let waiters = Array(state.waiters.values)
            state.waiters = [:]
            return waiters
        }
        for waiter in waiters { waiter.resume(returning: signal) }
    }

    /// How many termination signals arrived so far.
    public var count: Int { state.withLock { $0.received.count } }

    /// Waits for the next termination signal after `seen` signals (pass ``count`` read earlier), and
    /// returns its number; at once if one already arrived; nil if the waiting task is cancelled.
    public func wait(after seen: Int) async -> Int32? {
        let id = state.withLock { state -> UInt64 in
            state.nextWaiter += 1
            return state.nextWaiter
        }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let ready = state.withLock { state -> Int32?? in
                    if state.received.count > seen { return .some(state.received[seen]) }
                    if Task.isCancelled { return .some(nil) }
                    state.waiters[id] = continuation
                    return .none
                }
                if let ready { continuation.resume(returning: ready) }
            }
        } onCancel: {
            state.withLock { $0.waiters.removeValue(forKey: id) }?.resume(returning: nil)
        }
    }
}

extension TerminationSignals {
    /// The signal that arrived after the first `seen` ones, if any (does not wait).
    public func signal(after seen: Int) -> Int32? {
        state.withLock { $0.received.count > seen ? $0.received[seen] : nil }
    }

    /// Runs `handler` once, with the first signal after the first `seen` ones. Cancel the returned task to
    /// stop watching.
    @discardableResult
    public func whenSignalled(after seen: Int, _ handler: @escaping @Sendable (Int32) async -> Void) -> Task<Void, Never> {
        Task {
            if let number = await wait(after: seen) { await handler(number) }
        }
    }
}
