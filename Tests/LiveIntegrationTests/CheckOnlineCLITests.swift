// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

import Foundation
import LiveSimulator
import TestKit
import Testing

/// `livevoiced check --online` against the local simulator over the real libcurl client: the daemon's own
/// setup with the configured key and model, and a clear reason for each way it can fail.
@Suite("livevoiced check --online")
struct CheckOnlineCLITests {
    private func check(_ arguments: [String], environment: [String: String] = [:]) async throws -> (Int32, String) {
        var environment = environment
        for name in ["GEMINI_API_KEY", "GOOGLE_API_KEY", "CREDENTIALS_DIRECTORY"] where environment[name] == nil {
            environment[name] = ""
        }
        let process = try PeerProcess(PackagePaths.product("livevoiced").path, ["check", "--online"] + arguments, environment: environment)
        let status = try await process.waitForExit(timeout: .seconds(60))
        return (status, process.output.joined(separator: "\n") + process.standardError)
    }

    private func configFile(_ directory: URL, model: String) throws -> String {
        let path = directory.appendingPathComponent("config.toml").path
        let example = try String(contentsOf: PackagePaths.root.appendingPathComponent("board/examples/livevoiced.toml"), encoding: .utf8)
        try example.replacingOccurrences(of: "model = \"gemini-3.8-live\"", with: "model = \"\(model)\"")
            .write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test("the configured key and model get setupComplete; the round trip is printed")
    func success() async throws {
        var configuration = SimulatorConfiguration()
        configuration.apiKey = "the-right-key"
        let simulator = try await LiveSimulator.start(configuration)
        defer { Task { await simulator.shutdown() } }
        let directory = try PackagePaths.temporaryDirectory("check-online")
        defer { try? FileManager.default.removeItem(at: directory) }
        let config = try configFile(directory, model: "gemini-3.8-live")
        let (status, output) = try await check(["--config", config, "--endpoint", simulator.baseURL],
                                               environment: ["GEMINI_API_KEY": "the-right-key"])
        #expect(status == 0, "\(output)")
        #expect(output.contains("ok   Live API"), "\(output)")
        #expect(output.contains("model gemini-3.8-live: setupComplete in "), "\(output)")
        #expect(!output.contains("the-right-key"))
        // The setup was the daemon's: the tools of the configuration were declared.
        let setup = try #require(simulator.received.first { $0.messageType == "setup" })
        #expect(setup.text.contains("garage_door"))
        #expect(setup.text.contains("models/gemini-3.8-live"))
    }

    @Test("a wrong key: 'bad API key', exit 1, and the key appears nowhere")
    func badKey() async throws {
        var configuration = SimulatorConfiguration()
        configuration.apiKey = "the-right-key"
        let simulator = try await LiveSimulator.start(configuration)
        defer { Task { await simulator.shutdown() } }
        let (status, output) = try await check(["--endpoint", simulator.baseURL],
                                               environment: ["GEMINI_API_KEY": "a-wrong-key-4711"])
        #expect(status == 1)
        #expect(output.contains("FAIL Live API"), "\(output)")
        #expect(output.contains("bad API key"), "\(output)")
        #expect(output.contains("aistudio.google.com/apikey"))
        #expect(!output.contains("a-wrong-key-4711"))
    }

    @Test("a model the server does not serve: 'model not found', naming the model")
    func unknownModel() async throws {
        var configuration = SimulatorConfiguration()
        configuration.knownModels = ["models/gemini-3.8-live"]
        let simulator = try await LiveSimulator.start(configuration)
        defer { Task { await simulator.shutdown() } }
        let directory = try PackagePaths.temporaryDirectory("check-model")
        defer { try? FileManager.default.removeItem(at: directory) }
        let config = try configFile(directory, model: "gemini-0.1-imaginary")
        let (status, output) = try await check(["--config", config, "--endpoint", simulator.baseURL])
        #expect(status == 1)
        #expect(output.contains("model not found"), "\(output)")
        #expect(output.contains("gemini-0.1-imaginary"), "\(output)")
        #expect(output.contains("live.model"), "\(output)")
    }

    @Test("nothing listening: 'no route to the server', with what to look at")
    func noRoute() async throws {
        // A port that was free a moment ago and is closed now.
        let simulator = try await LiveSimulator.start()
        let closed = simulator.baseURL
        await simulator.shutdown()
        let (status, output) = try await check(["--endpoint", closed])
        #expect(status == 1)
        #expect(output.contains("no route to the server"), "\(output)")
        #expect(output.contains("ip route"), "\(output)")
    }

    @Test("the key from systemd's credentials directory is the one used")
    func credentialsDirectory() async throws {
        var configuration = SimulatorConfiguration()
        configuration.apiKey = "key-from-the-credential"
        let simulator = try await LiveSimulator.start(configuration)
        defer { Task { await simulator.shutdown() } }
        let directory = try PackagePaths.temporaryDirectory("check-credential")
        defer { try? FileManager.default.removeItem(at: directory) }
        try "key-from-the-credential\n".write(to: directory.appendingPathComponent("gemini-api-key"), atomically: true, encoding: .utf8)
        let (status, output) = try await check(
            ["--endpoint", simulator.baseURL],
            environment: ["CREDENTIALS_DIRECTORY": directory.path, "GEMINI_API_KEY": "a-key-that-must-not-win"])
        #expect(status == 0, "\(output)")
        #expect(output.contains("key from the systemd credential gemini-api-key"), "\(output)")
        #expect(!output.contains("key-from-the-credential"))
    }
}
