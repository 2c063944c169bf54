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

    @Test("--offline validates every board profile where no chip or sound card exists")
    func offlineProfiles() async throws {
        let directory = PackagePaths.root.appendingPathComponent("board/profiles")
        let profiles = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".toml") }
        #expect(profiles.count >= 6)
        for profile in profiles {
            let (status, output) = try await check(["--config", directory.appendingPathComponent(profile).path, "--offline"])
            #expect(status == 0, "\(profile): \(output)")
            #expect(output.contains("valid ("), "\(profile): \(output)")
            #expect(!output.contains("GPIO chips"), "--offline looks at no chip: \(output)")
            #expect(!output.contains("sound cards"), "--offline looks at no sound card: \(output)")
        }
    }

    @Test("the whole daemon configuration is validated, not only its tools")
    func wholeConfiguration() async throws {
        let directory = try PackagePaths.temporaryDirectory("check-whole")
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("config.toml").path
        try """
            [live]
            model = "gemini-3.8-live"

            [button]
            line = "GPIO17"
            colour = "red"
            """.write(toFile: path, atomically: true, encoding: .utf8)
        let (status, output) = try await check(["--config", path, "--offline"])
        #expect(status == 1)
        #expect(output.contains("FAIL"))
        #expect(output.contains("button.colour"), "\(output)")
        #expect(output.contains("line 6"), "\(output)")
        let (missing, missingOutput) = try await check(["--config", directory.appendingPathComponent("none.toml").path, "--offline"])
        #expect(missing == 1)
        #expect(missingOutput.contains("cannot read"), "\(missingOutput)")
    }

    @Test("--offline cannot be combined with --online or --audio")
    func offlineExcludesNetworkAndAudio() async throws {
        let (status, output) = try await check(["--offline", "--online"])
        #expect(status != 0)
        #expect(output.contains("--offline"))
        let (audio, audioOutput) = try await check(["--offline", "--audio"])
        #expect(audio != 0)
        #expect(audioOutput.contains("cannot be combined"))
    }

    @Test("--audio without a configuration says which devices it would need",
          .enabled(if: !FileManager.default.fileExists(atPath: "/etc/livevoiced/config.toml"), "an installed config would be measured"))
    func audioNeedsConfiguration() async throws {
        let (status, output) = try await check(["--audio", "--seconds", "2"])
        #expect(status == 1)
        #expect(output.contains("give --config FILE"), "\(output)")
    }
}
