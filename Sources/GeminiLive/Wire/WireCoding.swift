// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

import JSON

/// The wire's JSON: the project's own coder (``JSON/JSONValueEncoder`` and ``JSON/JSONParser`` with
/// ``JSON/JSONValueDecoder``), canonical camelCase (the Codable keys), `/` not escaped (`audio/pcm`), keys
/// sorted so identical messages are identical bytes. Decoding is linear in the message's size.
enum WireCoding {
    static func encode<T: Encodable>(_ value: T) throws -> [UInt8] {
        try JSONValueEncoder().encode(value)
    }

    static func decode<T: Decodable>(_ type: T.Type, from bytes: [UInt8]) throws -> T {
        try JSONValueDecoder().decode(type, from: bytes)
    }

    static func decode<T: Decodable>(_ type: T.Type, from value: JSONValue) throws -> T {
        try JSONValueDecoder().decode(type, from: value)
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
        var suffix = Array(#"","mimeType":"#.utf8)
        JSONWriter.writeString(mimeType, to: &suffix)
        suffix += Array("}}}".utf8)
        self.suffix = suffix
    }

    /// Writes the whole message for `pcm` into `buffer` (its previous contents are replaced).
    public func encode(_ pcm: UnsafeRawBufferPointer, into buffer: inout [UInt8]) {
        buffer.removeAll(keepingCapacity: true)
        buffer.reserveCapacity(prefix.count + Base64.encodedCount(pcm.count) + suffix.count)
        buffer.append(contentsOf: prefix)
        Base64.encode(pcm, appendingTo: &buffer)
        buffer.append(contentsOf: suffix)
    }
}
