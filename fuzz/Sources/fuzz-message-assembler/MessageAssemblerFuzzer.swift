// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

@testable import CurlWebSocket

/// WebSocket frames cut into chunks the way `curl_ws_recv` hands them out (`flags`, `offset` growing,
/// `bytesleft` shrinking to 0), fed to the assembler, with its promises checked: it never holds more than
/// its limit, and every message it returns is exactly the payloads of its frames.
///
/// Input: byte 0 picks the size limit; then frames of `[flags] [length: 2 bytes LE] [chunking] payload…`.
/// Flag bits: 0 TEXT, 1 BINARY, 2 CONT, 3 CLOSE, 4 PING, 5 PONG (any mix, as a hostile peer may send);
/// bit 6: the header claims a length of up to 2^63 - 1 (the next 8 bytes) of which only the first chunk
/// arrives before the connection ends. `chunking` 0 is one chunk, n is chunks of n bytes.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzMessageAssembler(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    var input = UnsafeBufferPointer(start: data, count: size)[...]
    guard let selector = input.popFirst() else { return 0 }
    let limits = [0, 1, 125, 1_000, 4_096, 1 << 20, Int.max]
    let limit = limits[Int(selector) % limits.count]
    var assembler = MessageAssembler(maxMessageSize: limit)
    let bits: [UInt32] = [FrameFlag.text, FrameFlag.binary, FrameFlag.cont, FrameFlag.close, FrameFlag.ping, FrameFlag.pong]
    let controlMask = FrameFlag.close | FrameFlag.ping | FrameFlag.pong
    var expected: [UInt8] = []  // the data payloads since the message began, as the assembler should keep them

    while input.count >= 4 {
        let flagByte = input.popFirst()!
        let length = Int(input.popFirst()!) | Int(input.popFirst()!) << 8
        let chunking = Int(input.popFirst()!)
        var flags: UInt32 = 0
        for (bit, flag) in bits.enumerated() where flagByte & (1 << bit) != 0 { flags |= flag }
        var claimed: Int64?
        if flagByte & 0x40 != 0 {
            guard input.count >= 8 else { return 0 }
            var value: UInt64 = 0
            for _ in 0..<8 { value = value << 8 | UInt64(input.popFirst()!) }
            claimed = Int64(bitPattern: value & UInt64(Int64.max))
        }
        let payload = Array(input.prefix(length))
        input = input.dropFirst(payload.count)
        let total = max(Int64(payload.count), claimed ?? 0)
        let isControl = flags & controlMask != 0

        var offset = 0
        repeat {
            let count = chunking == 0 ? payload.count - offset : min(chunking, payload.count - offset)
            let chunk = payload[offset..<(offset + count)]
            let bytesLeft = total - Int64(offset + count)
            let event = chunk.withUnsafeBytes {
                assembler.feed($0, flags: flags, offset: Int64(offset), bytesLeft: bytesLeft)
            }
            if !isControl { expected += chunk }
            precondition(assembler.bufferedCount <= limit, "the assembler holds more than its limit")
            switch event {
            case .none, .pong, .close, .ping:
                break
            case .message(let message):
                let bytes: [UInt8]
                switch message {
                case .text(let text): bytes = text
                case .binary(let binary): bytes = binary
                }
                precondition(bytes.count <= limit, "a message over the limit was delivered")
                precondition(bytes == expected, "a delivered message differs from its frames' payloads")
                expected.removeAll()
            case .tooBig, .invalidText:
                return 0  // the connection is closed (1009, or 1007 for text that is not UTF-8): nothing more is read
            }
            offset += count
        } while offset < payload.count
        if claimed.map({ $0 > Int64(payload.count) }) == true { return 0 }  // the rest never arrives
    }
    return 0
}
