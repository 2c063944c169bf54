// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

import Foundation
import GeminiLive
import LiveSimulator
import TestKit
import Testing

/// wss:// to the simulator through a TLS front (socat) with a throwaway self-signed certificate: the client
/// connects when given that CA file and refuses without it. Verification is never turned off.
@Suite("GeminiLive over TLS")
struct TLSTests {
    @Test("wss with the server's CA connects; without it the connection is refused as a TLS failure")
    func tls() async throws {
        let directory = try PackagePaths.temporaryDirectory("live-tls")
        defer { try? FileManager.default.removeItem(at: directory) }
        let certificate = try SelfSignedCertificate.make(in: directory)
        let simulator = try await LiveSimulator.start()
        defer { Task { await simulator.shutdown() } }
        let port = try freeLoopbackPort()
        let proxy = try PeerProcess("/usr/bin/socat", [
            "-d", "-d",
            "OPENSSL-LISTEN:\(port),bind=127.0.0.1,reuseaddr,fork,verify=0,cert=\(certificate.certificatePath),key=\(certificate.keyPath)",
            "TCP:127.0.0.1:\(simulator.port)",
        ])
        defer { proxy.terminate() }
        try await waitUntilListening(port: port)

        let endpoint = "wss://127.0.0.1:\(port)"
        let trusted = LiveClient(apiKey: "k", endpoint: endpoint, caFile: certificate.certificatePath)
        let session = try await trusted.live.connect(model: "m", config: LiveConnectConfig(responseModalities: [.text]))
        try await session.sendClientContent(turns: [.user("over tls")])
        let messages = try await SimulatedService.collect(session) { $0.isTurnComplete }
        #expect(messages.compactMap(\.text).joined() == "You said: over tls")
        await session.close()

        do {
            _ = try await LiveClient(apiKey: "k", endpoint: endpoint).live.connect(model: "m")
            Issue.record("connected without trusting the certificate")
        } catch {
            #expect(error.kind == .tls)
            #expect(error.message.contains("--ca-file"))
        }
    }
}

/// A TCP port nothing listens on right now (bind to port 0, read it, release it).
func freeLoopbackPort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer -> Int32 in
            guard bind(fd, pointer, length) == 0 else { return -1 }
            return getsockname(fd, pointer, &length)
        }
    }
    guard bound == 0 else { throw PeerProcess.Failure(description: "cannot bind a loopback port") }
    return Int(UInt16(bigEndian: address.sin_port))
}

/// Waits (up to 10 s) until something accepts TCP connections on the port.
func waitUntilListening(port: Int) async throws {
    let deadline = ContinuousClock.now + .seconds(10)
    while ContinuousClock.now < deadline {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        close(fd)
        if connected == 0 { return }
        try await Task.sleep(for: .milliseconds(50))
    }
    throw PeerProcess.Failure(description: "nothing listening on port \(port) after 10 s")
}
