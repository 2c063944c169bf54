// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

import Foundation
import TestKit
import Testing

/// `livevoiced check`, the doctor, run as a user runs it.
@Suite("livevoiced check")
struct CheckCLITests {
    private func check(_ arguments: [String]) async throws -> (Int32, String) {
        let process = try PeerProcess(PackagePaths.product("livevoiced").path, ["check"] + arguments,
                                      environment: ["GEMINI_API_KEY": "x"])
        let status = try await process.waitForExit()
        return (status, process.output.joined(separator: "\n") + process.standardError)
    }

    @Test("reports the libraries and validates the example tools config")
    func healthy() async throws {
        let example = PackagePaths.root.appendingPathComponent("board/examples/tools.toml").path
        let (status, output) = try await check(["--config", example])
        #expect(status == 0, "\(output)")
        #expect(output.contains("ok   libcurl"))
        #expect(output.contains("with ws/wss"))
        #expect(output.contains("ok   libgpiod"))
        #expect(output.contains("garage_door"))
        #expect(output.contains("API key"))
    }

    @Test("a broken config fails the check, naming the key path and line")
    func brokenConfig() async throws {
        let directory = try PackagePaths.temporaryDirectory("check")
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("bad.toml").path
        try """
            [[tools]]
            name = "lamp"
            description = "A lamp."
            [tools.action]
            kind = "set"
            line = "GPIO22"
            min_interval_ms = "soon"
            """.write(toFile: path, atomically: true, encoding: .utf8)
        let (status, output) = try await check(["--config", path])
        #expect(status == 1)
        #expect(output.contains("FAIL"))
        #expect(output.contains("min_interval_ms"))
        #expect(output.contains("line 7"))
    }
}
