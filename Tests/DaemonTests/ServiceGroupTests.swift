// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

@testable import Daemon
import Log
import Synchronization
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// A signal source the test raises by hand.
final class ManualSignals: SignalSource {
    private let state = Mutex<(count: Int, waiters: [CheckedContinuation<Int32?, Never>])>((0, []))
    func install() {}
    var count: Int { state.withLock { $0.count } }
    func wait(after seen: Int) async -> Int32? {
        await withCheckedContinuation { continuation in
            let ready = state.withLock { state -> Bool in
                if state.count > seen { return true }
                state.waiters.append(continuation)
                return false
            }
            if ready { continuation.resume(returning: 15) }
        }
    }
    func raise() {
        let waiters = state.withLock { state -> [CheckedContinuation<Int32?, Never>] in
            state.count += 1
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume(returning: 15) }
    }
}

/// Records start and stop order in a shared journal.
struct RecordingService: Service {
    let name: String
    let journal: Journal
    var failAfter: Duration?
    var finishAfter: Duration?

    struct Failure: Error {}

    func run() async throws {
        journal.append("start \(name)")
        defer { journal.append("stop \(name)") }
        if let failAfter {
            try await Task.sleep(for: failAfter)
            throw Failure()
        }
        if let finishAfter {
            try await Task.sleep(for: finishAfter)
            return
        }
        while !Task.isCancelled { try? await Task.sleep(for: .seconds(60)) }
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

@Suite("ServiceGroup")
struct ServiceGroupTests {
    @Test("a signal stops the services in reverse order, each awaited before the next")
    func signalShutdown() async throws {
        let journal = Journal()
        let signals = ManualSignals()
        let ready = Mutex(false)
        let group = ServiceGroup(
            services: ["board", "audio", "live"].map { RecordingService(name: $0, journal: journal) },
            logger: .disabled, signals: signals, onReady: { ready.withLock { $0 = true } })
        let running = Task { try await group.run() }
        try await journal.waitFor(3)
        #expect(ready.withLock { $0 })
        signals.raise()
        let outcome = try await running.value
        #expect(outcome == .signal(15))
        #expect(Array(journal.entries.suffix(3)) == ["stop live", "stop audio", "stop board"])
    }

    @Test("a failing service shuts the others down and its error is thrown")
    func failure() async throws {
        let journal = Journal()
        let group = ServiceGroup(
            services: [RecordingService(name: "board", journal: journal),
                       RecordingService(name: "live", journal: journal, failAfter: .milliseconds(50))],
            logger: .disabled, signals: ManualSignals(), onReady: {})
        await #expect(throws: RecordingService.Failure.self) { try await group.run() }
        #expect(journal.entries.contains("stop board"))
    }

    @Test("a service that ends on its own ends the group")
    func finished() async throws {
        let journal = Journal()
        let group = ServiceGroup(
            services: [RecordingService(name: "board", journal: journal),
                       RecordingService(name: "oneshot", journal: journal, finishAfter: .milliseconds(20))],
            logger: .disabled, signals: ManualSignals(), onReady: {})
        #expect(try await group.run() == .serviceFinished("oneshot"))
        #expect(journal.entries.last == "stop board")
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
