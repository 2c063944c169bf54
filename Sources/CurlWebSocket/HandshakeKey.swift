// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

/// The `Sec-WebSocket-Key` nonce of one upgrade request and the `Sec-WebSocket-Accept` the server must
/// answer with (RFC 6455 §4.1, §4.2.2).
///
/// libcurl makes its own key and never checks the answer, but it leaves the key alone when the request
/// already carries one (`Curl_ws_request` in lib/ws.c skips any header the application set), so the key is
/// made here and sent as an ordinary request header.
struct HandshakeKey {
    /// The base64 of 16 random bytes, as sent.
    let value: String

    /// A fresh key from the system's random source.
    init() {
        var generator = SystemRandomNumberGenerator()
        let nonce = (0..<16).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        value = base64(nonce)
    }

    /// A key given as text (for the RFC's worked example in tests).
    init(value: String) {
        self.value = value
    }

    /// What the server must send back: base64(SHA-1(key + the RFC's GUID)).
    var expectedAccept: String {
        base64(SHA1.digest(Array((value + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").utf8)))
    }
}
