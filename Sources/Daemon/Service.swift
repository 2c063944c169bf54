// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

public import Threads
public import Log
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// One long-running part of the daemon (GPIO, audio, the conversation, the watchdog, ...).
///
/// The shape of swift-service-lifecycle's `Service`, which the daemon cannot link (it needs Swift 6.2),
/// with readiness added: `run(_:)` calls ``ServiceContext/ready()`` once it serves (its devices are open),
/// then runs until ``ServiceContext/shutdownRequested()`` returns, when it tears down in an orderly way
/// (outputs to safe values, LED off, close 1000) and returns. Graceful shutdown is not task cancellation:
/// teardown runs in a task that is *not* cancelled, so its awaits work. Cancellation only comes as the
/// escalation, when a service overstays its shutdown time.
public protocol Service: Sendable {
    /// For logs: `gpio`, `audio`, `conversation`.
    var name: String { get }
    func run(_ context: ServiceContext) async throws
}

/// What a running service is told by its ``ServiceGroup``, and tells it.
public final class ServiceContext: Sendable {
    private struct State {
        var ready = false
        var shuttingDown = false
        var readyWaiter: CheckedContinuation<Void, Never>?
        var shutdownWaiters: [CheckedContinuation<Void, Never>] = []
    }

    private let state = Mutex(State())
    /// The service's name.
    public let name: String

    init(name: String) {
        self.name = name
    }

    /// Says the service now serves: the group starts the next service (and, after the last, tells systemd
    /// `READY=1`). Idempotent.
    public func ready() {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            state.ready = true
            defer { state.readyWaiter = nil }
            return state.readyWaiter
        }
        waiter?.resume()
    }

    /// Whether graceful shutdown has begun for this service.
    public var isShuttingDown: Bool { state.withLock { $0.shuttingDown } }

    /// Returns when graceful shutdown begins for this service (at once if it has), or when the waiting
    /// task is cancelled (the escalation).
    public func shutdownRequested() async {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let now = state.withLock { state -> Bool in
                    if state.shuttingDown || Task.isCancelled { return true }
                    state.shutdownWaiters.append(continuation)
                    return false
                }
                if now { continuation.resume() }
            }
        } onCancel: {
            let waiters = state.withLock { state -> [CheckedContinuation<Void, Never>] in
                defer { state.shutdownWaiters = [] }
                return state.shutdownWaiters
            }
            for waiter in waiters { waiter.resume() }
        }
    }

    func requestShutdown() {
        let waiters = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.shuttingDown = true
            defer { state.shutdownWaiters = [] }
            return state.shutdownWaiters
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Waits until the service said it is ready (true) or `finished` says it ended first (false).
    func waitUntilReady() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let now = state.withLock { state -> Bool in
                if state.ready { return true }
                state.readyWaiter = continuation
                return false
            }
            if now { continuation.resume() }
        }
    }

    /// Releases a ``waitUntilReady()`` when the service ended before it was ready.
    func abandonReadiness() {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            defer { state.readyWaiter = nil }
            return state.readyWaiter
        }
        waiter?.resume()
    }

    var isReady: Bool { state.withLock { $0.ready } }
}

/// Runs services in dependency order and shuts them down gracefully in reverse.
///
/// ```swift
/// try await ServiceGroup(services: [gpio, audio, conversation, watchdog], logger: logger,
///                        onReady: { notifier.notify("READY=1") }).run()
/// ```
/// - **Start:** each service is started only once the one before it reported ``ServiceContext/ready()``,
///   so a service never runs before what it depends on is open; `onReady` is called once all are.
///   A service that fails (or returns) before it is ready stops the start-up.
/// - **Stop:** on SIGTERM or SIGINT, on the first failure, or when any service returns: `onStopping`
///   (systemd `STOPPING=1`), then the last service is asked to shut down and awaited, then the one before
///   it, and so on. A service that has not returned after ``shutdownTimeout`` is cancelled.
/// - **SIGHUP** is not a shutdown: it goes to `onReload`.
public struct ServiceGroup: Sendable {
    public let services: [any Service]
    public let logger: Logger
    /// How long each service may take to shut down before its task is cancelled.
    public var shutdownTimeout: Duration = .seconds(2)
    /// Where signals come from (the real ones unless a test supplies another source).
    let signals: any SignalSource
    let onReady: @Sendable () -> Void
    let onStopping: @Sendable () -> Void
    let onReload: @Sendable () -> Void

    public init(
        services: [any Service], logger: Logger, onReady: @escaping @Sendable () -> Void = {},
        onStopping: @escaping @Sendable () -> Void = {}, onReload: @escaping @Sendable () -> Void = {}
    ) {
        self.init(services: services, logger: logger, signals: TerminationSignals.shared, onReady: onReady,
                  onStopping: onStopping, onReload: onReload)
    }

    init(
        services: [any Service], logger: Logger, signals: any SignalSource,
        onReady: @escaping @Sendable () -> Void = {}, onStopping: @escaping @Sendable () -> Void = {},
        onReload: @escaping @Sendable () -> Void = {}
    ) {
        self.services = services
        self.logger = logger
        self.signals = signals
        self.onReady = onReady
        self.onStopping = onStopping
        self.onReload = onReload
    }

    /// Why the group stopped.
    public enum Outcome: Sendable, Equatable {
        /// A termination signal arrived.
        case signal(Int32)
        /// A service returned on its own.
        case serviceFinished(String)
        /// ``ServiceGroup/requestShutdown`` was called (the daemon reloads by stopping and starting again).
        case requested
    }

    /// Runs until a signal, a failure or a service's end; returns why, or throws the first failure
    /// (after every started service has been shut down).
    @discardableResult
    public func run(until stop: ShutdownTrigger? = nil) async throws -> Outcome {
        signals.install()
        let seen = signals.count
        let (events, continuation) = AsyncStream<Event>.makeStream()
        var started: [(name: String, context: ServiceContext, task: Task<Void, Never>)] = []

        let signalWatcher = Task {
            var seen = seen
            while let signal = await signals.wait(after: seen) {
                seen += 1
                if signal == SIGHUP {
                    onReload()
                } else {
                    continuation.yield(.signal(signal))
                    return
                }
            }
        }
        let stopToken = stop?.attach { continuation.yield(.requested) }
        defer {
            signalWatcher.cancel()
            if let stopToken { stop?.detach(stopToken) }
        }

        // Start in order, each after the previous one is ready.
        var early: Event?
        for service in services {
            let context = ServiceContext(name: service.name)
            let task = Task {
                do {
                    try await service.run(context)
                    continuation.yield(.finished(service.name))
                } catch is CancellationError {
                    continuation.yield(.finished(service.name))
                } catch {
                    continuation.yield(.failed(service.name, error))
                }
                context.abandonReadiness()
            }
            started.append((service.name, context, task))
            logger.debug("starting \(service.name)")
            await context.waitUntilReady()
            if !context.isReady {
                early = await events.first(where: { _ in true })
                break
            }
        }
        if early == nil { onReady() }

        var failure: (any Error)?
        let outcome: Outcome
        let event: Event?
        if let early { event = early } else { event = await events.first(where: { _ in true }) }
        switch event {
        case .signal(let number):
            logger.notice("signal \(number): shutting down")
            outcome = .signal(number)
        case .finished(let name):
            logger.notice("\(name) ended: shutting down")
            outcome = .serviceFinished(name)
        case .failed(let name, let error):
            logger.error("\(name) failed: \(error)")
            failure = error
            outcome = .serviceFinished(name)
        case .requested:
            outcome = .requested
        case nil:
            outcome = .serviceFinished("")
        }
        onStopping()

        // Reverse order: each service is asked to shut down and awaited before the one it depends on; one
        // that overstays its time is cancelled.
        for (name, context, task) in started.reversed() {
            context.requestShutdown()
            let timeout = shutdownTimeout
            let escalation = Task {
                try await Task.sleep(for: timeout)
                logger.warning("\(name) did not shut down within \(timeout): cancelling it")
                task.cancel()
            }
            await task.value
            escalation.cancel()
            logger.debug("stopped \(name)")
        }
        continuation.finish()
        if let failure { throw failure }
        return outcome
    }

    private enum Event: Sendable {
        case signal(Int32)
        case finished(String)
        case failed(String, any Error)
        case requested
    }
}

/// Lets the owner of a running ``ServiceGroup`` stop it from outside (a reload, a script's end, a test).
/// Fired once; everyone watching it is told, including those who start watching later.
public final class ShutdownTrigger: Sendable {
    private struct State {
        var fired = false
        var handlers: [Int: @Sendable () -> Void] = [:]
        var nextID = 0
    }

    private let state = Mutex(State())

    public init() {}

    /// Asks for a graceful shutdown (now, or as soon as a group runs with it).
    public func fire() {
        let handlers = state.withLock { state -> [@Sendable () -> Void] in
            guard !state.fired else { return [] }
            state.fired = true
            return Array(state.handlers.values)
        }
        for handler in handlers { handler() }
    }

    /// Whether it was fired.
    public var isFired: Bool { state.withLock { $0.fired } }

    /// Calls `handler` once when fired (at once if it was); returns a token for ``detach(_:)``.
    @discardableResult
    func attach(_ handler: @escaping @Sendable () -> Void) -> Int {
        let (id, fired) = state.withLock { state -> (Int, Bool) in
            state.nextID += 1
            if !state.fired { state.handlers[state.nextID] = handler }
            return (state.nextID, state.fired)
        }
        if fired { handler() }
        return id
    }

    func detach(_ id: Int) { state.withLock { _ = $0.handlers.removeValue(forKey: id) } }

    /// Returns once fired, or when the waiting task is cancelled.
    public func fired() async {
        let (stream, continuation) = AsyncStream<Void>.makeStream()
        let id = attach { continuation.finish() }
        await withTaskCancellationHandler {
            for await _ in stream {}
        } onCancel: {
            continuation.finish()
        }
        detach(id)
    }
}

/// Termination signals as the group sees them; ``TerminationSignals`` is the real source.
protocol SignalSource: Sendable {
    func install()
    var count: Int { get }
    func wait(after seen: Int) async -> Int32?
}

extension TerminationSignals: SignalSource {}
