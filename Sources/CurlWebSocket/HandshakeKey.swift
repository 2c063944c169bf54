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

/// Standard base64 with padding (RFC 4648 §4).
func base64(_ bytes: [UInt8]) -> String {
    let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
    var output: [UInt8] = []
    output.reserveCapacity((bytes.count + 2) / 3 * 4)
    var index = 0
    while index < bytes.count {
        let count = min(3, bytes.count - index)
        let chunk = UInt32(bytes[index]) << 16
            | (count > 1 ? UInt32(bytes[index + 1]) << 8 : 0)
            | (count > 2 ? UInt32(bytes[index + 2]) : 0)
        for position in 0..<4 {
            if position <= count {
                output.append(alphabet[Int((chunk >> UInt32(18 - 6 * position)) & 0x3F)])
            } else {
                output.append(UInt8(ascii: "="))
            }
        }
        index += 3
    }
    return String(decoding: output, as: UTF8.self)
}
