// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

import FoundationEssentials

/// The JSON encoder and decoder configured for the wire: canonical camelCase (the Codable keys), `/` not
/// escaped (`audio/pcm`, not `audio\/pcm`), keys sorted so identical messages are identical bytes.
enum WireCoding {
    static func encode<T: Encodable>(_ value: T) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Array(try encoder.encode(value))
    }

    static func decode<T: Decodable>(_ type: T.Type, from bytes: [UInt8]) throws -> T {
        try JSONDecoder().decode(type, from: Data(bytes))
    }
}

/// The fast path for the hottest message, one chunk of microphone audio:
/// `{"realtimeInput":{"audio":{"data":"<base64>","mimeType":"audio/pcm;rate=16000"}}}`.
///
/// Built byte by byte into a reused buffer: no Codable, no reflection, one base64 pass. Produces the same
/// bytes as the Codable path (keys in the same sorted order), which a test checks.
public struct RealtimeAudioEncoder: Sendable {
    private let prefix: [UInt8]
    private let suffix: [UInt8]

    /// - Parameter mimeType: normally `audio/pcm;rate=16000`.
    public init(mimeType: String = "audio/pcm;rate=16000") {
        prefix = Array(#"{"realtimeInput":{"audio":{"data":""#.utf8)
        suffix = Array(#"","mimeType":"#.utf8) + Self.jsonString(mimeType) + Array("}}}".utf8)
    }

    /// Writes the whole message for `pcm` into `buffer` (its previous contents are replaced).
    public func encode(_ pcm: UnsafeRawBufferPointer, into buffer: inout [UInt8]) {
        buffer.removeAll(keepingCapacity: true)
        buffer.reserveCapacity(prefix.count + Base64.encodedCount(pcm.count) + suffix.count)
        buffer.append(contentsOf: prefix)
        Base64.encode(pcm, appendingTo: &buffer)
        buffer.append(contentsOf: suffix)
    }

    private static func jsonString(_ text: String) -> [UInt8] {
        var out: [UInt8] = [UInt8(ascii: "\"")]
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): out += Array(#"\""#.utf8)
            case UInt8(ascii: "\\"): out += Array(#"\\"#.utf8)
            case 0..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                out += Array(#"\u00"#.utf8) + [hex[Int(byte >> 4)], hex[Int(byte & 15)]]
            default: out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
        return out
    }
}
