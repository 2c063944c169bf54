// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

import CurlWebSocket
import LiveSimulator
import Testing

/// A raw Live API client for the tests: libcurl's WebSocket (an independent implementation) plus a few
/// conveniences. Every receive is bounded by a timeout so a broken simulator fails a test instead of
/// hanging it.
struct TestClient: Sendable {
    let socket: WebSocket

    static let model = "models/gemini-live-2.5-flash-preview"

    static func connect(
        _ simulator: LiveSimulator, path: String = LiveSimulator.geminiPath, query: String? = nil,
        headers: [String] = [], maxMessageSize: Int? = nil
    ) async throws -> TestClient {
        var options = WebSocketOptions()
        options.headers = headers
        options.connectTimeout = .seconds(5)
        options.closeTimeout = .seconds(1)
        if let maxMessageSize { options.maxMessageSize = maxMessageSize }
        let url = simulator.baseURL + path + (query.map { "?" + $0 } ?? "")
        return TestClient(socket: try await WebSocket.connect(url: url, options: options))
    }

    func send(_ text: String) throws {
        try socket.send(text: Array(text.utf8))
    }

    func send(_ value: WireValue) throws {
        try send(value.serialized)
    }

    func sendBinary(_ text: String) throws {
        try socket.send(binary: Array(text.utf8))
    }

    /// The next message, whatever it is.
    func receiveMessage(timeout: Duration = .seconds(10)) async throws -> WebSocketMessage {
        let socket = self.socket
        let message = try await withTimeout(timeout) { try await socket.receive() }
        return try #require(message, "the connection was closed locally")
    }

    /// The next message, parsed as JSON.
    func receiveJSON(timeout: Duration = .seconds(10)) async throws -> WireValue {
        let message = try await receiveMessage(timeout: timeout)
        return try WireValue.parse(message.bytes)
    }

    /// Sends `setup` and returns the `setupComplete` that must come back.
    @discardableResult
    func setUp(_ setup: WireValue = ["model": .string(TestClient.model)]) async throws -> WireValue {
        try send(["setup": setup])
        let reply = try await receiveJSON()
        #expect(reply["setupComplete"] != nil, "expected setupComplete, got \(reply)")
        return reply
    }

    /// Messages up to and including the one with `serverContent.turnComplete`.
    func receiveTurn(timeout: Duration = .seconds(10)) async throws -> [WireValue] {
        var messages: [WireValue] = []
        while true {
            let message = try await receiveJSON(timeout: timeout)
            messages.append(message)
            if message.at("serverContent", "turnComplete")?.boolValue == true { return messages }
        }
    }

    /// Receives until the connection ends and returns why (the error `receive()` threw).
    func receiveUntilClosed(timeout: Duration = .seconds(10)) async throws -> WebSocketError {
        let socket = self.socket
        return try await withTimeout(timeout) {
            while true {
                do throws(WebSocketError) {
                    guard try await socket.receive() != nil else {
                        return WebSocketError(.closed, "closed locally")
                    }
                } catch {
                    return error
                }
            }
        }
    }

    func close() async {
        await socket.close()
    }
}

struct TestTimeout: Error, CustomStringConvertible {
    let duration: Duration
    var description: String { "no result within \(duration)" }
}

/// Runs `body`, failing with ``TestTimeout`` if it takes longer than `duration`.
func withTimeout<T: Sendable>(
    _ duration: Duration, _ body: @escaping @Sendable () async throws -> T
) async throws -> T {
    try await withThrowingTaskGroup(of: T.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await Task.sleep(for: duration)
            throw TestTimeout(duration: duration)
        }
        defer { group.cancelAll() }
        return try await group.next()!
    }
}

/// Little-endian s16 samples → bytes.
func pcmBytes(_ samples: [Int16]) -> [UInt8] {
    var bytes: [UInt8] = []
    bytes.reserveCapacity(samples.count * 2)
    for sample in samples {
        let bits = UInt16(bitPattern: sample)
        bytes.append(UInt8(truncatingIfNeeded: bits))
        bytes.append(UInt8(truncatingIfNeeded: bits >> 8))
    }
    return bytes
}

/// Little-endian bytes → s16 samples.
func samples(_ bytes: [UInt8]) -> [Int16] {
    stride(from: 0, to: bytes.count - 1, by: 2).map { Int16(bitPattern: UInt16(bytes[$0]) | UInt16(bytes[$0 + 1]) << 8) }
}

func rms(_ samples: [Int16]) -> Double {
    guard !samples.isEmpty else { return 0 }
    return (samples.reduce(0.0) { $0 + Double($1) * Double($1) } / Double(samples.count)).squareRoot()
}

/// `seconds` of a 16 kHz voiced-like test signal (a 200 Hz tone with two harmonics) at a speaking level.
func voiced16k(seconds: Double) -> [Int16] {
    let count = Int(seconds * 16_000)
    return (0..<count).map { index in
        let t = Double(index) / 16_000
        let value = 0.3 * sinApprox(2 * Double.pi * 200 * t) + 0.15 * sinApprox(2 * Double.pi * 400 * t)
            + 0.08 * sinApprox(2 * Double.pi * 600 * t)
        return Int16(value * 32_767)
    }
}

/// A sine without Foundation (Taylor series after range reduction): accurate to about 1e-6.
func sinApprox(_ x: Double) -> Double {
    var r = x.truncatingRemainder(dividingBy: 2 * Double.pi)
    if r > Double.pi { r -= 2 * Double.pi }
    if r < -Double.pi { r += 2 * Double.pi }
    var term = r
    var sum = r
    for n in 1...10 {
        term *= -r * r / Double((2 * n) * (2 * n + 1))
        sum += term
    }
    return sum
}

/// A `realtimeInput.audio` message carrying `samples` at 16 kHz.
func audioMessage(_ samples: [Int16]) -> WireValue {
    ["realtimeInput": ["audio": ["mimeType": "audio/pcm;rate=16000", "data": .string(Base64.encode(pcmBytes(samples)))]]]
}

/// Sends `samples` as 100 ms `realtimeInput.audio` chunks.
func sendAudio(_ client: TestClient, _ samples: [Int16]) throws {
    var start = 0
    while start < samples.count {
        let end = min(samples.count, start + 1_600)
        try client.send(audioMessage(Array(samples[start..<end])))
        start = end
    }
}
