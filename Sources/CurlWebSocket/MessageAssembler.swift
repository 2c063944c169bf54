// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

/// Rebuilds whole messages from the chunks `curl_ws_recv` hands out, with a size limit checked before
/// anything is buffered, and checks what libcurl leaves unchecked: text must be UTF-8, a CLOSE payload must
/// be a valid code and reason (``PeerClose``).
///
/// libcurl delivers a frame in pieces no larger than the caller's buffer (≤ 16 KiB on wss) and leaves
/// fragmented messages (`CURLWS_CONT` on every frame but the last) to the application. A pure value type
/// with no I/O, so every edge case is tested without a network.
struct MessageAssembler {
    enum Event: Equatable {
        /// More is needed.
        case none
        case message(WebSocketMessage)
        /// A complete CLOSE frame, its payload checked.
        case close(PeerClose)
        /// A complete PING frame's payload.
        case ping([UInt8])
        case pong
        /// The message would exceed the limit; nothing more of it was kept.
        case tooBig(size: Int)
        /// A complete text message that is not valid UTF-8 (RFC 6455 §8.1: close with 1007); dropped.
        case invalidText
    }

    let maxMessageSize: Int
    private var buffer: [UInt8] = []
    private var isBinary = false
    private var inMessage = false
    private var control: [UInt8] = []

    init(maxMessageSize: Int) {
        self.maxMessageSize = maxMessageSize
    }

    /// Bytes held for the message being assembled.
    var bufferedCount: Int { buffer.count }

    /// Feeds one chunk (`flags`, `offset`, `bytesleft` from `struct curl_ws_frame`).
    mutating func feed(_ chunk: UnsafeRawBufferPointer, flags: UInt32, offset: Int64, bytesLeft: Int64) -> Event {
        if flags & (FrameFlag.close | FrameFlag.ping | FrameFlag.pong) != 0 {
            return feedControl(chunk, flags: flags, bytesLeft: bytesLeft)
        }
        if !inMessage {
            inMessage = true
            isBinary = flags & FrameFlag.binary != 0
            buffer.removeAll(keepingCapacity: true)
        }
        // The frame's full size is known on its first chunk: refuse before buffering it. A header may claim
        // up to 2^63 - 1 bytes, so the sum saturates instead of overflowing (found by fuzz/ message-assembler).
        let (sum, overflow) = (buffer.count + chunk.count).addingReportingOverflow(Int(clamping: bytesLeft))
        let projected = overflow ? Int.max : sum
        if projected > maxMessageSize {
            reset()
            return .tooBig(size: projected)
        }
        buffer.append(contentsOf: chunk)
        guard bytesLeft == 0, flags & FrameFlag.cont == 0 else { return .none }
        if !isBinary && !isValidUTF8(buffer) {
            reset()
            return .invalidText
        }
        let message: WebSocketMessage = isBinary ? .binary(buffer) : .text(buffer)
        reset()
        return .message(message)
    }

    private mutating func feedControl(_ chunk: UnsafeRawBufferPointer, flags: UInt32, bytesLeft: Int64) -> Event {
        // Control payloads are at most 125 bytes (RFC 6455 §5.5) but may still come in two chunks.
        if control.count + chunk.count <= 125 { control.append(contentsOf: chunk) }
        guard bytesLeft == 0 else { return .none }
        let payload = control
        control.removeAll(keepingCapacity: true)
        if flags & FrameFlag.close != 0 { return .close(PeerClose(payload: payload)) }
        if flags & FrameFlag.ping != 0 { return .ping(payload) }
        return .pong
    }

    private mutating func reset() {
        inMessage = false
        // Drop a huge buffer's capacity after an unusually large message, so memory returns to normal.
        if buffer.capacity > 256 << 10 { buffer = [] } else { buffer.removeAll(keepingCapacity: true) }
    }
}
