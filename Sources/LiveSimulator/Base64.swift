// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

/// Base64 as Google's proto-JSON parser treats `bytes` fields: it accepts the standard (`+/`) and the
/// URL-safe (`-_`) alphabet, with or without `=` padding; anything else is an invalid argument.
/// The simulator itself always sends standard padded base64, as the real service does.
public enum Base64 {
    private static let standardAlphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    /// Standard alphabet, padded.
    public static func encode(_ bytes: [UInt8]) -> String {
        var output = [UInt8]()
        output.reserveCapacity((bytes.count + 2) / 3 * 4)
        var index = 0
        while index + 3 <= bytes.count {
            let chunk = UInt32(bytes[index]) << 16 | UInt32(bytes[index + 1]) << 8 | UInt32(bytes[index + 2])
            output.append(standardAlphabet[Int(chunk >> 18 & 63)])
            output.append(standardAlphabet[Int(chunk >> 12 & 63)])
            output.append(standardAlphabet[Int(chunk >> 6 & 63)])
            output.append(standardAlphabet[Int(chunk & 63)])
            index += 3
        }
        let rest = bytes.count - index
        if rest > 0 {
            var chunk = UInt32(bytes[index]) << 16
            if rest == 2 { chunk |= UInt32(bytes[index + 1]) << 8 }
            output.append(standardAlphabet[Int(chunk >> 18 & 63)])
            output.append(standardAlphabet[Int(chunk >> 12 & 63)])
            output.append(rest == 2 ? standardAlphabet[Int(chunk >> 6 & 63)] : UInt8(ascii: "="))
            output.append(UInt8(ascii: "="))
        }
        return String(decoding: output, as: UTF8.self)
    }

    /// The alphabet a base64 text used, as far as its characters tell.
    public enum Alphabet: Sendable, Equatable {
        /// Only characters common to both alphabets.
        case either
        /// `+` and `/` (RFC 4648 §4).
        case standard
        /// `-` and `_` (RFC 4648 §5), as the Python SDK sends.
        case urlSafe
        /// `+` or `/` and `-` or `_` in the same text (Google accepts it; it is still odd).
        case mixed
    }

    /// Decodes standard or URL-safe base64, padded or not. Returns `nil` for anything else (characters
    /// outside both alphabets, whitespace, a length that cannot be base64, padding in the middle).
    public static func decode(_ text: String) -> [UInt8]? {
        decodeReportingAlphabet(text)?.bytes
    }

    /// Decodes like ``decode(_:)`` and also says which alphabet the text used.
    public static func decodeReportingAlphabet(_ text: String) -> (bytes: [UInt8], alphabet: Alphabet)? {
        var symbols = Array(text.utf8)
        var padding = 0
        while let last = symbols.last, last == UInt8(ascii: "=") {
            symbols.removeLast()
            padding += 1
        }
        guard padding <= 2 else { return nil }
        if padding > 0 && (symbols.count + padding) % 4 != 0 { return nil }
        guard symbols.count % 4 != 1 else { return nil }
        var sawStandard = false
        var sawURLSafe = false
        var output = [UInt8]()
        output.reserveCapacity(symbols.count * 3 / 4)
        var accumulator: UInt32 = 0
        var bits = 0
        for symbol in symbols {
            let value: UInt32
            switch symbol {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"): value = UInt32(symbol - UInt8(ascii: "A"))
            case UInt8(ascii: "a")...UInt8(ascii: "z"): value = UInt32(symbol - UInt8(ascii: "a") + 26)
            case UInt8(ascii: "0")...UInt8(ascii: "9"): value = UInt32(symbol - UInt8(ascii: "0") + 52)
            case UInt8(ascii: "+"): value = 62; sawStandard = true
            case UInt8(ascii: "-"): value = 62; sawURLSafe = true
            case UInt8(ascii: "/"): value = 63; sawStandard = true
            case UInt8(ascii: "_"): value = 63; sawURLSafe = true
            default: return nil
            }
            accumulator = accumulator << 6 | value
            bits += 6
            if bits >= 8 {
                bits -= 8
                output.append(UInt8(truncatingIfNeeded: accumulator >> UInt32(bits)))
                accumulator &= (1 << UInt32(bits)) - 1
            }
        }
        let alphabet: Alphabet =
            switch (sawStandard, sawURLSafe) {
            case (false, false): .either
            case (true, false): .standard
            case (false, true): .urlSafe
            case (true, true): .mixed
            }
        return (output, alphabet)
    }
}
