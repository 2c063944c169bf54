// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

import AudioEngine
@testable import Daemon
import TestKit
import Testing
import Time

@Suite("Watchdog health", .serialized, .timeLimit(.minutes(1)))
struct HealthCheckTests {
    @Test("healthy while the loop, capture and playback heartbeats advance; a stopped loop or device thread is not")
    func heartbeats() async throws {
        var configuration = AudioEngineConfiguration()
        configuration.capture = .init(name: "mic", sampleRate: 16_000)
        configuration.playback = .init(name: "speaker", sampleRate: 24_000)
        configuration.alsaConfigurationText = ALSATestConfig.null(name: "mic") + ALSATestConfig.null(name: "speaker")
        configuration.realtimePriority = nil
        let engine = AudioEngine(configuration: configuration, makeProcessor: { PassThroughProcessor() })
        try engine.start()
        let status = RuntimeStatus(startedAt: SystemMonotonicClock().now())
        let health = HealthCheck(status: status, engine: engine)
        #expect(health.isHealthy(), "the first look has nothing to compare with")
        for _ in 0..<3 {
            status.beat()
            try await Task.sleep(for: .milliseconds(100))
            #expect(health.isHealthy())
        }
        // The conversation loop stops beating (it hangs): the next look fails.
        try await Task.sleep(for: .milliseconds(100))
        #expect(!health.isHealthy())
        status.beat()
        try await Task.sleep(for: .milliseconds(100))
        #expect(health.isHealthy())
        // The device threads end: their heartbeats stop.
        engine.stop()
        status.beat()
        _ = health.isHealthy()
        status.beat()
        try await Task.sleep(for: .milliseconds(100))
        #expect(!health.isHealthy())
    }
}
