// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

@testable import Daemon
import Threads
import Log
import Synchronization
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// A signal source the test raises by hand.
final class ManualSignals: SignalSource {
    private let state = Mutex<(raised: [Int32], waiters: [(Int, CheckedContinuation<Int32?, Never>)])>(([], []))
    func install() {}
    var count: Int { state.withLock { $0.raised.count } }
    func wait(after seen: Int) async -> Int32? {
        await withCheckedContinuation { continuation in
            let ready = state.withLock { state -> Int32? in
                if state.raised.count > seen { return state.raised[seen] }
                state.waiters.append((seen, continuation))
                return nil
            }
            if let ready { continuation.resume(returning: ready) }
        }
    }
    func raise(_ signal: Int32 = SIGTERM) {
        let due = state.withLock { state -> [(CheckedContinuation<Int32?, Never>, Int32)] in
            state.raised.append(signal)
            let due = state.waiters.filter { $0.0 < state.raised.count }
            state.waiters.removeAll { $0.0 < state.raised.count }
            return due.map { ($0.1, state.raised[$0.0]) }
        }
        for (waiter, signal) in due { waiter.resume(returning: signal) }
    }
}

/// Records start, readiness and stop in a shared journal.
struct RecordingService: Service {
    let name: String
    let journal: Journal
    /// How long start-up takes before it reports ready (nil: never ready, it fails instead).
    var startup: Duration? = .milliseconds(20)
    var failAfter: Duration?
    var finishAfter: Duration?
    /// Teardown awaits this long (it must not be cancelled to finish).
    var teardown: Duration = .milliseconds(10)
    /// Ignores the shutdown request (the group must cancel it).
    var stubborn = false

    struct Failure: Error {}

    func run(_ context: ServiceContext) async throws {
        journal.append("start \(name)")
        guard let startup else {
            try await Task.sleep(for: .milliseconds(20))
            throw Failure()
        }
        try await Task.sleep(for: startup)
        journal.append("ready \(name)")
        context.ready()
        if let failAfter {
            try await Task.sleep(for: failAfter)
            throw Failure()
        }
        if let finishAfter {
            try await Task.sleep(for: finishAfter)
            return
        }
        if stubborn {
            while !Task.isCancelled { try? await Task.sleep(for: .milliseconds(10)) }
            journal.append("cancelled \(name)")
            return
        }
        await context.shutdownRequested()
        // An orderly teardown that awaits: it works because graceful shutdown is not cancellation.
        do {
            try await Task.sleep(for: teardown)
            journal.append("stop \(name)")
        } catch {
            journal.append("teardown of \(name) was cancelled")
        }
    }
}

final class Journal: Sendable {
    private let lines = Mutex<[String]>([])
    func append(_ line: String) { lines.withLock { $0.append(line) } }
    var entries: [String] { lines.withLock { $0 } }
    func waitFor(_ count: Int) async throws {
        for _ in 0..<1000 where entries.count < count { try await Task.sleep(for: .milliseconds(10)) }
    }
}

@Suite("ServiceGroup", .timeLimit(.minutes(1)))
struct ServiceGroupTests {
    @Test("services start in order, each after the previous one is ready; onReady once all are")
    func readinessOrder() async throws {
        let journal = Journal()
        let signals = ManualSignals()
        let group = ServiceGroup(
            services: ["gpio", "audio", "conversation"].map { RecordingService(name: $0, journal: journal) },
            logger: .disabled, signals: signals, onReady: { journal.append("READY=1") })
        let running = Task { try await group.run() }
        try await journal.waitFor(7)
        #expect(journal.entries == [
            "start gpio", "ready gpio", "start audio", "ready audio", "start conversation", "ready conversation", "READY=1",
        ])
        signals.raise()
        _ = try await running.value
    }

    @Test("a signal: STOPPING, then each service shuts down gracefully in reverse, its teardown not cancelled")
    func signalShutdown() async throws {
        let journal = Journal()
        let signals = ManualSignals()
        let group = ServiceGroup(
            services: ["board", "audio", "live"].map { RecordingService(name: $0, journal: journal) },
            logger: .disabled, signals: signals, onStopping: { journal.append("STOPPING=1") })
        let running = Task { try await group.run() }
        try await journal.waitFor(6)
        signals.raise(SIGTERM)
        let outcome = try await running.value
        #expect(outcome == .signal(SIGTERM))
        #expect(Array(journal.entries.suffix(4)) == ["STOPPING=1", "stop live", "stop audio", "stop board"])
    }

    @Test("SIGHUP is not a shutdown: it goes to onReload and the services keep running")
    func hangUp() async throws {
        let journal = Journal()
        let signals = ManualSignals()
        let group = ServiceGroup(
            services: [RecordingService(name: "conversation", journal: journal)], logger: .disabled, signals: signals,
            onReload: { journal.append("reload") })
        let running = Task { try await group.run() }
        try await journal.waitFor(2)
        signals.raise(SIGHUP)
        try await journal.waitFor(3)
        try await Task.sleep(for: .milliseconds(50))
        #expect(journal.entries == ["start conversation", "ready conversation", "reload"])
        signals.raise(SIGINT)
        #expect(try await running.value == .signal(SIGINT))
    }

    @Test("a service that overstays its shutdown time is cancelled (the escalation)")
    func escalation() async throws {
        let journal = Journal()
        let signals = ManualSignals()
        var group = ServiceGroup(
            services: [RecordingService(name: "stuck", journal: journal, stubborn: true)], logger: .disabled,
            signals: signals)
        group.shutdownTimeout = .milliseconds(100)
        let running = Task { try await group.run() }
        try await journal.waitFor(2)
        signals.raise()
        _ = try await running.value
        #expect(journal.entries.last == "cancelled stuck")
    }

    @Test("a service that fails before it is ready stops the start-up; the ones started are shut down")
    func failureBeforeReady() async throws {
        let journal = Journal()
        let ready = Mutex(false)
        let group = ServiceGroup(
            services: [RecordingService(name: "gpio", journal: journal),
                       RecordingService(name: "audio", journal: journal, startup: nil),
                       RecordingService(name: "conversation", journal: journal)],
            logger: .disabled, signals: ManualSignals(), onReady: { ready.withLock { $0 = true } })
        await #expect(throws: RecordingService.Failure.self) { try await group.run() }
        #expect(!journal.entries.contains("start conversation"))
        #expect(journal.entries.last == "stop gpio")
        #expect(ready.withLock { $0 } == false)
    }

    @Test("a failing service shuts the others down and its error is thrown")
    func failure() async throws {
        let journal = Journal()
        let group = ServiceGroup(
            services: [RecordingService(name: "board", journal: journal),
                       RecordingService(name: "live", journal: journal, failAfter: .milliseconds(50))],
            logger: .disabled, signals: ManualSignals())
        await #expect(throws: RecordingService.Failure.self) { try await group.run() }
        #expect(journal.entries.contains("stop board"))
    }

    @Test("a service that ends on its own ends the group")
    func finished() async throws {
        let journal = Journal()
        let group = ServiceGroup(
            services: [RecordingService(name: "board", journal: journal),
                       RecordingService(name: "oneshot", journal: journal, finishAfter: .milliseconds(20))],
            logger: .disabled, signals: ManualSignals())
        #expect(try await group.run() == .serviceFinished("oneshot"))
        #expect(journal.entries.last == "stop board")
    }

    @Test("a trigger stops the group from outside")
    func trigger() async throws {
        let journal = Journal()
        let trigger = ShutdownTrigger()
        let group = ServiceGroup(services: [RecordingService(name: "a", journal: journal)], logger: .disabled,
                                 signals: ManualSignals())
        let running = Task { try await group.run(until: trigger) }
        try await journal.waitFor(2)
        trigger.fire()
        #expect(try await running.value == .requested)
        #expect(journal.entries.last == "stop a")
    }
}

@Suite("TerminationSignals")
struct TerminationSignalsTests {
    @Test("a real signal to this process is delivered as an event, not a death")
    func realSignal() async throws {
        let signals = TerminationSignals.shared
        signals.install()
        let seen = signals.count
        kill(getpid(), SIGHUP)
        let received = await signals.wait(after: seen)
        #expect(received == SIGHUP)
    }

    @Test("a cancelled wait returns nil")
    func cancelledWait() async {
        let signals = TerminationSignals.shared
        signals.install()
        let waiting = Task { await signals.wait(after: signals.count + 100) }
        waiting.cancel()
        #expect(await waiting.value == nil)
    }
}
