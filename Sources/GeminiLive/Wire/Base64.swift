// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

public import FoundationEssentials

/// Base64 as the Live API needs it: standard padded output (what the service sends and Google's docs use),
/// and lenient input (standard or URL-safe alphabet, padded or not), as the reference SDK reads it.
///
/// Hand-written because the audio path encodes 50 chunks a second and Foundation's encoder allocates
/// intermediate strings; this one writes straight into a caller's byte buffer.
public enum Base64 {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    /// Maps an ASCII byte to its 6-bit value; 0xFF for bytes outside both alphabets.
    private static let decodeTable: [UInt8] = {
        var table = [UInt8](repeating: 0xFF, count: 256)
        for (index, byte) in alphabet.enumerated() { table[Int(byte)] = UInt8(index) }
        table[Int(UInt8(ascii: "-"))] = 62
        table[Int(UInt8(ascii: "_"))] = 63
        return table
    }()

    /// Encoded length of `count` bytes, with padding.
    @inlinable
    public static func encodedCount(_ count: Int) -> Int { (count + 2) / 3 * 4 }

    /// Appends the standard padded encoding of `bytes` to `output`.
    public static func encode(_ bytes: UnsafeRawBufferPointer, appendingTo output: inout [UInt8]) {
        let start = output.count
        let total = encodedCount(bytes.count)
        output.append(contentsOf: repeatElement(0, count: total))
        output.withUnsafeMutableBufferPointer { out in
            alphabet.withUnsafeBufferPointer { table in
                var o = start
                var i = 0
                let n = bytes.count
                while i + 3 <= n {
                    let v = UInt32(bytes[i]) << 16 | UInt32(bytes[i + 1]) << 8 | UInt32(bytes[i + 2])
                    out[o] = table[Int(v >> 18)]
                    out[o + 1] = table[Int(v >> 12 & 63)]
                    out[o + 2] = table[Int(v >> 6 & 63)]
                    out[o + 3] = table[Int(v & 63)]
                    i += 3
                    o += 4
                }
                let rest = n - i
                if rest > 0 {
                    let v = UInt32(bytes[i]) << 16 | (rest == 2 ? UInt32(bytes[i + 1]) << 8 : 0)
                    out[o] = table[Int(v >> 18)]
                    out[o + 1] = table[Int(v >> 12 & 63)]
                    out[o + 2] = rest == 2 ? table[Int(v >> 6 & 63)] : UInt8(ascii: "=")
                    out[o + 3] = UInt8(ascii: "=")
                }
            }
        }
    }

    /// The standard padded encoding of `data` as a string.
    public static func encode(_ data: Data) -> String {
        var output: [UInt8] = []
        output.reserveCapacity(encodedCount(data.count))
        data.withUnsafeBytes { encode($0, appendingTo: &output) }
        return String(decoding: output, as: UTF8.self)
    }

    /// Decodes standard or URL-safe base64, with or without padding. Nil when the text is not base64.
    public static func decode(_ text: String) -> [UInt8]? {
        var text = text
        return text.withUTF8 { decode(UnsafeRawBufferPointer($0)) }
    }

    /// Decodes from ASCII bytes.
    public static func decode(_ input: UnsafeRawBufferPointer) -> [UInt8]? {
        var end = input.count
        var padding = 0
        while end > 0 && input[end - 1] == UInt8(ascii: "=") && padding < 2 {
            end -= 1
            padding += 1
        }
        // Padded input must be a whole number of quads; unpadded input may not end with a lone character.
        if padding > 0 && input.count % 4 != 0 { return nil }
        if end % 4 == 1 { return nil }
        let capacity = end / 4 * 3 + 2
        var valid = true
        // Written in place into an uninitialised buffer: one pass, no per-byte capacity checks.
        let output = [UInt8](unsafeUninitializedCapacity: capacity) { out, initialized in
            initialized = 0
            valid = decodeTable.withUnsafeBufferPointer { table in
                var i = 0
                var o = 0
                while i + 4 <= end {
                    let a = table[Int(input[i])], b = table[Int(input[i + 1])]
                    let c = table[Int(input[i + 2])], d = table[Int(input[i + 3])]
                    if (a | b | c | d) & 0xC0 != 0 { return false }
                    let v = UInt32(a) << 18 | UInt32(b) << 12 | UInt32(c) << 6 | UInt32(d)
                    out[o] = UInt8(v >> 16)
                    out[o + 1] = UInt8(v >> 8 & 0xFF)
                    out[o + 2] = UInt8(v & 0xFF)
                    i += 4
                    o += 3
                }
                let rest = end - i
                if rest >= 2 {
                    let a = table[Int(input[i])], b = table[Int(input[i + 1])]
                    let c = rest == 3 ? table[Int(input[i + 2])] : 0
                    if (a | b | c) & 0xC0 != 0 { return false }
                    let v = UInt32(a) << 18 | UInt32(b) << 12 | UInt32(c) << 6
                    out[o] = UInt8(v >> 16)
                    o += 1
                    if rest == 3 {
                        out[o] = UInt8(v >> 8 & 0xFF)
                        o += 1
                    }
                }
                initialized = o
                return true
            }
        }
        return valid ? output : nil
    }
}
