// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

import ALSA
import TestKit
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Whether the kernel's ALSA loopback card (snd-aloop) is there: the qemu board rig loads it; a CI
/// container has none, and these tests are skipped.
let loopbackCardPresent = access("/proc/asound/Loopback", F_OK) == 0

/// Tests on a real, clocked ALSA device: the kernel's loopback card. Unlike alsa-lib's null/file plugins it
/// advances with a timer, so a reader or writer that stalls gets a genuine xrun from the kernel.
@Suite("PCM on the snd-aloop loopback card", .enabled(if: loopbackCardPresent, "needs snd-aloop (modprobe snd-aloop)"), .serialized)
struct LoopbackCardTests {
    static func sleep(milliseconds: Int) {
        var request = timespec(tv_sec: milliseconds / 1000, tv_nsec: (milliseconds % 1000) * 1_000_000)
        var remaining = timespec()
        while nanosleep(&request, &remaining) == -1 && errno == EINTR { request = remaining }
    }

    @Test("a capture reader that stalls gets a real overrun, recovered and counted")
    func captureOverrun() throws {
        let pcm = try PCM(PCMConfiguration(device: "hw:Loopback,1,3", stream: .capture, sampleRate: 16000))
        #expect(pcm.isClockedByDevice)
        var period = [Int16](repeating: 0, count: pcm.periodFrames)
        for _ in 0..<5 { _ = try period.withUnsafeMutableBufferPointer { try pcm.read(into: $0) } }
        // The buffer holds 40 ms; 300 ms without reading overruns it for certain.
        Self.sleep(milliseconds: 300)
        #expect(try period.withUnsafeMutableBufferPointer { try pcm.read(into: $0) } == pcm.periodFrames)
        #expect(pcm.counters.xruns >= 1)
        for _ in 0..<5 { _ = try period.withUnsafeMutableBufferPointer { try pcm.read(into: $0) } }
        #expect(pcm.state == .running)
    }

    @Test("a playback writer that stalls gets a real underrun, recovered and counted")
    func playbackUnderrun() throws {
        let pcm = try PCM(PCMConfiguration(device: "hw:Loopback,0,4", stream: .playback, sampleRate: 24000))
        let period = [Int16](repeating: 0, count: pcm.periodFrames)
        for _ in 0..<pcm.bufferFrames / pcm.periodFrames { _ = try period.withUnsafeBufferPointer { try pcm.write($0) } }
        #expect(pcm.state == .running)
        Self.sleep(milliseconds: 300)
        _ = try period.withUnsafeBufferPointer { try pcm.write($0) }
        #expect(pcm.counters.xruns >= 1)
        _ = try period.withUnsafeBufferPointer { try pcm.write($0) }
        #expect((pcm.delay() ?? -1) >= 0, "a clocked device reports its delay")
    }

    @Test("samples played into the cable come out of it verbatim")
    func cableIsSampleExact() throws {
        // Deep buffers (160 ms): the test thread is not real-time, and an emulated machine stalls it now
        // and then; an xrun would put a gap in the cable.
        let playback = try PCM(PCMConfiguration(
            device: "hw:Loopback,0,5", stream: .playback, sampleRate: 16000, periodsPerBuffer: 16))
        let capture = try PCM(PCMConfiguration(
            device: "hw:Loopback,1,5", stream: .capture, sampleRate: 16000, periodsPerBuffer: 16))
        let signal = ALSATestSignal.pattern(count: 8000, seed: 17).map { $0 | 1 }
        let silence = [Int16](repeating: 0, count: playback.periodFrames)
        var captured: [Int16] = []
        var period = [Int16](repeating: 0, count: capture.periodFrames)
        var offset = 0
        // Alternate: one period out, one period in, until the signal has gone through and 200 ms more.
        for step in 0..<(signal.count / playback.periodFrames + 60) {
            if step == 0 {
                for _ in 0..<12 { _ = try silence.withUnsafeBufferPointer { try playback.write($0) } }
            }
            if offset < signal.count {
                let end = min(signal.count, offset + playback.periodFrames)
                _ = try signal.withUnsafeBufferPointer { try playback.write(UnsafeBufferPointer(rebasing: $0[offset..<end])) }
                offset = end
            } else {
                _ = try silence.withUnsafeBufferPointer { try playback.write($0) }
            }
            _ = try period.withUnsafeMutableBufferPointer { try capture.read(into: $0) }
            captured += period
        }
        let start = try #require(captured.firstIndex { $0 != 0 })
        #expect(Array(captured[start..<min(captured.count, start + signal.count)]) == signal)
        #expect(capture.counters.xruns == 0 && playback.counters.xruns == 0)
    }
}
