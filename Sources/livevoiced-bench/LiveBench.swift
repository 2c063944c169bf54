// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

import ArgumentParser
import CurlWebSocket
import Foundation
import Synchronization
import GeminiLive

/// `livevoiced-bench live`: the costs of the Live API path, as figures (medians of many runs in one
/// process), not as pass/fail tests.
struct LiveBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "live",
        abstract: "Encode/decode cost of Live API messages and WebSocket round-trip latency on loopback.")

    @Option(help: "Round trips to time.")
    var messages: Int = 1000

    @Option(name: .customLong("echo-url"), help: "A WebSocket echo server; default: start Tests/Peers/ws_peer.py.")
    var echoURL: String?

    @Flag(name: .customLong("decode-only"), help: "Only the encode/decode figures (no round trip).")
    var decodeOnly = false

    @Option(name: .customLong("send-audio-seconds"),
            help: "Seconds of sendAudio on thread lv-micsend (run under scripts/rtcheck.c with RTCHECK_THREADS=lv-micsend to count its heap calls); 0 skips it.")
    var sendAudioSeconds: Double = 2

    /// Synchronous, so the bench's root stays a plain command: an async root runs Dispatch's main queue,
    /// whose signal thread valgrind (used by scripts/bench-audio on the same binary) cannot run.
    func run() throws {
        let outcome = Mutex<Result<Void, any Error>?>(nil)
        let done = DispatchSemaphore(value: 0)
        Task {
            let result: Result<Void, any Error>
            do {
                try await measure()
                result = .success(())
            } catch {
                result = .failure(error)
            }
            outcome.withLock { $0 = result }
            done.signal()
        }
        done.wait()
        try outcome.withLock { $0 }?.get()
    }

    private func measure() async throws {
        let encode = benchEncode()
        print("encode 20 ms realtimeInput audio (640 B PCM): fast path \(format(encode.fast)) µs, Codable \(format(encode.codable)) µs (ratio \(format(encode.codable / encode.fast))x)")
        let decode = try benchDecode()
        print("decode serverContent with 100 ms of 24 kHz audio (\(decode.bytes) B JSON): \(format(decode.micros)) µs")
        if sendAudioSeconds > 0 { try await LiveSendBench.run(seconds: sendAudioSeconds) }
        LiveDecodeBench.run()
        if decodeOnly { return }
        let rtt = try await benchRoundTrip()
        print("round trip over loopback, \(messages) × \(rtt.size) B text messages via \(rtt.peer): p50 \(format(rtt.p50)) µs, p99 \(format(rtt.p99)) µs, max \(format(rtt.max)) µs")
    }

    private func benchEncode() -> (fast: Double, codable: Double) {
        let pcm = (0..<320).map { Int16(truncatingIfNeeded: $0 &* 2654435761 >> 16) }
        let data = pcm.withUnsafeBytes { Data($0) }
        let encoder = RealtimeAudioEncoder()
        var buffer: [UInt8] = []
        let fast = medianMicros(batches: 31, perBatch: 2000) {
            data.withUnsafeBytes { encoder.encode($0, into: &buffer) }
        }
        let message = LiveClientMessage.realtimeInput(LiveClientRealtimeInput(audio: .pcm(data)))
        let codable = medianMicros(batches: 31, perBatch: 200) {
            _ = try? message.jsonBytes()
        }
        return (fast, codable)
    }

    private func benchDecode() throws -> (micros: Double, bytes: Int) {
        let audio = Data((0..<4800).map { UInt8(truncatingIfNeeded: $0 &* 31) })
        let message = LiveServerMessage(serverContent: LiveServerContent(
            modelTurn: Content(role: "model", parts: [Part(inlineData: .pcm(audio, sampleRate: 24_000))])))
        let bytes = try message.jsonBytes()
        let micros = medianMicros(batches: 31, perBatch: 200) {
            _ = try? LiveServerMessage(json: bytes)
        }
        return (micros, bytes.count)
    }

    private func benchRoundTrip() async throws -> (p50: Double, p99: Double, max: Double, size: Int, peer: String) {
        var peer: Process?
        var url = echoURL ?? ""
        if echoURL == nil {
            let (process, port) = try startPythonPeer()
            peer = process
            url = "ws://127.0.0.1:\(port)/echo"
        }
        defer { peer?.terminate() }
        let socket = try await WebSocket.connect(url: url)
        var pcm: [UInt8] = []
        (0..<640).map { UInt8($0 % 256) }.withUnsafeBytes { RealtimeAudioEncoder().encode($0, into: &pcm) }
        for _ in 0..<50 {  // warm up
            try socket.send(text: pcm)
            _ = try await socket.receive()
        }
        var samples: [Double] = []
        samples.reserveCapacity(messages)
        let clock = ContinuousClock()
        for _ in 0..<messages {
            let start = clock.now
            try socket.send(text: pcm)
            _ = try await socket.receive()
            samples.append(micros(clock.now - start))
        }
        await socket.close()
        samples.sort()
        return (samples[samples.count / 2], samples[min(samples.count - 1, samples.count * 99 / 100)], samples.last ?? 0,
                pcm.count, echoURL == nil ? "Python websockets echo peer" : url)
    }

    private func startPythonPeer() throws -> (Process, String) {
        let root = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
        let script = root.appendingPathComponent("Tests/Peers/ws_peer.py").path
        guard FileManager.default.fileExists(atPath: script) else {
            throw ValidationError("run from the package root (Tests/Peers/ws_peer.py not found) or pass --echo-url")
        }
        let venv = root.appendingPathComponent(".build-venv/bin/python3").path
        let process = Process()
        process.executableURL = URL(fileURLWithPath: FileManager.default.isExecutableFile(atPath: venv) ? venv : "/usr/bin/python3")
        process.arguments = [script, "--port", "0"]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        var line = ""
        while !line.hasSuffix("\n") {
            let byte = pipe.fileHandleForReading.readData(ofLength: 1)
            guard !byte.isEmpty else { throw ValidationError("the echo peer did not start (run scripts/bootstrap)") }
            line += String(decoding: byte, as: UTF8.self)
        }
        return (process, String(line.dropFirst("PORT ".count).dropLast()))
    }
}

/// Median over `batches` of the mean µs per call within a batch of `perBatch` calls.
func medianMicros(batches: Int, perBatch: Int, _ body: () -> Void) -> Double {
    let clock = ContinuousClock()
    for _ in 0..<perBatch { body() }  // warm up
    var results: [Double] = []
    for _ in 0..<batches {
        let start = clock.now
        for _ in 0..<perBatch { body() }
        results.append(micros(clock.now - start) / Double(perBatch))
    }
    results.sort()
    return results[results.count / 2]
}

func micros(_ duration: Duration) -> Double {
    let (seconds, attoseconds) = duration.components
    return Double(seconds) * 1e6 + Double(attoseconds) / 1e12
}

func format(_ value: Double) -> String {
    value >= 100 ? String(Int(value.rounded())) : String(format: "%.2f", value)
}
