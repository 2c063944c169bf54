// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

import AudioEngine
import Conversation
import Daemon
import Foundation
import GeminiLive
import GPIO
import LiveSimulator
import Synchronization
import TestKit
import Testing
import Time

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
        let launcher = DaemonLauncher(
            clock: clock, logger: .disabled, reporter: reporter, notifier: SystemdNotifier(environment: { _ in nil }),
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
        let daemon = Task { await launcher.run(first) }
        try await reporter.wait("idle") { $0 == .state(.idle) }
        #expect(try board.level("GPIO22") == true, "the lamp starts at its safe value 1")

        // A configuration that does not validate: refused, nothing restarts.
        let before = reporter.mark
        kill(getpid(), SIGHUP)
        try await Task.sleep(for: .milliseconds(500))
        #expect(prepared.withLock { $0 } == 1)
        #expect(!reporter.all.dropFirst(before).contains { $0 == .state(.stopped) })
        #expect(try board.level("GPIO22") == true)

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
        kill(getpid(), SIGHUP)
        try await reporter.wait("stopped for the reload", after: valid) { $0 == .state(.stopped) }
        try await reporter.until("started again") { prepared.withLock { $0 } == 2 }
        try await reporter.wait("idle again", after: valid) { $0 == .state(.idle) }
        try await reporter.until("the new safe value") { (try? board.level("GPIO22")) == false }
        kill(getpid(), SIGTERM)
        #expect(await daemon.value == 0)
    }
}
