// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

import CurlWebSocket
import Foundation
import TestKit
import Testing

/// The libcurl client against an independent WebSocket server (Python `websockets`), on loopback.
@Suite("WebSocket against a real peer", .serialized)
struct WebSocketPeerTests {
    /// Starts Tests/Peers/ws_peer.py and returns it with its base URL.
    static func startPeer(tls: SelfSignedCertificate? = nil) async throws -> (PeerProcess, String) {
        var arguments = [PackagePaths.root.appendingPathComponent("Tests/Peers/ws_peer.py").path, "--port", "0"]
        if let tls { arguments += ["--tls", tls.certificatePath, tls.keyPath] }
        let peer = try PeerProcess(PackagePaths.python, arguments)
        let line = try await peer.waitForLine { $0.hasPrefix("PORT ") }
        let port = line.dropFirst(5)
        return (peer, (tls == nil ? "ws" : "wss") + "://127.0.0.1:\(port)")
    }

    private func options(_ change: (inout WebSocketOptions) -> Void = { _ in }) -> WebSocketOptions {
        var options = WebSocketOptions()
        options.connectTimeout = .seconds(10)
        // No keep-alive unless a test is about it: under emulation (the arm64 check) a busy peer can take
        // longer than the 20 s pong timeout, and these tests are not about that.
        options.pingInterval = nil
        change(&options)
        return options
    }

    @Test("text and binary messages echo back byte for byte")
    func echo() async throws {
        let (peer, base) = try await Self.startPeer()
        let socket = try await WebSocket.connect(url: base + "/echo", options: options())
        let text = Array("{\"hello\":\"wörld\"}".utf8)
        let binary = (0..<70_000).map { UInt8($0 % 256) }
        try socket.send(text: text)
        try socket.send(binary: binary)
        #expect(try await socket.receive() == .text(text))
        #expect(try await socket.receive() == .binary(binary))
        await socket.close(code: 1000, reason: "bye")
        #expect(try await socket.receive() == nil)
        try await peer.waitForLine { $0 == "CLOSE_RCVD 1000 bye" }
        #expect(socket.statistics.messagesSent == 2)
    }

    @Test("a fragmented message is reassembled")
    func fragmented() async throws {
        let (peer, base) = try await Self.startPeer()
        _ = peer
        let socket = try await WebSocket.connect(url: base + "/frag?n=7&size=10000", options: options())
        let message = try #require(try await socket.receive())
        let expected = (0..<10_000).map { UInt8(ascii: "a") + UInt8($0 % 26) }
        #expect(message == .text(expected))
        await socket.close()
    }

    @Test("a message over the limit closes with 1009 and a typed error; under the limit it arrives whole")
    func sizeLimit() async throws {
        let (peer, base) = try await Self.startPeer()
        let small = try await WebSocket.connect(url: base + "/big?size=2097152", options: options())
        do {
            _ = try await small.receive()
            Issue.record("expected messageTooBig")
        } catch {
            #expect(error.kind == .messageTooBig)
            #expect(error.closeCode == 1009)
        }
        try await peer.waitForLine { $0.hasPrefix("CLOSE_RCVD 1009") }

        let fragmented = try await WebSocket.connect(url: base + "/bigfrag?size=2097152&n=8", options: options())
        await #expect(throws: WebSocketError.self) { _ = try await fragmented.receive() }

        let large = try await WebSocket.connect(url: base + "/big?size=2097152", options: options { $0.maxMessageSize = 4 << 20 })
        let message = try #require(try await large.receive())
        #expect(message.bytes.count == 2_097_152)
        #expect(message.bytes[1000] == UInt8(1000 % 251))
        await large.close()
    }

    @Test("a server ping is answered")
    func serverPing() async throws {
        let (peer, base) = try await Self.startPeer()
        let socket = try await WebSocket.connect(url: base + "/ping", options: options())
        try await peer.waitForLine { $0 == "PONG ok" }
        try socket.send(text: Array("after ping".utf8))
        #expect(try await socket.receive() == .text(Array("after ping".utf8)))
        await socket.close()
    }

    @Test("the server's close arrives with code and reason, and is answered")
    func serverClose() async throws {
        let (peer, base) = try await Self.startPeer()
        let socket = try await WebSocket.connect(url: base + "/close?code=1008&reason=API%20key%20not%20valid", options: options())
        do {
            _ = try await socket.receive()
            Issue.record("expected closedByPeer")
        } catch {
            #expect(error.kind == .closedByPeer)
            #expect(error.closeCode == 1008)
            #expect(error.closeReason == "API key not valid")
        }
        try await peer.waitForLine { $0 == "CLOSE_RCVD 1008" }
        #expect(throws: WebSocketError.self) { try socket.send(text: [1]) }
    }

    @Test("a dropped connection is reported as lost, at a message boundary and mid-frame")
    func abort() async throws {
        let (peer, base) = try await Self.startPeer()
        _ = peer
        for path in ["/abort", "/abortmid"] {
            let socket = try await WebSocket.connect(url: base + path, options: options())
            do {
                _ = try await socket.receive()
                Issue.record("expected connectionLost on \(path)")
            } catch {
                #expect(error.kind == .connectionLost, "\(path): \(error)")
                #expect(error.closeCode == 1006)
            }
        }
    }

    @Test("a peer that stops reading fills the bounded send queue, which then refuses")
    func sendBackpressure() async throws {
        let (peer, base) = try await Self.startPeer()
        _ = peer
        let socket = try await WebSocket.connect(url: base + "/noread", options: options { $0.outboundQueueLimit = 8 })
        let chunk = [UInt8](repeating: 65, count: 256 << 10)
        var refused: WebSocketError?
        for _ in 0..<2000 {
            do {
                try socket.send(binary: chunk)
            } catch {
                refused = error
                break
            }
        }
        #expect(refused?.kind == .outboundQueueFull)
        await socket.close()
    }

    @Test("a slow reader pauses socket reads; nothing is lost or reordered")
    func receiveBackpressure() async throws {
        let (peer, base) = try await Self.startPeer()
        _ = peer
        let socket = try await WebSocket.connect(url: base + "/flood?n=400", options: options { $0.inboundQueueLimit = 4 })
        try await Task.sleep(for: .milliseconds(300))
        for index in 0..<400 {
            let message = try #require(try await socket.receive())
            let text = String(decoding: message.bytes.prefix(14), as: UTF8.self)
            #expect(text == "message \(String(format: "%06d", index))")
        }
        #expect(socket.statistics.readPauses > 0)
        await socket.close()
    }

    @Test("request headers reach the server")
    func headers() async throws {
        let (peer, base) = try await Self.startPeer()
        _ = peer
        let socket = try await WebSocket.connect(url: base + "/headers", options: options { $0.headers = ["x-goog-api-key: test-key-123"] })
        let message = try #require(try await socket.receive())
        let headers = try JSONSerialization.jsonObject(with: Data(message.bytes)) as? [String: String]
        #expect(headers?["x-goog-api-key"] == "test-key-123")
        await socket.close()
    }

    @Test("keep-alive pings detect a silent peer")
    func keepAlive() async throws {
        let (peer, base) = try await Self.startPeer()
        _ = peer
        let socket = try await WebSocket.connect(url: base + "/silent", options: options {
            $0.pingInterval = .milliseconds(200)
            $0.pongTimeout = .milliseconds(400)
        })
        do {
            _ = try await socket.receive()
            Issue.record("expected pongTimeout")
        } catch {
            #expect(error.kind == .pongTimeout)
        }
        #expect(socket.statistics.pingsSent >= 1)
    }

    @Test("an HTTP refusal of the upgrade reports the status")
    func rejected() async throws {
        let (peer, base) = try await Self.startPeer()
        _ = peer
        do {
            _ = try await WebSocket.connect(url: base + "/reject", options: options())
            Issue.record("expected handshakeRejected")
        } catch {
            #expect(error.kind == .handshakeRejected)
            #expect(error.httpStatus == 403)
        }
    }

    @Test("nothing listening: connectFailed")
    func refused() async throws {
        do {
            _ = try await WebSocket.connect(url: "ws://127.0.0.1:1/", options: options())
            Issue.record("expected connectFailed")
        } catch {
            #expect(error.kind == .connectFailed)
        }
    }

    @Test("wss: connects with the server's CA, refuses without it, keeps verification on")
    func tls() async throws {
        let directory = try PackagePaths.temporaryDirectory("tls")
        defer { try? FileManager.default.removeItem(at: directory) }
        let certificate = try SelfSignedCertificate.make(in: directory)
        let (peer, base) = try await Self.startPeer(tls: certificate)
        _ = peer
        let socket = try await WebSocket.connect(url: base + "/echo", options: options { $0.caFile = certificate.certificatePath })
        try socket.send(text: Array("secure".utf8))
        #expect(try await socket.receive() == .text(Array("secure".utf8)))
        await socket.close()

        do {
            _ = try await WebSocket.connect(url: base + "/echo", options: options())
            Issue.record("expected a verification failure without the CA")
        } catch {
            #expect(error.kind == .tlsVerification)
        }
        let other = try SelfSignedCertificate.make(in: try PackagePaths.temporaryDirectory("tls-other"))
        do {
            _ = try await WebSocket.connect(url: base + "/echo", options: options { $0.caFile = other.certificatePath })
            Issue.record("expected a verification failure with the wrong CA")
        } catch {
            #expect(error.kind == .tlsVerification)
        }
        // A CA file that cannot be loaded is named as such, not as a certificate the server got wrong.
        let notPEM = try PackagePaths.temporaryDirectory("tls-bad-ca").appendingPathComponent("ca.pem").path
        try Data("not a certificate\n".utf8).write(to: URL(fileURLWithPath: notPEM))
        for caFile in [notPEM, "/nonexistent/livevoiced-ca.pem"] {
            do {
                _ = try await WebSocket.connect(url: base + "/echo", options: options { $0.caFile = caFile })
                Issue.record("expected a failure with the unloadable CA file \(caFile)")
            } catch {
                #expect(error.kind == .tlsVerification, "\(error)")
                #expect(error.message.contains("cannot load the CA certificates"), "\(error.message)")
                #expect(error.message.contains("--ca-file"), "\(error.message)")
            }
        }
    }

    @Test("libcurl at run time has ws and wss")
    func runtime() throws {
        let runtime = CurlRuntime.current
        #expect(runtime.supportsWebSocket, "libcurl \(runtime.version) lacks ws: run scripts/bootstrap")
        try runtime.requireWebSocket()
    }
}
