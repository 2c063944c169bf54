// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

@testable import CurlWebSocket
import Testing

/// Close payloads (RFC 6455 §5.5.1, §7.4), UTF-8 validation and the bounded control-frame slots, without
/// a network.
@Suite("Control frames")
struct ControlFrameTests {
    @Test("close codes: exactly 1000-1003, 1007-1014 and 3000-4999 may be sent")
    func validCodes() {
        let valid = (0...UInt16.max).filter(isValidCloseCode)
        let expected = Array(1000...1003) + Array(1007...1014) + Array(3000...4999)
        #expect(valid == expected.map { UInt16($0) })
    }

    @Test("a close payload is read as no code, a valid code and reason, or a named problem")
    func peerClose() {
        func problem(_ payload: [UInt8]) -> String? {
            if case .invalid(let text) = PeerClose(payload: payload) { return text }
            return nil
        }
        #expect(PeerClose(payload: []) == .noCode)
        #expect(PeerClose(payload: [0x03, 0xE8] + Array("bye ✓".utf8)) == .code(1000, reason: "bye ✓"))
        #expect(problem([0x03])?.contains("1 byte") == true)
        #expect(problem([0x03, 0xED])?.contains("never be sent") == true)
        #expect(problem([0x03, 0xE8, 0xC3, 0x28])?.contains("UTF-8") == true)
    }

    @Test("UTF-8 validation refuses overlong forms, surrogates, values past U+10FFFF and cut sequences")
    func utf8() {
        #expect(isValidUTF8(Array("héllo ✓ 𝄞".utf8)))
        #expect(isValidUTF8([UInt8]()))
        for bad: [UInt8] in [[0xC0, 0xAF], [0xE0, 0x80, 0xAF], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xE2, 0x9C], [0xFF], [0x80]] {
            #expect(!isValidUTF8(bad), "\(bad)")
        }
    }

    @Test("UTF-8 validation agrees with the standard library on every 1- and 2-byte input and on random longer ones")
    func utf8AgreesWithStandardLibrary() {
        // The oracle: decoding replaces anything invalid with U+FFFD, so only valid input survives a round trip.
        func oracle(_ bytes: [UInt8]) -> Bool { Array(String(decoding: bytes, as: UTF8.self).utf8) == bytes }
        for first in 0...255 {
            #expect(isValidUTF8([UInt8(first)]) == oracle([UInt8(first)]))
            for second in 0...255 {
                let bytes = [UInt8(first), UInt8(second)]
                if isValidUTF8(bytes) != oracle(bytes) { Issue.record("disagree on \(bytes)") }
            }
        }
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<20_000 {
            // ASCII runs around multi-byte sequences, so the 8-byte path meets them at every alignment.
            var bytes = [UInt8](repeating: 0x61, count: Int.random(in: 0...17, using: &generator))
            bytes += (0..<Int.random(in: 1...4, using: &generator)).map { _ in UInt8.random(in: 0x80...0xFF, using: &generator) }
            bytes += [UInt8](repeating: 0x62, count: Int.random(in: 0...9, using: &generator))
            if isValidUTF8(bytes) != oracle(bytes) { Issue.record("disagree on \(bytes)") }
        }
    }

    @Test("our own close reason is cut at a character boundary, so it stays UTF-8")
    func ownClosePayload() {
        // 61 two-byte characters = 122 bytes; the 62nd would make 124 > 123 and is left out whole.
        let accented = closePayload(code: 1000, reason: String(repeating: "é", count: 80))
        #expect(accented.count == 2 + 122)
        #expect(isValidUTF8(accented[2...]))
    }

    @Test("only the latest ping is answered, however many arrive")
    func coalescing() {
        var controls = ControlFrames()
        for index in 0..<1000 { controls.owePong(for: [UInt8(index % 256)]) }
        let pong = controls.next(now: 0)
        #expect(pong?.flags == FrameFlag.pong)
        #expect(pong?.bytes == [UInt8(999 % 256)])
        #expect(controls.next(now: 0) == nil)
    }

    @Test("pongs are spaced, and reading is blocked while too many pings wait for one")
    func spacingAndBacklog() {
        var controls = ControlFrames()
        controls.owePong(for: [1])
        #expect(controls.next(now: 1000)?.bytes == [1])
        controls.pongSent(now: 1000)
        controls.owePong(for: [2])
        #expect(controls.next(now: 1010) == nil, "too soon after the last pong")
        #expect(controls.pongDelay(now: 1010) == ControlFrames.pongSpacing - 10)
        for _ in 1..<ControlFrames.backlogLimit { controls.owePong(for: [3]) }
        #expect(controls.readingBlocked)
        #expect(controls.next(now: 1000 + ControlFrames.pongSpacing)?.bytes == [3])
        controls.pongSent(now: 1000 + ControlFrames.pongSpacing)
        #expect(!controls.readingBlocked)
    }

    @Test("a CLOSE drops the owed pong and keep-alive ping and is the last frame handed out")
    func closeIsLast() {
        var controls = ControlFrames()
        controls.owePong(for: [1])
        controls.queueKeepAlivePing()
        controls.queueClose([0x03, 0xE8])
        controls.queueClose([0x03, 0xEA])  // the first close wins
        #expect(controls.next(now: 0)?.bytes == [0x03, 0xE8])
        controls.owePong(for: [2])
        controls.queueKeepAlivePing()
        #expect(controls.next(now: 1000) == nil)
        #expect(!controls.hasPending)
        #expect(controls.isClosing)
    }
}

extension Outgoing: Equatable {
    static func == (lhs: Outgoing, rhs: Outgoing) -> Bool { lhs.bytes == rhs.bytes && lhs.flags == rhs.flags }
}
