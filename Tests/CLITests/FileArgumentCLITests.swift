// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

import Foundation
import TestKit
import Testing

/// Files given on the command line that are not what they should be: an endless device, a directory, a
/// file far too big. Every one is a clear error naming the option, the path and the limit; none is read
/// until memory runs out.
@Suite("livevoiced file arguments")
struct FileArgumentCLITests {
    private func run(_ arguments: [String]) async throws -> (status: Int32, output: String) {
        let process = try PeerProcess(PackagePaths.product("livevoiced").path, arguments,
                                      environment: ["GEMINI_API_KEY": "", "GOOGLE_API_KEY": ""])
        let status = try await process.waitForExit()
        return (status, process.output.joined(separator: "\n") + process.standardError)
    }

    @Test("--config /dev/zero fails at once in check and gpio, naming the 4 MiB limit")
    func endlessConfig() async throws {
        let check = try await run(["check", "--config", "/dev/zero"])
        #expect(check.status == 1)
        #expect(check.output.contains("--config: '/dev/zero' is too large: more than the limit of 4194304 bytes"), "\(check.output)")

        let action = try await run(["gpio", "action", "--simulated", "--config", "/dev/zero", "lamp", "{}"])
        #expect(action.status == 1)
        #expect(action.output.contains("--config: '/dev/zero' is too large"), "\(action.output)")

        let directory = try await run(["gpio", "info", "--simulated", "--config", "/"])
        #expect(directory.status == 1)
        #expect(directory.output.contains("--config: '/' is a directory"), "\(directory.output)")
    }

    @Test("--api-key-file and --access-token-file of /dev/zero or a huge file are refused before connecting")
    func endlessSecrets() async throws {
        let key = try await run(["chat", "--api-key-file", "/dev/zero", "--endpoint", "ws://127.0.0.1:9", "hello"])
        #expect(key.status != 0)
        #expect(key.output.contains("the API key file: '/dev/zero' is too large"), "\(key.output)")
        #expect(key.output.contains("more than the limit of 16384 bytes"))

        let directory = try PackagePaths.temporaryDirectory("secrets")
        defer { try? FileManager.default.removeItem(at: directory) }
        let big = directory.appendingPathComponent("token").path
        try Data(repeating: UInt8(ascii: "t"), count: 100_000).write(to: URL(fileURLWithPath: big))
        let token = try await run([
            "chat", "--vertex-project", "p", "--access-token-file", big, "--endpoint", "ws://127.0.0.1:9", "hello",
        ])
        #expect(token.status != 0)
        #expect(token.output.contains("is too large: 100000 bytes, more than the limit of 16384 bytes"), "\(token.output)")
        #expect(!token.output.contains("tttt"))  // the contents never appear
    }

    @Test("--alsa-config /dev/zero is refused by the audio commands' option check")
    func endlessALSAConfig() async throws {
        let meter = try await run(["audio", "meter", "--alsa-config", "/dev/zero"])
        #expect(meter.status != 0)
        #expect(meter.output.contains("--alsa-config: '/dev/zero' is too large"), "\(meter.output)")
    }
}
