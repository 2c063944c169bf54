// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

import CurlWebSocket
import Foundation
import LiveSimulator
import Testing

/// The `live-simulator` binary next to this test bundle (SwiftPM builds every product before testing).
private func simulatorBinary() throws -> URL {
    let directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    let candidates = [directory, directory.deletingLastPathComponent()].map { $0.appendingPathComponent("live-simulator") }
    return try #require(
        candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) },
        "live-simulator was not built next to the tests (looked in \(candidates.map(\.path))); run `swift build` first")
}

/// Reads stdout until the first newline (blocking reads, off the cooperative pool).
private func firstLine(of handle: FileHandle) async throws -> String {
    try await withTimeout(.seconds(20)) {
        await Task.detached {
            var bytes: [UInt8] = []
            while !bytes.contains(UInt8(ascii: "\n")) {
                let data = handle.availableData
                if data.isEmpty { break }
                bytes += data
            }
            return String(decoding: bytes.prefix { $0 != UInt8(ascii: "\n") }, as: UTF8.self)
        }.value
    }
}

@Suite("The live-simulator executable")
struct ExecutableTests {
    @Test("prints its URL, serves the demo light tool, and exits cleanly on SIGTERM")
    func runsAndStops() async throws {
        let process = Process()
        process.executableURL = try simulatorBinary()
        process.arguments = ["--port", "0", "--text-frames", "--api-key", "k1"]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        defer { if process.isRunning { process.terminate() } }

        let line = try await firstLine(of: output.fileHandleForReading)
        #expect(line.hasPrefix("live-simulator listening on ws://127.0.0.1:"))
        let base = String(line.dropFirst("live-simulator listening on ".count))

        let socket = try await WebSocket.connect(url: base + LiveSimulator.geminiPath + "?key=k1")
        try socket.send(text: Array(#"{"setup":{"model":"models/demo","generationConfig":{"responseModalities":["TEXT"]}}}"#.utf8))
        let setupComplete = try #require(try await withTimeout(.seconds(10)) { try await socket.receive() })
        guard case .text = setupComplete else {
            Issue.record("--text-frames must send TEXT frames, got \(setupComplete)")
            return
        }
        try socket.send(text: Array(#"{"clientContent":{"turns":[{"parts":[{"text":"light on"}]}],"turnComplete":true}}"#.utf8))
        let call = try #require(try await withTimeout(.seconds(10)) { try await socket.receive() })
        let json = try WireValue.parse(call.bytes)
        #expect(json.at("toolCall", "functionCalls")?[0]?["name"] == "set_light")
        #expect(json.at("toolCall", "functionCalls")?[0]?["args"] == ["on": true])
        await socket.close()

        process.terminate()  // SIGTERM
        try await withTimeout(.seconds(20)) {
            while process.isRunning { try await Task.sleep(for: .milliseconds(20)) }
        }
        #expect(process.terminationReason == .exit)
        #expect(process.terminationStatus == 0)
    }

    @Test("rejects a malformed --tool with a message naming the expected form")
    func rejectsBadTool() throws {
        let process = Process()
        process.executableURL = try simulatorBinary()
        process.arguments = ["--tool", "set_light:light:[1,2]"]
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(process.terminationStatus != 0)
        #expect(message.contains("must be a JSON object"))
    }
}
