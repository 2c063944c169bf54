// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

public import AudioEngine
import Threads
public import GeminiLive
public import GPIO
public import Log
import Synchronization
public import Time

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Runs the daemon: GPIO, audio, the conversation, the watchdog and systemd's status, as one
/// ``ServiceGroup`` started in that order (`READY=1` once the devices and lines are open). SIGTERM stops it
/// gracefully; SIGHUP reloads the configuration: a valid one restarts the group with it, an invalid one
/// is refused with its error and the running one kept. `run` and `simulate` both use it; they differ in
/// the ``Setup`` their `prepare` makes.
public struct DaemonLauncher: Sendable {
    /// What one run of the group works with, made from a configuration.
    public struct Setup: Sendable {
        public var configuration: DaemonConfiguration
        public var gpio: any GPIOBackend
        public var engine: AudioEngine
        public var client: LiveClient

        public init(configuration: DaemonConfiguration, gpio: any GPIOBackend, engine: AudioEngine, client: LiveClient) {
            self.configuration = configuration
            self.gpio = gpio
            self.engine = engine
            self.client = client
        }
    }

    public var clock: any MonotonicClock
    public var logger: Logger
    public var reporter: any DaemonReporter
    public var notifier: SystemdNotifier
    public var status: RuntimeStatus
    /// `run` needs a button; `simulate` may be driven by its script alone.
    public var buttonRequired: Bool
    /// Makes the devices and the client for a configuration (throws with what to fix).
    public var prepare: @Sendable (DaemonConfiguration) throws -> Setup
    /// Reads the configuration again (SIGHUP); nil: reloading is not possible.
    public var reload: (@Sendable () throws -> DaemonConfiguration)?
    /// Called with each conversation runtime once it exists (`simulate` drives it by script).
    public var onRuntime: @Sendable (ConversationRuntime) -> Void
    /// Stops the daemon from outside (the end of a `simulate` script); fire it to shut down gracefully.
    public var stop: ShutdownTrigger?
    /// Where SIGTERM, SIGINT and SIGHUP come from: the process's own, unless a test gives its own.
    var signals: any SignalSource = TerminationSignals.shared

    public init(clock: any MonotonicClock, logger: Logger, reporter: any DaemonReporter,
                notifier: SystemdNotifier = SystemdNotifier(), status: RuntimeStatus, buttonRequired: Bool = true,
                prepare: @escaping @Sendable (DaemonConfiguration) throws -> Setup,
                reload: (@Sendable () throws -> DaemonConfiguration)? = nil,
                onRuntime: @escaping @Sendable (ConversationRuntime) -> Void = { _ in }, stop: ShutdownTrigger? = nil) {
        self.clock = clock
        self.logger = logger
        self.reporter = reporter
        self.notifier = notifier
        self.status = status
        self.buttonRequired = buttonRequired
        self.prepare = prepare
        self.reload = reload
        self.onRuntime = onRuntime
        self.stop = stop
    }

    /// Runs until SIGTERM/SIGINT, a fatal failure or ``stop``; returns the process's exit status.
    public func run(_ initial: DaemonConfiguration) async -> Int32 {
        var configuration = initial
        while true {
            let setup: Setup
            do {
                setup = try prepare(configuration)
            } catch {
                logger.error("\(error)")
                return 1
            }
            let next = Mutex<DaemonConfiguration?>(nil)
            let restart = ShutdownTrigger()
            let outside = stop
            let group = makeGroup(setup, reloading: { next.withLock { $0 != nil } }, onReload: {
                guard let reload else {
                    logger.notice("SIGHUP: reloading is not possible here; ignored")
                    return
                }
                do {
                    let fresh = try reload()
                    next.withLock { $0 = fresh }
                    notifier.notify("RELOADING=1")
                    logger.notice("SIGHUP: the configuration is valid; restarting with it")
                    restart.fire()
                } catch {
                    logger.error("SIGHUP: the new configuration is refused, the running one kept: \(error)")
                }
            })
            let combined = ShutdownTrigger()
            let forward = Task {
                await withTaskGroup(of: Void.self) { tasks in
                    tasks.addTask { await restart.fired() }
                    if let outside { tasks.addTask { await outside.fired() } }
                    await tasks.next()
                    tasks.cancelAll()
                }
                combined.fire()
            }
            let outcome: ServiceGroup.Outcome
            do {
                outcome = try await group.run(until: combined)
            } catch {
                forward.cancel()
                logger.error("\(error)")
                notifier.notify("STATUS=failed: \(error)")
                return 1
            }
            forward.cancel()
            if outcome == .requested, let fresh = next.withLock({ $0 }) {
                configuration = fresh
                continue
            }
            return 0
        }
    }

    private func makeGroup(_ setup: Setup, reloading: @escaping @Sendable () -> Bool,
                           onReload: @escaping @Sendable () -> Void) -> ServiceGroup {
        let board = Handoff<BoardParts>()
        let runtimeSlot = Handoff<ConversationRuntime>()
        let configuration = setup.configuration
        let client = setup.client
        let engine = setup.engine
        let clock = clock
        let logger = logger
        let reporter = reporter
        let status = status
        let onRuntime = onRuntime
        let conversation = ConversationService(board: board, runtime: runtimeSlot) { parts in
            let runtime = ConversationRuntime(ConversationRuntime.Parts(
                configuration: configuration, client: client, engine: engine, button: parts.button, led: parts.led,
                tools: parts.tools, clock: clock, logger: logger, reporter: reporter, status: status))
            onRuntime(runtime)
            return runtime
        }
        let health = HealthCheck(status: status, engine: engine)
        let services: [any Service] = [
            GPIOService(configuration: configuration, backend: setup.gpio, clock: clock, logger: logger, parts: board,
                        buttonRequired: buttonRequired),
            AudioService(engine: engine),
            conversation,
            WatchdogService(notifier: notifier, isHealthy: { health.isHealthy() }),
            StatusNotifierService(notifier: notifier, status: status, engine: engine),
            StatusSocketService(status: status, engine: engine, clock: clock, logger: logger),
        ]
        let notifier = notifier
        return ServiceGroup(
            services: services, logger: logger, signals: signals,
            onReady: {
                notifier.notify("READY=1")
                logger.notice("ready: \(configuration.live.model), button \(configuration.button.line ?? "none") (\(configuration.button.mode.rawValue))")
            },
            // A restart for a reload is not a stop: systemd, told RELOADING=1, waits for READY=1 (after
            // STOPPING=1 it would wait for the exit, and kill the daemon when TimeoutStopSec= ran out).
            onStopping: { if !reloading() { notifier.notify("STOPPING=1") } },
            onReload: onReload)
    }
}

/// The watchdog's test: every thread's heartbeat advanced since the last look (the conversation loop,
/// the capture and the playback threads, and the network thread while a session is open). A hung thread
/// stops the pings, and systemd restarts the daemon.
final class HealthCheck: Sendable {
    private let status: RuntimeStatus
    private let engine: AudioEngine
    private let last = Mutex<(loop: UInt64, capture: UInt64, playback: UInt64)?>(nil)
    private let network = Mutex<(session: ObjectIdentifier, beat: UInt64)?>(nil)

    init(status: RuntimeStatus, engine: AudioEngine) {
        self.status = status
        self.engine = engine
    }

    func isHealthy() -> Bool {
        let statistics = engine.statistics
        let now = (status.heartbeats, statistics.capture.heartbeats, statistics.playback?.heartbeats ?? 0)
        let threads = last.withLock { last -> Bool in
            defer { last = now }
            guard let before = last else { return true }
            let playbackMoves = statistics.playback == nil || now.2 != before.playback
            return now.0 != before.loop && now.1 != before.capture && playbackMoves
        }
        // The network thread: the same session's count must have moved (a new session starts afresh).
        let current = status.session.flatMap { session in session.transportHeartbeat.map { (ObjectIdentifier(session), $0) } }
        let networkMoves = network.withLock { previous -> Bool in
            defer { previous = current }
            guard let current, let previous, previous.session == current.0 else { return true }
            return current.1 != previous.beat
        }
        return threads && networkMoves
    }
}

/// Keeps systemd's `STATUS=` current: the state and the counters (reconnects, xruns, drops, RSS).
struct StatusNotifierService: Service {
    let name = "status"
    let notifier: SystemdNotifier
    let status: RuntimeStatus
    let engine: AudioEngine

    func run(_ context: ServiceContext) async throws {
        context.ready()
        guard notifier.isEnabled else {
            await context.shutdownRequested()
            return
        }
        let ticker = Task {
            var lastText = ""
            while !Task.isCancelled {
                let text = Self.text(status: status, engine: engine)
                if text != lastText {
                    notifier.notify("STATUS=" + text)
                    lastText = text
                }
                try? await Task.sleep(for: .seconds(1))
            }
        }
        await context.shutdownRequested()
        ticker.cancel()
    }

    static func text(status: RuntimeStatus, engine: AudioEngine) -> String {
        let statistics = engine.statistics
        let counters = status.counters
        let xruns = statistics.capture.xruns + (statistics.playback?.xruns ?? 0)
        let drops = statistics.framesDroppedInEngine + statistics.framesDroppedByConsumer + counters.framesDropped
        let rss = ResidentMemory.current().map { String(format1: Double($0) / 1_048_576) + " MiB" } ?? "?"
        return "\(status.state.rawValue); reconnects \(counters.reconnects), xruns \(xruns), drops \(drops), RSS \(rss)"
    }
}

/// The process's resident memory, from `/proc/self/statm`.
public enum ResidentMemory {
    /// Resident bytes now, or nil where `/proc` is not there.
    public static func current() -> Int? {
        guard let file = fopen("/proc/self/statm", "r") else { return nil }
        defer { fclose(file) }
        var size = 0
        var resident = 0
        guard fscanf_two(file, &size, &resident) == 2 else { return nil }
        return resident * Int(sysconf(Int32(_SC_PAGESIZE)))
    }

    private static func fscanf_two(_ file: UnsafeMutablePointer<FILE>, _ a: inout Int, _ b: inout Int) -> Int {
        var buffer = [CChar](repeating: 0, count: 128)
        guard fgets(&buffer, Int32(buffer.count), file) != nil else { return 0 }
        let fields = String(cString: buffer).split(separator: " ")
        guard fields.count >= 2, let first = Int(fields[0]), let second = Int(fields[1]) else { return 0 }
        a = first
        b = second
        return 2
    }
}

extension String {
    /// A number with one decimal.
    init(format1 value: Double) {
        let tenths = Int((value * 10).rounded())
        self = "\(tenths / 10).\(abs(tenths % 10))"
    }
}
