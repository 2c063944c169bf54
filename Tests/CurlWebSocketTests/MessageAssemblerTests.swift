// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

@testable import CurlWebSocket
import Testing

@Suite("MessageAssembler")
struct MessageAssemblerTests {
    private func feed(_ assembler: inout MessageAssembler, _ bytes: [UInt8], flags: UInt32, offset: Int64 = 0,
                      left: Int64 = 0) -> MessageAssembler.Event {
        bytes.withUnsafeBytes { assembler.feed($0, flags: flags, offset: offset, bytesLeft: left) }
    }

    @Test("a frame split into chunks becomes one message")
    func chunkedFrame() {
        var assembler = MessageAssembler(maxMessageSize: 100)
        #expect(feed(&assembler, [1, 2, 3], flags: FrameFlag.binary, offset: 0, left: 2) == .none)
        #expect(feed(&assembler, [4, 5], flags: FrameFlag.binary, offset: 3, left: 0) == .message(.binary([1, 2, 3, 4, 5])))
        #expect(assembler.bufferedCount == 0)
    }

    @Test("fragments marked CONT are joined; the frame type of the first fragment wins")
    func fragments() {
        var assembler = MessageAssembler(maxMessageSize: 100)
        #expect(feed(&assembler, Array("ab".utf8), flags: FrameFlag.text | FrameFlag.cont) == .none)
        #expect(feed(&assembler, Array("cd".utf8), flags: FrameFlag.text | FrameFlag.cont) == .none)
        #expect(feed(&assembler, [], flags: FrameFlag.text) == .message(.text(Array("abcd".utf8))))
    }

    @Test("a frame announced bigger than the limit is refused at its first chunk, before buffering")
    func tooBigSingleFrame() {
        var assembler = MessageAssembler(maxMessageSize: 1000)
        let event = feed(&assembler, [UInt8](repeating: 7, count: 64), flags: FrameFlag.binary, offset: 0, left: 2000)
        #expect(event == .tooBig(size: 2064))
        #expect(assembler.bufferedCount == 0)
    }

    @Test("a continuation frame whose header claims 2^63 - 1 bytes is too big, not an arithmetic overflow")
    func hugeClaimAfterAFragment() {
        // fuzz/corpus/message-assembler/regression-huge-claim-after-fragment.bin, as calls.
        var assembler = MessageAssembler(maxMessageSize: 4096)
        #expect(feed(&assembler, Array("G".utf8), flags: FrameFlag.text | FrameFlag.cont) == .none)
        let event = feed(&assembler, [0x47], flags: FrameFlag.cont, offset: 0, left: Int64.max - 1)
        #expect(event == .tooBig(size: Int.max))
        #expect(assembler.bufferedCount == 0)
        let unlimited = MessageAssembler(maxMessageSize: Int.max)
        var again = unlimited
        #expect(feed(&again, [1, 2], flags: FrameFlag.binary | FrameFlag.cont) == .none)
        #expect(feed(&again, [3], flags: FrameFlag.binary, offset: 0, left: Int64.max) == .none)
    }

    @Test("fragments are limited cumulatively")
    func tooBigFragments() {
        var assembler = MessageAssembler(maxMessageSize: 10)
        #expect(feed(&assembler, [UInt8](repeating: 1, count: 6), flags: FrameFlag.text | FrameFlag.cont) == .none)
        #expect(feed(&assembler, [UInt8](repeating: 1, count: 6), flags: FrameFlag.text | FrameFlag.cont) == .tooBig(size: 12))
        // The next message starts clean.
        #expect(feed(&assembler, [9], flags: FrameFlag.text) == .message(.text([9])))
    }

    @Test("control frames: close code and reason, ping payload, pong")
    func controls() {
        var assembler = MessageAssembler(maxMessageSize: 10)
        let close = [UInt8(0x03), UInt8(0xF0)] + Array("bye".utf8)
        #expect(feed(&assembler, close, flags: FrameFlag.close) == .close(.code(1008, reason: "bye")))
        #expect(feed(&assembler, [], flags: FrameFlag.close) == .close(.noCode))
        #expect(feed(&assembler, [1, 2], flags: FrameFlag.ping, left: 1) == .none)
        #expect(feed(&assembler, [3], flags: FrameFlag.ping) == .ping([1, 2, 3]))
        #expect(feed(&assembler, [], flags: FrameFlag.pong) == .pong)
    }

    @Test("a control frame between fragments does not disturb the message")
    func controlBetweenFragments() {
        var assembler = MessageAssembler(maxMessageSize: 100)
        #expect(feed(&assembler, [1], flags: FrameFlag.binary | FrameFlag.cont) == .none)
        #expect(feed(&assembler, [], flags: FrameFlag.ping) == .ping([]))
        #expect(feed(&assembler, [2], flags: FrameFlag.binary) == .message(.binary([1, 2])))
    }

    @Test("close payload: code in network order, reason cut to 123 bytes")
    func closePayloadShape() {
        let payload = closePayload(code: 1009, reason: String(repeating: "x", count: 200))
        #expect(payload.count == 125)
        #expect(payload[0] == 0x03 && payload[1] == 0xF1)
    }
}
