// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

import Foundation
import LiveSimulator
import TestKit
import Testing

/// `livevoiced status` against a running daemon: `livevoiced simulate` (the daemon's launcher, services and
/// runtime on a simulated board) serving its status socket in a runtime directory, as systemd's
/// RuntimeDirectory= gives the unit, and the simulator as its Live API peer.
@Suite("livevoiced status")
struct StatusCLITests {
    private let livevoiced = PackagePaths.product("livevoiced").path

    /// Two seconds of a quiet tone, 16 kHz mono, as a WAV file.
    private func micFile(_ directory: URL) throws -> String {
        let rate = 16_000
        var samples = Data()
        for i in 0..<(rate * 2) {
            var value = Int16(2000 * sin(Double(i) * 2 * Double.pi * 300 / Double(rate))).littleEndian
            withUnsafeBytes(of: &value) { samples.append(contentsOf: $0) }
        }
        var wav = Data("RIFF".utf8)
        func u32(_ v: Int) { var x = UInt32(v).littleEndian; withUnsafeBytes(of: &x) { wav.append(contentsOf: $0) } }
        func u16(_ v: Int) { var x = UInt16(v).littleEndian; withUnsafeBytes(of: &x) { wav.append(contentsOf: $0) } }
        u32(36 + samples.count)
        wav.append(contentsOf: Data("WAVEfmt ".utf8))
        u32(16); u16(1); u16(1); u32(rate); u32(rate * 2); u16(2); u16(16)
        wav.append(contentsOf: Data("data".utf8))
        u32(samples.count)
        wav.append(samples)
        let path = directory.appendingPathComponent("mic.wav").path
        try wav.write(to: URL(fileURLWithPath: path))
        return path
    }

    private func status(_ arguments: [String]) async throws -> (Int32, [String], String) {
        let process = try PeerProcess(livevoiced, ["status"] + arguments)
        let code = try await process.waitForExit(timeout: .seconds(30))
        return (code, process.output, process.standardError)
    }

    @Test("shows the running daemon's state and counters, as text and as JSON; says so when it is not running")
    func runningDaemon() async throws {
        let simulator = try await LiveSimulator.start()
        defer { Task { await simulator.shutdown() } }
        let directory = try PackagePaths.temporaryDirectory("status")
        defer { try? FileManager.default.removeItem(at: directory) }
        let runtime = directory.appendingPathComponent("run")
        try FileManager.default.createDirectory(at: runtime, withIntermediateDirectories: true)
        let socket = runtime.appendingPathComponent("status.sock").path
        let script = directory.appendingPathComponent("script.txt").path
        try "0.2 press\n1.5 release\n120 quit\n".write(toFile: script, atomically: true, encoding: .utf8)
        let daemon = try PeerProcess(
            livevoiced,
            ["simulate", "--endpoint", simulator.baseURL, "--mic-file", try micFile(directory), "--script", script, "--json"],
            environment: ["RUNTIME_DIRECTORY": runtime.path, "GEMINI_API_KEY": ""])
        // The turn is over once the reply has been played.
        _ = try await daemon.waitForLine(timeout: .seconds(60)) { $0.contains("\"type\":\"transcript\"") && $0.contains("\"model\"") }
        #expect(FileManager.default.fileExists(atPath: socket))

        let (code, lines, errors) = try await status(["--socket", socket])
        #expect(code == 0, "\(errors)")
        let text = lines.joined(separator: "\n")
        for label in ["state", "uptime", "sessions", "tools", "capture", "playback", "xruns", "drops", "rings", "memory", "last error"] {
            #expect(lines.contains { $0.hasPrefix(label + " ") }, "no '\(label)' line in:\n\(text)")
        }
        #expect(text.contains("sessions    1 opened"), "\(text)")
        #expect(text.contains("sim_mic: running at 16000 Hz"), "\(text)")

        let (jsonCode, jsonLines, jsonErrors) = try await status(["--socket", socket, "--json"])
        #expect(jsonCode == 0, "\(jsonErrors)")
        #expect(jsonLines.count == 1)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(jsonLines.joined().utf8)) as? [String: Any])
        for key in ["state", "uptime_s", "reconnects", "xruns", "drops", "rings", "rss_bytes", "last_error", "capture", "playback"] {
            #expect(object[key] != nil, "no \(key) in \(object.keys.sorted())")
        }
        #expect(object["sessions"] as? Int == 1)
        #expect((object["turns"] as? Int ?? 0) >= 1)
        let rings = try #require(object["rings"] as? [String: Any])
        #expect((rings["playback_high_water_ms"] as? Double ?? 0) > 0, "the reply went through the playback ring: \(rings)")

        daemon.interrupt()
        _ = try await daemon.waitForExit(timeout: .seconds(30))
        #expect(!FileManager.default.fileExists(atPath: socket), "the socket is removed on exit")
        let (stopped, _, stoppedErrors) = try await status(["--socket", socket])
        #expect(stopped != 0)
        #expect(stoppedErrors.contains("not running"), "\(stoppedErrors)")
    }
}
