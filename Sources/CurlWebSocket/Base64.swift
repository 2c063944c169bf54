// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

/// Standard base64 with padding (RFC 4648 §4), for the handshake key and its expected accept value.
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
