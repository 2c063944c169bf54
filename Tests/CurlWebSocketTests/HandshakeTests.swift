// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

@testable import CurlWebSocket
import Testing

/// The upgrade's pieces without a network: SHA-1 and base64 against published vectors, the accept value
/// from RFC 6455's worked example, each RFC 6455 §4.1 rule on a response built line by line, and the
/// request-header check.
@Suite("WebSocket handshake")
struct HandshakeTests {
    private func hex(_ bytes: [UInt8]) -> String {
        bytes.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
    }

    @Test("SHA-1 matches the FIPS 180 test vectors", arguments: [
        ("", "da39a3ee5e6b4b0d3255bfef95601890afd80709"),
        ("abc", "a9993e364706816aba3e25717850c26c9cd0d89d"),
        ("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", "84983e441c3bd26ebaae4aa1f95129e5e54670f1"),
    ])
    func sha1Vectors(message: String, digest: String) {
        #expect(hex(SHA1.digest(Array(message.utf8))) == digest)
    }

    @Test("SHA-1 of a million 'a' (many blocks) and of lengths around the padding boundary")
    func sha1Long() {
        #expect(hex(SHA1.digest([UInt8](repeating: 0x61, count: 1_000_000))) == "34aa973cd4c4daa4f61eeb2bdbad27316534016f")
        // 55, 56 and 64 bytes: the length field fits, just does not fit, and a whole extra block.
        #expect(hex(SHA1.digest([UInt8](repeating: 0x61, count: 55))) == "c1c8bbdc22796e28c0e15163d20899b65621d65a")
        #expect(hex(SHA1.digest([UInt8](repeating: 0x61, count: 56))) == "c2db330f6083854c99d4b5bfb6e8f29f201be699")
        #expect(hex(SHA1.digest([UInt8](repeating: 0x61, count: 64))) == "0098ba824b5c16427bd7a1122a5a442a25ec644d")
    }

    @Test("base64 matches RFC 4648's test vectors", arguments: [
        ("", ""), ("f", "Zg=="), ("fo", "Zm8="), ("foo", "Zm9v"), ("foob", "Zm9vYg=="), ("fooba", "Zm9vYmE="), ("foobar", "Zm9vYmFy"),
    ])
    func base64Vectors(input: String, output: String) {
        #expect(base64(Array(input.utf8)) == output)
    }

    @Test("the accept value of RFC 6455's worked example; fresh keys are 16 random bytes, each different")
    func acceptValue() {
        #expect(HandshakeKey(value: "dGhlIHNhbXBsZSBub25jZQ==").expectedAccept == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=")
        let first = HandshakeKey(), second = HandshakeKey()
        #expect(first.value.count == 24 && first.value.hasSuffix("=="))
        #expect(first.value != second.value)
    }

    /// A response built from header lines, as libcurl's callback hands them over.
    private func response(_ lines: [String]) -> UpgradeResponse {
        var response = UpgradeResponse()
        for line in lines + [""] {
            let taken = Array((line + "\r\n").utf8).withUnsafeBytes { response.take(line: $0) }
            #expect(taken)
        }
        return response
    }

    private let key = HandshakeKey(value: "dGhlIHNhbXBsZSBub25jZQ==")
    private let accept = "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo="

    private func verify(_ lines: [String], offered: [String] = []) -> WebSocketError? {
        do {
            try response(["HTTP/1.1 101 Switching Protocols"] + lines).verify(key: key, requestedProtocols: offered, server: "test")
            return nil
        } catch {
            return error
        }
    }

    @Test("a correct response passes, in any case and with token lists and folded lines")
    func correctResponses() {
        #expect(verify(["Upgrade: websocket", "Connection: Upgrade", accept]) == nil)
        #expect(verify(["UPGRADE: WebSocket", "connection: keep-alive, upgrade", "sec-websocket-accept:s3pPLMBiTxaQ9kYGzzhZRbK+xOo=  "]) == nil)
        #expect(verify(["Upgrade: websocket", "Connection: keep-alive,", " Upgrade", accept]) == nil)
        #expect(verify(["Upgrade: websocket", "Connection: Upgrade", accept, "Sec-WebSocket-Protocol: chat"], offered: ["chat", "x"]) == nil)
    }

    @Test("each rule of RFC 6455 §4.1 refuses its own breach, naming it", arguments: [
        (["Connection: Upgrade", "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo="], "Upgrade: websocket"),
        (["Upgrade: websocket, h2c", "Connection: Upgrade", "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo="], "instead of"),
        (["Upgrade: websocket", "Connection: keep-alive", "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo="], "Connection"),
        (["Upgrade: websocket", "Connection: Upgrade"], "without a Sec-WebSocket-Accept"),
        (["Upgrade: websocket", "Connection: Upgrade", "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo"], "wrong Sec-WebSocket-Accept"),
        (["Upgrade: websocket", "Connection: Upgrade", "Sec-WebSocket-Accept: S3PPLMBITXAQ9KYGZZHZRBK+XOO="], "wrong Sec-WebSocket-Accept"),
        (["Upgrade: websocket", "Connection: Upgrade", "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=",
          "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo="], "2 Sec-WebSocket-Accept"),
        (["Upgrade: websocket", "Connection: Upgrade", "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=",
          "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits"], "Sec-WebSocket-Extensions"),
        (["Upgrade: websocket", "Connection: Upgrade", "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=",
          "Sec-WebSocket-Protocol: chat"], "did not ask for"),
        (["Upgrade: websocket", "Connection: Upgrade", "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", "Content-Length: 5"], "body"),
        (["Upgrade: websocket", "Connection: Upgrade", "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=",
          "Transfer-Encoding: chunked"], "body"),
    ])
    func breaches(lines: [String], fragment: String) {
        let error = verify(lines)
        #expect(error?.kind == .handshakeInvalid)
        #expect(error?.message.contains(fragment) == true, "\(String(describing: error?.message))")
    }

    @Test("a subprotocol other than the ones offered is refused")
    func otherSubprotocol() {
        let error = verify(["Upgrade: websocket", "Connection: Upgrade", accept, "Sec-WebSocket-Protocol: other"], offered: ["chat"])
        #expect(error?.message.contains("not one of the subprotocols offered") == true)
    }

    @Test("only the last response counts (after a 1xx), and control characters in values are shown escaped")
    func lastResponseAndEscaping() {
        let passing = response(["HTTP/1.1 100 Continue", "Upgrade: h2c", "", "HTTP/1.1 101 Switching Protocols",
                                "Upgrade: websocket", "Connection: Upgrade", accept])
        #expect(passing.statusLine == "HTTP/1.1 101 Switching Protocols")
        #expect(passing.values("upgrade") == ["websocket"])
        let error = verify(["Upgrade: web\u{1B}[31msocket", "Connection: Upgrade", accept])
        #expect(error?.message.contains("\\u{1B}[31m") == true, "\(String(describing: error?.message))")
    }

    @Test("headers past the byte or line limit are refused, and nothing more is kept")
    func limits() {
        var response = UpgradeResponse()
        let line = Array(("X-Filler: " + String(repeating: "a", count: 1000) + "\r\n").utf8)
        var accepted = 0
        while line.withUnsafeBytes({ response.take(line: $0) }) { accepted += 1 }
        #expect(response.overflowed)
        #expect(accepted * line.count <= UpgradeResponse.byteLimit)
        var many = UpgradeResponse()
        var count = 0
        while Array("X: y\r\n".utf8).withUnsafeBytes({ many.take(line: $0) }) { count += 1 }
        #expect(count == UpgradeResponse.fieldLimit)
    }

    @Test("request headers that would override the handshake are refused; offered subprotocols are kept")
    func requestHeaders() throws {
        for header in ["Sec-WebSocket-Key: x", "SEC-WEBSOCKET-VERSION: 8", "Sec-WebSocket-Accept: y", "Upgrade: h2c",
                       "Connection: close", "Sec-WebSocket-Extensions: permessage-deflate", "no colon here"] {
            #expect(throws: WebSocketError.self, "\(header)") { try RequestHeaders([header]) }
        }
        let headers = try RequestHeaders(["x-goog-api-key: k", "Sec-WebSocket-Protocol: chat, superchat"])
        #expect(headers.offeredProtocols == ["chat", "superchat"])
        #expect(headers.lines.count == 2)
    }

    @Test("libcurl older than 8.14 is refused with the reason and the fix; 8.14 and newer pass")
    func minimumVersion() throws {
        let old = CurlRuntime(version: "8.13.0", versionNumber: 0x08_0D_00, protocols: ["ws", "wss"], tlsBackend: nil)
        do {
            try old.requireWebSocket()
            Issue.record("8.13 was accepted")
        } catch {
            #expect(error.kind == .unsupported)
            #expect(error.message.contains("8.14") && error.message.contains("NOAUTOPONG"))
        }
        try CurlRuntime(version: "8.14.0", versionNumber: 0x08_0E_00, protocols: ["ws", "wss"], tlsBackend: nil).requireWebSocket()
        #expect(CurlRuntime.current.versionNumber >= CurlRuntime.minimumVersionNumber)
    }
}
