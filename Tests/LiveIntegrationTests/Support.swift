// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

import Foundation
import GeminiLive
import LiveSimulator
import Testing

/// A simulator started for one test, and a GeminiLive client (real libcurl transport) pointed at it.
struct SimulatedService {
    let simulator: LiveSimulator
    let client: LiveClient

    static func start(apiKey: String = "sim-key", setupTimeout: Duration = .seconds(10),
                      configure: (inout SimulatorConfiguration) -> Void = { _ in }) async throws -> SimulatedService {
        var configuration = SimulatorConfiguration()
        configure(&configuration)
        let simulator = try await LiveSimulator.start(configuration)
        var options = LiveClientOptions()
        options.setupTimeout = setupTimeout
        let client = LiveClient(apiKey: apiKey, endpoint: simulator.baseURL, options: options)
        return SimulatedService(simulator: simulator, client: client)
    }

    /// Collects messages until one satisfies `stop` (included), with a deadline so a bug cannot hang the run.
    static func collect(_ session: LiveSession, timeout: Duration = .seconds(20),
                        until stop: @escaping @Sendable (LiveServerMessage) -> Bool) async throws -> [LiveServerMessage] {
        try await withThrowingTaskGroup(of: [LiveServerMessage]?.self) { group in
            group.addTask {
                var messages: [LiveServerMessage] = []
                for try await message in session.receive() {
                    messages.append(message)
                    if stop(message) { break }
                }
                return messages
            }
            group.addTask {
                try await Task.sleep(for: timeout)
                return nil
            }
            guard let first = try await group.next(), let messages = first else {
                group.cancelAll()
                throw TimeoutError(description: "no matching message within \(timeout)")
            }
            group.cancelAll()
            return messages
        }
    }

    struct TimeoutError: Error, CustomStringConvertible { var description: String }
}

extension LiveServerMessage {
    var isTurnComplete: Bool { serverContent?.turnComplete == true }
}

/// 16 kHz s16le PCM of a tone with a syllable-like envelope: loud enough to count as speech.
func speechLikePCM(seconds: Double, sampleRate: Int = 16_000) -> Data {
    let count = Int(seconds * Double(sampleRate))
    var samples = [Int16](repeating: 0, count: count)
    for index in 0..<count {
        let t = Double(index) / Double(sampleRate)
        let envelope = 0.5 + 0.5 * sin(2 * .pi * 4 * t)
        let value = envelope * (sin(2 * .pi * 180 * t) + 0.5 * sin(2 * .pi * 360 * t) + 0.25 * sin(2 * .pi * 720 * t))
        samples[index] = Int16(value * 6000)
    }
    return samples.withUnsafeBytes { Data($0) }
}
