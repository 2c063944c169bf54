// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

public import Log

/// One long-running part of the daemon (audio, buttons and LED, the Live session, ...).
///
/// The shape of swift-service-lifecycle's `Service`, which the daemon cannot link (it needs Swift 6.2):
/// `run()` runs until the service is done or its task is cancelled, which is how a ``ServiceGroup`` asks
/// it to shut down gracefully. A service that must put hardware in a safe state does so before `run()`
/// returns, whether it ends normally, by error or by cancellation.
public protocol Service: Sendable {
    /// For logs: `audio`, `gpio`, `live`.
    var name: String { get }
    func run() async throws
}

/// Runs services in dependency order and shuts them down in reverse on SIGTERM/SIGINT, on the first
/// failure, or when any service returns.
///
/// ```swift
/// try await ServiceGroup(services: [board, audio, live], logger: logger).run()
/// ```
/// Shutdown is graceful: the last service is cancelled and awaited first, then the one before it, so a
/// service never outlives one it depends on.
public struct ServiceGroup: Sendable {
    public let services: [any Service]
    public let logger: Logger
    /// Where termination signals come from (the real ones unless a test supplies another source).
    let signals: any SignalSource
    /// Called once every service is running (the daemon sends systemd `READY=1` here).
    let onReady: @Sendable () -> Void

    public init(services: [any Service], logger: Logger, onReady: @escaping @Sendable () -> Void = {}) {
        self.init(services: services, logger: logger, signals: TerminationSignals.shared, onReady: onReady)
    }

    init(services: [any Service], logger: Logger, signals: any SignalSource, onReady: @escaping @Sendable () -> Void) {
        self.services = services
        self.logger = logger
        self.signals = signals
        self.onReady = onReady
    }

    /// Why the group stopped.
    public enum Outcome: Sendable, Equatable {
        /// A termination signal arrived.
        case signal(Int32)
        /// A service returned on its own.
        case serviceFinished(String)
    }

    /// Runs until a signal, a failure or a service's end; returns why, or throws the first failure
    /// (after every service has been shut down).
    @discardableResult
    public func run() async throws -> Outcome {
        signals.install()
        let seen = signals.count
        let (events, continuation) = AsyncStream<Event>.makeStream()
        var tasks: [(name: String, task: Task<Void, Never>)] = []
        for service in services {
            let task = Task {
                do {
                    try await service.run()
                    continuation.yield(.finished(service.name))
                } catch is CancellationError {
                    continuation.yield(.finished(service.name))
                } catch {
                    continuation.yield(.failed(service.name, error))
                }
            }
            tasks.append((service.name, task))
            logger.debug("started \(service.name)")
        }
        onReady()
        let signalWatcher = Task {
            if let signal = await signals.wait(after: seen) { continuation.yield(.signal(signal)) }
        }
        defer { signalWatcher.cancel() }

        var failure: (any Error)?
        let outcome: Outcome
        switch await events.first(where: { _ in true }) {
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
        case nil:
            outcome = .serviceFinished("")
        }

        // Reverse order: each service is cancelled and awaited before the one it depends on. (A service
        // that hangs here is what systemd's TimeoutStopSec is for.)
        for (name, task) in tasks.reversed() {
            task.cancel()
            await task.value
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
    }
}

/// Termination signals as the group sees them; ``TerminationSignals`` is the real source.
protocol SignalSource: Sendable {
    func install()
    var count: Int { get }
    func wait(after seen: Int) async -> Int32?
}

extension TerminationSignals: SignalSource {}
