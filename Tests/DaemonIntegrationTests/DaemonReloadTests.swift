// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

import AudioEngine
import Conversation
@testable import Daemon
import Foundation
import GeminiLive
import GPIO
import LiveSimulator
import Synchronization
import TestKit
import Testing
import Time

/// Signals raised by hand: the test process's real ones also reach every other daemon running in it
/// (the end-to-end test stops its own with a real SIGTERM).
final class ScriptedSignals: SignalSource {
    private let state = Mutex<(raised: [Int32], waiters: [(Int, CheckedContinuation<Int32?, Never>)])>(([], []))
    func install() {}
    var count: Int { state.withLock { $0.raised.count } }
    func wait(after seen: Int) async -> Int32? {
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let ready = state.withLock { state -> Int32? in
                    if state.raised.count > seen { return state.raised[seen] }
                    state.waiters.append((seen, continuation))
                    return nil
                }
                if let ready { continuation.resume(returning: ready) }
            }
        } onCancel: {
            let waiters = state.withLock { state -> [CheckedContinuation<Int32?, Never>] in
                defer { state.waiters = [] }
                return state.waiters.map(\.1)
            }
            for waiter in waiters { waiter.resume(returning: nil) }
        }
    }
    func raise(_ signal: Int32) {
        let due = state.withLock { state -> [(CheckedContinuation<Int32?, Never>, Int32)] in
            state.raised.append(signal)
            let due = state.waiters.filter { $0.0 < state.raised.count }
            state.waiters.removeAll { $0.0 < state.raised.count }
            return due.map { ($0.1, state.raised[$0.0]) }
        }
        for (waiter, signal) in due { waiter.resume(returning: signal) }
    }
}

/// SIGHUP, as systemd's `ExecReload=` sends it, to the real launcher in this process.
@Suite("Daemon reload", .serialized, .timeLimit(.minutes(2)))
struct DaemonReloadTests {
    @Test("SIGHUP: a configuration that does not validate is refused and the running one kept; a valid one restarts with it")
    func reload() async throws {
        let simulator = try await LiveSimulator.start()
        defer { Task { await simulator.shutdown() } }
        let clock = SystemMonotonicClock()
        let board = SimulatedBoard(lines: (0...27).map { SimulatedBoard.LineSpec(name: "GPIO\($0)", level: $0 == 17) }, clock: clock)
        let first = try DaemonConfiguration.parse("""
            [button]
            line = "GPIO17"
            [led]
            line = "GPIO18"
            [[tools]]
            name = "lamp"
            description = "Switches the lamp."
            action = { kind = "set", line = "GPIO22", safe_value = 1 }
            """)
        // What the next SIGHUP finds: first a broken file, then one with the lamp's safe value at 0.
        let nextText = Mutex("[button]\nline = \"GPIO17\"\nmode = \"hold-to-talk\"\n")
        let reporter = RecordingReporter()
        let prepared = Mutex(0)
        // systemd's side of sd_notify: a reload must say RELOADING=1 then READY=1, never STOPPING=1 (after
        // STOPPING=1 systemd waits for the exit and kills the daemon when TimeoutStopSec= runs out).
        let systemd = try NotifySocketListener()
        defer { systemd.stop() }
        let socketPath = systemd.path
        let launcher = DaemonLauncher(
            clock: clock, logger: .disabled, reporter: reporter,
            notifier: SystemdNotifier(environment: { $0 == "NOTIFY_SOCKET" ? socketPath : nil }),
            status: RuntimeStatus(startedAt: clock.now()),
            prepare: { configuration in
                prepared.withLock { $0 += 1 }
                var engine = AudioEngineConfiguration()
                engine.capture = .init(name: "mic", sampleRate: 16_000)
                engine.playback = .init(name: "speaker", sampleRate: 24_000)
                engine.alsaConfigurationText = ALSATestConfig.null(name: "mic") + ALSATestConfig.null(name: "speaker")
                engine.realtimePriority = nil
                return DaemonLauncher.Setup(
                    configuration: configuration, gpio: board,
                    engine: AudioEngine(configuration: engine, makeProcessor: { PassThroughProcessor(frameLength: 320) }),
                    client: LiveClient(apiKey: "k", endpoint: simulator.baseURL))
            },
            reload: { try DaemonConfiguration.parse(nextText.withLock { $0 }) })
        let signals = ScriptedSignals()
        var running = launcher
        running.signals = signals
        let daemon = Task { [running] in await running.run(first) }
        try await reporter.wait("idle") { $0 == .state(.idle) }
        #expect(try board.level("GPIO22") == true, "the lamp starts at its safe value 1")
        #expect(await systemd.wait { $0.contains("READY=1") }, "\(systemd.messages)")

        // A configuration that does not validate: refused, nothing restarts.
        let before = reporter.mark
        signals.raise(SIGHUP)
        try await Task.sleep(for: .milliseconds(500))
        #expect(prepared.withLock { $0 } == 1)
        #expect(!reporter.all.dropFirst(before).contains { $0 == .state(.stopped) })
        #expect(try board.level("GPIO22") == true)
        #expect(systemd.lifecycle == ["READY=1"], "a refused reload tells systemd nothing: \(systemd.lifecycle)")

        // A valid one: the daemon stops gracefully and starts again with it (the lamp now rests at 0).
        nextText.withLock {
            $0 = """
                [button]
                line = "GPIO17"
                [led]
                line = "GPIO18"
                [[tools]]
                name = "lamp"
                description = "Switches the lamp."
                action = { kind = "set", line = "GPIO22", safe_value = 0 }
                """
        }
        let valid = reporter.mark
        signals.raise(SIGHUP)
        try await reporter.wait("stopped for the reload", after: valid) { $0 == .state(.stopped) }
        try await reporter.until("started again") { prepared.withLock { $0 } == 2 }
        try await reporter.wait("idle again", after: valid) { $0 == .state(.idle) }
        try await reporter.until("the new safe value") { (try? board.level("GPIO22")) == false }
        #expect(await systemd.wait { $0.filter { $0 == "READY=1" }.count == 2 }, "\(systemd.lifecycle)")
        #expect(systemd.lifecycle == ["READY=1", "RELOADING=1", "READY=1"], "\(systemd.lifecycle)")
        signals.raise(SIGTERM)
        #expect(await daemon.value == 0)
        #expect(await systemd.wait { $0.contains("STOPPING=1") }, "a real stop says so: \(systemd.lifecycle)")
        #expect(systemd.lifecycle == ["READY=1", "RELOADING=1", "READY=1", "STOPPING=1"], "\(systemd.lifecycle)")
    }
}
