// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

import AudioEngine
import RingBuffer
import Testing

/// The aligner is driven here with made-up times, so each expectation is exact.
@Suite("Reference alignment")
struct ReferenceAlignerTests {
    /// 62.5 µs per sample at 16 kHz.
    static func time(ofPosition position: Int, anchorPosition: Int, anchorTime: Int) -> UInt {
        UInt(anchorTime + (position - anchorPosition) * 125 / 2)
    }

    final class Rig {
        let ring = SPSCRing<Int16>(capacity: 2048)
        let timeline = ReferenceTimeline()
        let counters = AlignmentCounters()
        let aligner: ReferenceAligner
        var written = 0

        init() { aligner = ReferenceAligner(counters: counters) }

        /// Pushes positions [written, written + n) with sample value (position % 30000) + 1.
        func push(_ n: Int) {
            let values = (written..<(written + n)).map { Int16($0 % 30000 + 1) }
            #expect(values.withUnsafeBufferPointer { ring.write($0) } == n)
            written += n
        }

        func frame(at time: UInt, lead: Int = 0, length: Int = 160) -> [Int16] {
            var out = [Int16](repeating: -1, count: length)
            out.withUnsafeMutableBufferPointer {
                aligner.fill($0, frameTime: time, leadSamples: lead, ring: ring, timeline: timeline)
            }
            return out
        }
    }

    static func expected(_ range: Range<Int>) -> [Int16] { range.map { Int16($0 % 30000 + 1) } }

    @Test("a frame gets the reference that left the speaker during its window, then steps frame by frame")
    func locksAndSteps() {
        let rig = Rig()
        rig.push(800)
        let t0 = 10_000_000
        rig.timeline.publish(position: 800, playTime: UInt(t0))
        let start = Self.time(ofPosition: 160, anchorPosition: 800, anchorTime: t0)
        #expect(rig.frame(at: start) == Self.expected(160..<320))
        // 3 ms of scheduling jitter does not move the reference: it advances exactly one frame.
        #expect(rig.frame(at: start + 10_000 + 3_000) == Self.expected(320..<480))
        #expect(rig.frame(at: start + 20_000 - 2_000) == Self.expected(480..<640))
        #expect(rig.counters.locks.load(ordering: .relaxed) == 1)
        #expect(rig.counters.lateSamples.load(ordering: .relaxed) == 0)
    }

    @Test("the slack places the reference earlier, by that many samples")
    func lead() {
        let rig = Rig()
        rig.push(1000)
        rig.timeline.publish(position: 1000, playTime: 5_000_000)
        let start = Self.time(ofPosition: 200, anchorPosition: 1000, anchorTime: 5_000_000)
        #expect(rig.frame(at: start, lead: 160) == Self.expected(360..<520))
    }

    @Test("reference not played yet becomes zeros, is counted, and is skipped when it arrives")
    func lateSamples() {
        let rig = Rig()
        rig.push(400)
        rig.timeline.publish(position: 400, playTime: 1_000_000)
        let start = Self.time(ofPosition: 320, anchorPosition: 400, anchorTime: 1_000_000)
        let first = rig.frame(at: start)
        #expect(Array(first[0..<80]) == Self.expected(320..<400))
        #expect(Array(first[80...]) == [Int16](repeating: 0, count: 80))
        #expect(rig.counters.lateSamples.load(ordering: .relaxed) == 80)
        // The missing samples arrive later; the next frame still starts at position 480.
        rig.push(400)
        rig.timeline.publish(position: 800, playTime: 1_000_000 + 25_000)
        #expect(rig.frame(at: start + 10_000) == Self.expected(480..<640))
    }

    @Test("samples dropped by a flush before they were played come out as zeros")
    func flushedSamplesAreSilent() {
        let rig = Rig()
        rig.push(800)
        rig.timeline.publish(position: 800, playTime: 2_000_000)
        rig.timeline.publishDropped(from: 500, to: 600)
        let start = Self.time(ofPosition: 480, anchorPosition: 800, anchorTime: 2_000_000)
        let frame = rig.frame(at: start)
        #expect(Array(frame[0..<20]) == Self.expected(480..<500))
        #expect(Array(frame[20..<120]) == [Int16](repeating: 0, count: 100))
        #expect(Array(frame[120...]) == Self.expected(600..<640))
    }

    @Test("a new epoch (device reopened) re-locks at once; a steady 3 ms offset is slewed, late wake-ups are not")
    func relockAndSlew() {
        let rig = Rig()
        rig.push(2000)
        rig.timeline.publish(position: 2000, playTime: 3_000_000)
        var time = Self.time(ofPosition: 0, anchorPosition: 2000, anchorTime: 3_000_000)
        #expect(rig.frame(at: time) == Self.expected(0..<160))
        let window = ReferenceAligner.window
        // One window where a quarter of the frames arrive 40 ms "late" (scheduling): the median is 0.
        for i in 0..<window {
            time += 10_000
            _ = rig.frame(at: time + (i % 4 == 0 ? 40_000 : 0))
            rig.push(160)
        }
        #expect(rig.counters.slews.load(ordering: .relaxed) == 0)
        // Then the device's clock is 3 ms ahead of the aligner: the first window full of it corrects
        // once (windows after the lock: firstWindow frames, then window frames each).
        for _ in 0..<(2 * window) {
            time += 10_000
            _ = rig.frame(at: time + 3_000)
            rig.push(160)
        }
        #expect(rig.counters.slews.load(ordering: .relaxed) == 1)
        let position = 160 * (3 * window + 1) + 48
        #expect(rig.frame(at: time + 10_000 + 3_000) == Self.expected(position..<(position + 160)))

        rig.timeline.bumpEpoch()
        rig.push(200)
        rig.timeline.publish(position: UInt(rig.written), playTime: 9_000_000)
        let target = rig.written - 300
        #expect(rig.frame(at: Self.time(ofPosition: target, anchorPosition: rig.written, anchorTime: 9_000_000))
            == Self.expected(target..<(target + 160)))
        #expect(rig.counters.locks.load(ordering: .relaxed) == 2)
    }

    @Test("before playback publishes anything, the reference is silence")
    func noPlaybackYet() {
        let rig = Rig()
        rig.push(100)
        #expect(rig.frame(at: 123) == [Int16](repeating: 0, count: 160))
        #expect(rig.ring.count == 0)
    }
}
