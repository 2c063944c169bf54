// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

import CurlWebSocket
import Foundation
import TestKit
import Testing

/// The libcurl client against Tests/Peers/hostile_peer.py, a server that writes every byte itself: broken
/// upgrades, pings while a frame is half sent, ping floods, invalid close codes, framing errors, resets.
@Suite("WebSocket against a hostile peer", .serialized, .timeLimit(.minutes(2)))
struct HostilePeerTests {
    /// A running hostile peer: its process (kept alive by holding this), base URL and, for wss, the CA file.
    struct Peer {
        let process: PeerProcess
        let base: String
        let caFile: String?
        var output: [String] { process.output }
        @discardableResult
        func waitForLine(where predicate: @escaping @Sendable (String) -> Bool) async throws -> String {
            try await process.waitForLine(where: predicate)
        }
    }

    /// Starts Tests/Peers/hostile_peer.py, serving wss with a fresh self-signed certificate when `tls`.
    static func startPeer(tls: Bool = false) async throws -> Peer {
        let script = PackagePaths.root.appendingPathComponent("Tests/Peers/hostile_peer.py").path
        var arguments = [script, "--port", "0"]
        var caFile: String?
        if tls {
            let certificate = try SelfSignedCertificate.make(in: try PackagePaths.temporaryDirectory("hostile-tls"))
            arguments += ["--tls", certificate.certificatePath, certificate.keyPath]
            caFile = certificate.certificatePath
        }
        let process = try PeerProcess(PackagePaths.python, arguments)
        let line = try await process.waitForLine { $0.hasPrefix("PORT ") }
        return Peer(process: process, base: (tls ? "wss" : "ws") + "://127.0.0.1:\(line.dropFirst(5))", caFile: caFile)
    }

    /// A frame that cannot fit in the kernel's buffers on loopback: the largest send buffer TCP may grow to
    /// (`tcp_wmem`'s maximum, 4 MiB by default) plus 2 MiB for the peer's receive buffer and in-flight data.
    static var halfSentFrameSize: Int {
        let fields = (try? String(contentsOfFile: "/proc/sys/net/ipv4/tcp_wmem", encoding: .utf8))?
            .split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" }) ?? []
        let sendBufferMax = fields.count == 3 ? Int(fields[2]) ?? (4 << 20) : (4 << 20)
        return min(sendBufferMax, 64 << 20) + (2 << 20)
    }

    /// Options for `peer`: its CA file, no keep-alive unless a test is about it.
    private func options(_ peer: Peer? = nil, _ change: (inout WebSocketOptions) -> Void = { _ in }) -> WebSocketOptions {
        var options = WebSocketOptions()
        options.connectTimeout = .seconds(10)
        options.pingInterval = nil
        options.caFile = peer?.caFile
        change(&options)
        return options
    }

    /// The error the next `receive()` throws; fails the test (instead of hanging) after `seconds`.
    private func receiveError(_ socket: WebSocket, within seconds: Double = 10) async throws -> WebSocketError {
        let outcome = try await within(seconds) { () async -> Result<WebSocketMessage?, WebSocketError> in
            do throws(WebSocketError) {
                while true {
                    guard let message = try await socket.receive() else { return .success(nil) }
                    _ = message  // messages before the failure are fine; the failure is what is checked
                }
            } catch {
                return .failure(error)
            }
        }
        guard case .failure(let error) = outcome else {
            throw PeerProcess.Failure(description: "receive() ended without an error")
        }
        return error
    }

    // MARK: Pings

    @Test("a server ping while a frame is half sent is answered after that frame, and the session survives",
          arguments: [false, true])
    func pingDuringHalfSentFrame(tls: Bool) async throws {
        let peer = try await Self.startPeer(tls: tls)
        let socket = try await WebSocket.connect(url: peer.base + "/ping-midframe", options: options(peer))
        // More than the socket buffers hold, so the frame stays half sent while the peer does not read (the
        // counts below fail if it did not). No bigger than that: libcurl masks a frame into its buffer a byte
        // at a time before the first byte goes out, which under qemu runs at about half a MiB a second.
        let big = [UInt8](repeating: 0x5A, count: Self.halfSentFrameSize)
        try socket.send(binary: big)
        let reply: WebSocketMessage?
        do {
            reply = try await within(60) { try await socket.receive() }  // about 20 s under qemu
        } catch {
            Issue.record("no reply: \(error); the peer said \(peer.output); \(socket.statistics)")
            throw error
        }
        #expect(reply == .text(Array("survived".utf8)))
        try await peer.waitForLine { $0.hasPrefix("FRAME pong") }
        let frames = peer.output.filter { $0.hasPrefix("FRAME ") }
        // The data frame arrives whole, then one PONG for the latest ping (pings are coalesced).
        #expect(frames == ["FRAME binary \(big.count)", "FRAME pong 2 p2"], "\(peer.output)")
        #expect(socket.statistics.pingsReceived == 2)
        #expect(socket.statistics.pongsSent == 1)
        await socket.close()
        try await peer.waitForLine { $0 == "CLOSE_RCVD 1000" }
    }

    @Test("a ping flood from a peer that never reads: the network thread idles and close still ends it",
          arguments: [false, true])
    func pingFloodDoesNotSpin(tls: Bool) async throws {
        let peer = try await Self.startPeer(tls: tls)
        let socket = try await WebSocket.connect(url: peer.base + "/ping-flood?seconds=15", options: options(peer))
        try await Task.sleep(for: .milliseconds(500))
        let clock = ContinuousClock()
        let cpuStart = try #require(socket.networkThreadCPUTime)
        let wallStart = clock.now
        try await Task.sleep(for: .seconds(3))
        let cpu = try #require(socket.networkThreadCPUTime) - cpuStart
        let wall = clock.now - wallStart
        let share = cpu / wall
        print("ping flood (\(tls ? "wss" : "ws")): network thread CPU \(cpu) over \(wall) of wall time (\(Int(share * 100)) % of a core)")
        #expect(share < 0.5, "the network thread used \(cpu) of CPU in \(wall): it spins")
        let statistics = socket.statistics
        #expect(statistics.pingsReceived > 0)
        #expect(statistics.pongsSent < statistics.pingsReceived, "pings are coalesced: \(statistics)")
        // The send side is blocked (the peer never reads): the close timer, not the peer, ends it.
        try await within(10) { await socket.close() }
    }

    @Test("a ping flood from a peer that never reads still ends at the keep-alive timeout")
    func pingFloodKeepAlive() async throws {
        let peer = try await Self.startPeer()
        let base = peer.base
        let socket = try await WebSocket.connect(url: base + "/ping-flood?seconds=15", options: options {
            $0.pingInterval = .milliseconds(300)
            $0.pongTimeout = .milliseconds(500)
        })
        let error = try await receiveError(socket)
        #expect(error.kind == .pongTimeout, "\(error)")
    }

    // MARK: The upgrade (RFC 6455 §4.1)

    @Test("an upgrade response that breaks RFC 6455 §4.1 is refused with a clear error", arguments: [
        ("/accept-wrong", "Sec-WebSocket-Accept"),
        ("/accept-missing", "Sec-WebSocket-Accept"),
        ("/upgrade-missing", "Upgrade: websocket"),
        ("/upgrade-other", "Upgrade: websocket"),
        ("/connection-missing", "Connection: Upgrade"),
        ("/extension", "Sec-WebSocket-Extensions"),
        ("/subprotocol", "Sec-WebSocket-Protocol"),
        ("/body", "body"),
        ("/endless-header", "headers"),
        ("/many-headers", "headers"),
        ("/garbage", "not HTTP"),
    ])
    func badUpgrade(path: String, fragment: String) async throws {
        let peer = try await Self.startPeer()
        let base = peer.base
        let options = options()
        let error = try await within(20) { () async -> WebSocketError? in
            do throws(WebSocketError) {
                let socket = try await WebSocket.connect(url: base + path, options: options)
                await socket.close()
                return nil
            } catch {
                return error
            }
        }
        let refusal = try #require(error, "\(path) was accepted")
        #expect(refusal.kind == .handshakeInvalid, "\(path): \(refusal)")
        #expect(refusal.message.contains(fragment), "\(path): \(refusal.message)")
    }

    @Test("a correct upgrade in unusual spelling is accepted, and only our own Sec-WebSocket-Key is sent")
    func lenientUpgrade() async throws {
        let peer = try await Self.startPeer()
        let base = peer.base
        let first = try await WebSocket.connect(url: base + "/ok", options: options())
        try await peer.waitForLine { $0.hasPrefix("KEY_HEADERS") }
        #expect(peer.output.contains("KEY_HEADERS 1"))
        try first.send(text: Array("hi".utf8))
        #expect(try await first.receive() == .text(Array("hi".utf8)))
        await first.close()

        let second = try await WebSocket.connect(url: base + "/lenient", options: options())
        try second.send(binary: [1, 2, 3])
        #expect(try await second.receive() == .binary([1, 2, 3]))
        await second.close()
    }

    @Test("request headers that would override the handshake are refused before connecting", arguments: [
        "Sec-WebSocket-Key: x", "sec-websocket-version: 8", "Upgrade: h2c", "Connection: close",
        "Sec-WebSocket-Extensions: permessage-deflate",
    ])
    func handshakeHeadersRefused(header: String) async throws {
        do {
            _ = try await WebSocket.connect(url: "ws://127.0.0.1:1/", options: options { $0.headers = [header] })
            Issue.record("\(header) was accepted")
        } catch {
            #expect(error.kind == .invalidOptions, "\(error)")
        }
    }

    // MARK: Close codes (RFC 6455 §7.4)

    @Test("a valid close code from the peer is echoed", arguments: [1000, 1001, 1003, 1007, 1008, 1011, 1012, 1013, 1014, 3000, 4999])
    func validCloseCode(code: Int) async throws {
        let peer = try await Self.startPeer()
        let base = peer.base
        let socket = try await WebSocket.connect(url: base + "/send?hex=8802" + String(format: "%04x", code), options: options())
        let error = try await receiveError(socket)
        #expect(error.kind == .closedByPeer)
        #expect(error.closeCode == UInt16(code))
        try await peer.waitForLine { $0.hasPrefix("CLOSE_RCVD") || $0 == "EOF" }
        #expect(peer.output.contains("CLOSE_RCVD \(code)"), "\(peer.output)")
    }

    @Test("an invalid close code is answered with 1002", arguments: [0, 999, 1004, 1005, 1006, 1015, 1016, 2999, 5000, 65535])
    func invalidCloseCode(code: Int) async throws {
        let peer = try await Self.startPeer()
        let base = peer.base
        let socket = try await WebSocket.connect(url: base + "/send?hex=8802" + String(format: "%04x", code), options: options())
        let error = try await receiveError(socket)
        #expect(error.kind == .protocolViolation, "\(error)")
        #expect(error.closeCode == 1002)
        #expect(error.message.contains("\(code)"), "\(error.message)")
        try await peer.waitForLine { $0.hasPrefix("CLOSE_RCVD") || $0 == "EOF" }
        #expect(peer.output.contains("CLOSE_RCVD 1002"), "\(peer.output)")
    }

    @Test("a close payload of one byte, or with a reason that is not UTF-8, is answered with 1002", arguments: [
        ("880103", "1 byte"), ("880403e8c328", "UTF-8"),
    ])
    func malformedClosePayload(hex: String, fragment: String) async throws {
        let peer = try await Self.startPeer()
        let base = peer.base
        let socket = try await WebSocket.connect(url: base + "/send?hex=" + hex, options: options())
        let error = try await receiveError(socket)
        #expect(error.kind == .protocolViolation, "\(error)")
        #expect(error.message.contains(fragment), "\(error.message)")
        try await peer.waitForLine { $0.hasPrefix("CLOSE_RCVD") || $0 == "EOF" }
        #expect(peer.output.contains("CLOSE_RCVD 1002"), "\(peer.output)")
    }

    @Test("an empty close is answered with an empty close and reads as 1005")
    func emptyClose() async throws {
        let peer = try await Self.startPeer()
        let base = peer.base
        let socket = try await WebSocket.connect(url: base + "/send?hex=8800", options: options())
        let error = try await receiveError(socket)
        #expect(error.kind == .closedByPeer)
        #expect(error.closeCode == 1005)
        try await peer.waitForLine { $0.hasPrefix("CLOSE_RCVD") || $0 == "EOF" }
        #expect(peer.output.contains("CLOSE_RCVD none"), "\(peer.output)")
    }

    // MARK: Framing errors (RFC 6455 §5)

    /// A raw server byte sequence that breaks the framing rules and the words the error must use.
    struct FramingCase: Sendable, CustomTestStringConvertible {
        var name: String
        var hex: String
        var fragment: String
        var testDescription: String { name }

        static let all: [FramingCase] = [
            FramingCase(name: "reserved bit RSV1", hex: "c10161", fragment: "reserved bits"),
            FramingCase(name: "reserved bit RSV3", hex: "910161", fragment: "reserved bits"),
            FramingCase(name: "reserved data opcode 3", hex: "830161", fragment: "reserved opcode"),
            FramingCase(name: "reserved control opcode 0xB", hex: "8b00", fragment: "reserved opcode"),
            FramingCase(name: "masked server frame", hex: "818101020304" + "60", fragment: "masked"),
            FramingCase(name: "ping longer than 125 bytes", hex: "897e007e" + String(repeating: "61", count: 126), fragment: "longer than 125"),
            FramingCase(name: "close longer than 125 bytes", hex: "887e007e03e8" + String(repeating: "61", count: 124), fragment: "longer than 125"),
            FramingCase(name: "fragmented ping", hex: "0900", fragment: "fragmented control frame"),
            FramingCase(name: "length of 2^63", hex: "827f8000000000000000", fragment: "2^63"),
            FramingCase(name: "continuation without a start", hex: "800161", fragment: "continuation"),
            FramingCase(name: "new data frame inside a fragmented message", hex: "010161" + "810162", fragment: "middle of a fragmented message"),
        ]
    }

    @Test("a framing error closes with 1002 and names the problem", arguments: FramingCase.all)
    func framingError(_ framing: FramingCase) async throws {
        try await checkFramingError(framing, tls: false)
    }

    @Test("over wss too, a framing error closes with 1002 and names the problem", arguments: FramingCase.all.prefix(3))
    func framingErrorOverTLS(_ framing: FramingCase) async throws {
        try await checkFramingError(framing, tls: true)
    }

    private func checkFramingError(_ framing: FramingCase, tls: Bool) async throws {
        let peer = try await Self.startPeer(tls: tls)
        let socket = try await WebSocket.connect(url: peer.base + "/send?hex=" + framing.hex, options: options(peer))
        let error = try await receiveError(socket)
        #expect(error.kind == .protocolViolation, "\(framing.name): \(error)")
        #expect(error.closeCode == 1002)
        #expect(error.message.contains(framing.fragment), "\(framing.name): \(error.message)")
        try await peer.waitForLine { $0.hasPrefix("CLOSE_RCVD") || $0 == "EOF" || $0 == "TIMEOUT" }
        #expect(peer.output.contains("CLOSE_RCVD 1002"), "\(framing.name): \(peer.output)")
    }

    @Test("a text message that is not UTF-8 closes with 1007")
    func invalidUTF8Text() async throws {
        let peer = try await Self.startPeer()
        let base = peer.base
        // A valid message first (it is delivered), then one with a broken two-byte sequence.
        let socket = try await WebSocket.connect(url: base + "/send?hex=8102c3a9" + "8102c328", options: options())
        #expect(try await socket.receive() == .text([0xC3, 0xA9]))
        let error = try await receiveError(socket)
        #expect(error.kind == .protocolViolation, "\(error)")
        #expect(error.closeCode == 1007)
        #expect(error.message.contains("UTF-8"))
        try await peer.waitForLine { $0.hasPrefix("CLOSE_RCVD") || $0 == "EOF" }
        #expect(peer.output.contains("CLOSE_RCVD 1007"), "\(peer.output)")
    }

    // MARK: Error texts that say what happened

    @Test("a failure before the upgrade completes says what happened", arguments: [
        ("/reset-before", "reset"),
        ("/close-before", "closed the connection before the WebSocket upgrade"),
    ])
    func failureBeforeUpgrade(path: String, fragment: String) async throws {
        let peer = try await Self.startPeer()
        let base = peer.base
        do {
            _ = try await WebSocket.connect(url: base + path, options: options())
            Issue.record("\(path) connected")
        } catch {
            #expect(error.kind == .connectFailed, "\(path): \(error)")
            #expect(error.message.contains(fragment), "\(path): \(error.message)")
            #expect(!error.message.contains("bad argument"), "\(path): \(error.message)")
        }
    }

    @Test("a reset right after the upgrade reads as a lost connection, not as a bad argument", arguments: [false, true])
    func resetAfterUpgrade(tls: Bool) async throws {
        let peer = try await Self.startPeer(tls: tls)
        let socket = try await WebSocket.connect(url: peer.base + "/reset-after", options: options(peer))
        let error = try await receiveError(socket)
        #expect(error.kind == .connectionLost, "\(error)")
        #expect(error.closeCode == 1006)
        #expect(error.message.contains("reset"), "\(error.message)")
        #expect(!error.message.contains("bad argument"), "\(error.message)")
    }

    @Test("a close of TCP right after the upgrade reads as a lost connection and says so", arguments: [false, true])
    func closeAfterUpgrade(tls: Bool) async throws {
        let peer = try await Self.startPeer(tls: tls)
        let socket = try await WebSocket.connect(url: peer.base + "/close-after", options: options(peer))
        let error = try await receiveError(socket)
        #expect(error.kind == .connectionLost, "\(error)")
        #expect(error.message.contains("closed the connection without a WebSocket close frame"), "\(error.message)")
    }

    @Test("wss to a server that never answers the TLS handshake times out, saying where")
    func tlsToPlainServer() async throws {
        let peer = try await Self.startPeer()
        let url = peer.base.replacingOccurrences(of: "ws://", with: "wss://") + "/ok"
        // A CA of its own, so the result does not hang on the machine having a system CA bundle.
        let certificate = try SelfSignedCertificate.make(in: try PackagePaths.temporaryDirectory("hostile-tls-ca"))
        do {
            _ = try await WebSocket.connect(url: url, options: options {
                $0.connectTimeout = .seconds(1)
                $0.caFile = certificate.certificatePath
            })
            Issue.record("connected")
        } catch {
            #expect(error.kind == .handshakeTimeout, "\(error)")
            #expect(error.message.contains("during the TCP connect or the TLS handshake"), "\(error.message)")
        }
    }

    @Test("an upgrade response trickled a byte at a time ends at the connect timeout")
    func slowUpgrade() async throws {
        let peer = try await Self.startPeer()
        let base = peer.base
        do {
            _ = try await WebSocket.connect(url: base + "/slow-header", options: options { $0.connectTimeout = .seconds(1) })
            Issue.record("connected")
        } catch {
            #expect(error.kind == .handshakeTimeout, "\(error)")
            #expect(error.message.contains("timed out after 1.0 seconds waiting for the upgrade response"), "\(error.message)")
        }
    }

    // MARK: Bounded time and no spinning

    @Test("a frame trickled one byte at a time ends at the keep-alive timeout, naming the stalled frame")
    func trickledFrame() async throws {
        let peer = try await Self.startPeer()
        let base = peer.base
        let socket = try await WebSocket.connect(url: base + "/trickle?size=1000", options: options {
            $0.pingInterval = .milliseconds(300)
            $0.pongTimeout = .milliseconds(300)
        })
        let error = try await receiveError(socket)
        #expect(error.kind == .pongTimeout, "\(error)")
        #expect(error.message.contains("of a 1000-byte frame"), "\(error.message)")
    }

    @Test("a peer that resets while the reader is behind does not make the network thread spin")
    func resetWhileReaderIsBehind() async throws {
        let peer = try await Self.startPeer()
        let base = peer.base
        let socket = try await WebSocket.connect(url: base + "/flood-reset?n=50", options: options { $0.inboundQueueLimit = 2 })
        // The reader does nothing for a while: the queue is full, the socket unread, and the peer resets.
        try await Task.sleep(for: .milliseconds(600))
        let clock = ContinuousClock()
        let cpuStart = try #require(socket.networkThreadCPUTime)
        let wallStart = clock.now
        try await Task.sleep(for: .seconds(2))
        let cpu = try #require(socket.networkThreadCPUTime) - cpuStart
        let wall = clock.now - wallStart
        print("reset while behind: network thread CPU \(cpu) over \(wall) of wall time")
        #expect(cpu / wall < 0.5, "the network thread used \(cpu) of CPU in \(wall): it spins")
        let (received, error) = try await within(10) { () async -> (Int, WebSocketError?) in
            var received = 0
            do throws(WebSocketError) {
                while try await socket.receive() != nil { received += 1 }
                return (received, nil)
            } catch {
                return (received, error)
            }
        }
        #expect(error?.kind == .connectionLost, "\(String(describing: error))")
        // At least the queued messages are delivered, then the reset (the rest may already sit in libcurl's
        // or the kernel's buffer, and then they come too).
        #expect(received >= 2, "the messages queued before the reset are delivered")
    }
}

/// Runs `body`, failing with a clear error instead of hanging when it takes longer than `seconds`.
func within<T: Sendable>(_ seconds: Double, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
    try await withThrowingTaskGroup(of: T?.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await Task.sleep(for: .seconds(seconds))
            return nil
        }
        guard let first = try await group.next(), let value = first else {
            group.cancelAll()
            throw PeerProcess.Failure(description: "did not finish within \(seconds) s")
        }
        group.cancelAll()
        return value
    }
}
