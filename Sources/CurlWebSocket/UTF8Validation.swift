// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

/// Whether `bytes` are well-formed UTF-8 (RFC 3629: no overlong forms, surrogates or values past
/// U+10FFFF, no cut sequences), as RFC 6455 §8.1 requires of text messages and close reasons.
///
/// Written out over raw bytes, with an 8-bytes-at-a-time path for ASCII: it runs on every text message the
/// network thread receives, so it must cost little and allocate nothing, in debug builds too (a generic
/// `Unicode.UTF8` parser there allocates per character).
func isValidUTF8(_ bytes: UnsafeRawBufferPointer) -> Bool {
    let count = bytes.count
    var index = 0
    while index < count {
        if index + 8 <= count && bytes.loadUnaligned(fromByteOffset: index, as: UInt64.self) & 0x8080_8080_8080_8080 == 0 {
            index += 8
            continue
        }
        let lead = bytes[index]
        if lead < 0x80 {
            index += 1
            continue
        }
        // The length of the sequence and the allowed range of its second byte (RFC 3629 §4).
        let trailing: Int
        var low: UInt8 = 0x80, high: UInt8 = 0xBF
        switch lead {
        case 0xC2...0xDF: trailing = 1
        case 0xE0: (trailing, low) = (2, 0xA0)
        case 0xE1...0xEC, 0xEE...0xEF: trailing = 2
        case 0xED: (trailing, high) = (2, 0x9F)
        case 0xF0: (trailing, low) = (3, 0x90)
        case 0xF1...0xF3: trailing = 3
        case 0xF4: (trailing, high) = (3, 0x8F)
        default: return false
        }
        guard index + trailing < count, (low...high).contains(bytes[index + 1]) else { return false }
        var next = 2
        while next <= trailing {
            guard bytes[index + next] & 0xC0 == 0x80 else { return false }
            next += 1
        }
        index += trailing + 1
    }
    return true
}

/// ``isValidUTF8(_:)-(UnsafeRawBufferPointer)`` for an array or a slice of one.
func isValidUTF8(_ bytes: ArraySlice<UInt8>) -> Bool {
    bytes.withUnsafeBytes { isValidUTF8($0) }
}

/// ``isValidUTF8(_:)-(UnsafeRawBufferPointer)`` for an array.
func isValidUTF8(_ bytes: [UInt8]) -> Bool {
    bytes.withUnsafeBytes { isValidUTF8($0) }
}
