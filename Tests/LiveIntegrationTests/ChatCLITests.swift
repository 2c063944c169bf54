// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

import Foundation
import LiveSimulator
import TestKit
import Testing

/// The built `livevoiced chat` binary against the simulator, as a user runs it.
@Suite("livevoiced chat")
struct ChatCLITests {
    private func run(_ arguments: [String], environment: [String: String] = [:]) async throws -> (Int32, [String], String) {
        let process = try PeerProcess(PackagePaths.product("livevoiced").path, arguments, environment: environment)
        let status = try await process.waitForExit(timeout: .seconds(60))
        return (status, process.output, process.standardError)
    }

    @Test("prints the text reply and the usage")
    func text() async throws {
        let simulator = try await LiveSimulator.start()
        defer { Task { await simulator.shutdown() } }
        let (status, output, errors) = try await run(["chat", "--endpoint", simulator.baseURL, "What time is it?"],
                                                     environment: ["GEMINI_API_KEY": ""])
        #expect(status == 0, "\(errors)")
        #expect(output.first == "You said: What time is it?")
        #expect(output.contains { $0.hasPrefix("usage: prompt ") })
    }

    @Test("writes the spoken reply to a WAV file")
    func audio() async throws {
        let simulator = try await LiveSimulator.start()
        defer { Task { await simulator.shutdown() } }
        let directory = try PackagePaths.temporaryDirectory("chat")
        defer { try? FileManager.default.removeItem(at: directory) }
        let wav = directory.appendingPathComponent("reply.wav").path
        let (status, output, errors) = try await run(["chat", "--endpoint", simulator.baseURL, "--voice", "Kore", "--audio-out", wav, "Hi"])
        #expect(status == 0, "\(errors)")
        let data = try Data(contentsOf: URL(fileURLWithPath: wav))
        #expect(data.count > 44 + 24_000)
        #expect(data.prefix(4) == Data("RIFF".utf8))
        #expect(data[24..<28] == Data([0xC0, 0x5D, 0, 0]))  // 24000 Hz
        #expect(output.contains { $0.hasPrefix("wrote ") })
        #expect(output.contains { $0 == "transcript: You said: Hi" })
    }

    @Test("a server error exits non-zero with the server's reason, never the key")
    func serverError() async throws {
        var configuration = SimulatorConfiguration()
        configuration.apiKey = "the-right-key"
        let simulator = try await LiveSimulator.start(configuration)
        defer { Task { await simulator.shutdown() } }
        let directory = try PackagePaths.temporaryDirectory("chat-key")
        defer { try? FileManager.default.removeItem(at: directory) }
        let keyFile = directory.appendingPathComponent("key").path
        try "a-wrong-key-123\n".write(toFile: keyFile, atomically: true, encoding: .utf8)
        let (status, output, errors) = try await run(["chat", "--endpoint", simulator.baseURL, "--api-key-file", keyFile, "Hi"])
        #expect(status != 0)
        #expect(errors.contains("API key not valid"))
        #expect(errors.contains("1008"))
        #expect(!(errors + output.joined()).contains("a-wrong-key-123"))
    }

    @Test("no key and no endpoint: says how to get a key or use the simulator")
    func noKey() async throws {
        let (status, _, errors) = try await run(["chat", "Hi"], environment: ["GEMINI_API_KEY": "", "GOOGLE_API_KEY": ""])
        #expect(status != 0)
        #expect(errors.contains("aistudio.google.com"))
        #expect(errors.contains("live-simulator"))
    }
}
