// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

import RingBuffer
import Testing

@Suite("SPSCRing, one thread")
struct SPSCRingSingleThreadTests {
    @Test("a capacity is rounded up to a power of two")
    func capacityRounding() {
        #expect(SPSCRing<Int16>.capacity(atLeast: 0) == 2)
        #expect(SPSCRing<Int16>.capacity(atLeast: 8000) == 8192)
        #expect(SPSCRing<Int16>.capacity(atLeast: 8192) == 8192)
        #expect(SPSCRing<Int16>(capacity: 1024).capacity == 1024)
    }

    @Test("elements come out in order across the wrap, as two copies")
    func wrapAround() {
        let ring = SPSCRing<Int16>(capacity: 8)
        var out = [Int16](repeating: -1, count: 8)
        // Move the indices to 5 so that the next 6-element write wraps (slots 5,6,7 then 0,1,2).
        #expect(ring.write(buffer([1, 2, 3, 4, 5])) == 5)
        #expect(out.withUnsafeMutableBufferPointer { ring.read(into: UnsafeMutableBufferPointer(rebasing: $0[0..<5])) } == 5)
        #expect(ring.write(buffer([10, 11, 12, 13, 14, 15])) == 6)
        #expect(ring.count == 6)
        let n = out.withUnsafeMutableBufferPointer { ring.readAvailable(into: $0) }
        #expect(n == 6)
        #expect(Array(out[0..<6]) == [10, 11, 12, 13, 14, 15])
    }

    @Test("the free-running indices wrap at UInt.max without losing or reordering anything")
    func indexWrap() {
        let ring = SPSCRing<UInt32>(capacity: 16, startPosition: UInt.max - 20)
        var next: UInt32 = 0
        var expected: UInt32 = 0
        var out = [UInt32](repeating: 0, count: 7)
        for _ in 0..<20 {
            let chunk = (0..<5).map { _ -> UInt32 in defer { next += 1 }; return next }
            #expect(chunk.withUnsafeBufferPointer { ring.writeAll($0) })
            let n = out.withUnsafeMutableBufferPointer { ring.readAvailable(into: $0) }
            for value in out[0..<n] {
                #expect(value == expected)
                expected += 1
            }
        }
        #expect(ring.writePosition < 100, "the write index wrapped past UInt.max")
        #expect(Int(expected) + ring.count == Int(next))
    }

    @Test("a full ring rejects the producer and counts it; the consumer's data is untouched")
    func fullPolicy() {
        let ring = SPSCRing<Int16>(capacity: 4)
        #expect(ring.write(buffer([1, 2, 3])) == 3)
        #expect(ring.write(buffer([4, 5, 6])) == 1)  // only one slot left
        #expect(!ring.writeAll(buffer([7, 8])))
        #expect(ring.freeSpace == 0)
        var out = [Int16](repeating: 0, count: 4)
        #expect(out.withUnsafeMutableBufferPointer { ring.read(into: $0) } == 4)
        #expect(out == [1, 2, 3, 4])
        let stats = ring.statistics
        #expect(stats.overruns == 2)
        #expect(stats.rejectedElements == 4)  // 5, 6, then 7, 8
        #expect(stats.highWaterMark == 4)
        #expect(stats.underruns == 0)
    }

    @Test("an empty ring gives a short read, counted only by read(into:)")
    func emptyPolicy() {
        let ring = SPSCRing<Int16>(capacity: 8)
        var out = [Int16](repeating: 99, count: 4)
        #expect(ring.write(buffer([1])) == 1)
        #expect(out.withUnsafeMutableBufferPointer { ring.read(into: $0) } == 1)
        #expect(out == [1, 99, 99, 99], "a short read leaves the rest of the buffer untouched")
        #expect(out.withUnsafeMutableBufferPointer { ring.readAvailable(into: $0) } == 0)
        let stats = ring.statistics
        #expect(stats.underruns == 1)
        #expect(stats.missingElements == 3)
    }

    @Test("discard(upTo:) drops up to an absolute position and never past the writer")
    func discardUpTo() {
        let ring = SPSCRing<Int16>(capacity: 16)
        ring.write(buffer(Array(0..<10)))
        #expect(ring.discard(upTo: 4) == 4)
        #expect(ring.readPosition == 4)
        #expect(ring.discard(upTo: 2) == 0, "a position behind the reader drops nothing")
        #expect(ring.discard(upTo: 100) == 6, "stops at the writer")
        #expect(ring.count == 0)
        ring.write(buffer([42]))
        var out: [Int16] = [0]
        #expect(out.withUnsafeMutableBufferPointer { ring.read(into: $0) } == 1)
        #expect(out == [42])
    }

    private func buffer(_ values: [Int16]) -> UnsafeBufferPointer<Int16> {
        // Test-only: a buffer that lives for the rest of the test process.
        let pointer = UnsafeMutableBufferPointer<Int16>.allocate(capacity: max(1, values.count))
        _ = pointer.initialize(from: values)
        return UnsafeBufferPointer(rebasing: pointer[0..<values.count])
    }
}

@Suite("OverwritingRing and PrerollRing")
struct OverwritingRingTests {
    @Test("a full ring overwrites the oldest and counts it")
    func overwrite() {
        var ring = OverwritingRing<Int16>(capacity: 5)
        [1, 2, 3].withUnsafeBufferPointer { ring.append(contentsOf: $0) }
        [4, 5, 6, 7].withUnsafeBufferPointer { ring.append(contentsOf: $0) }
        #expect(ring.count == 5)
        #expect(ring.overwrittenElements == 2)
        var out = [Int16](repeating: 0, count: 5)
        #expect(out.withUnsafeMutableBufferPointer { ring.copyLatest(into: $0) } == 5)
        #expect(out == [3, 4, 5, 6, 7])
        var last2 = [Int16](repeating: 0, count: 2)
        #expect(last2.withUnsafeMutableBufferPointer { ring.copyLatest(into: $0) } == 2)
        #expect(last2 == [6, 7])
    }

    @Test("appending more than the capacity keeps the tail")
    func hugeAppend() {
        var ring = OverwritingRing<Int16>(capacity: 3)
        Array(Int16(0)..<10).withUnsafeBufferPointer { ring.append(contentsOf: $0) }
        var out = [Int16](repeating: 0, count: 3)
        _ = out.withUnsafeMutableBufferPointer { ring.copyLatest(into: $0) }
        #expect(out == [7, 8, 9])
        #expect(ring.overwrittenElements == 7)
    }

    @Test("the pre-roll keeps the last N ms and hands out the latest part on request")
    func preroll() {
        let preroll = PrerollRing(milliseconds: 500, sampleRate: 16000)
        #expect(preroll.capacity == 8000)
        #expect(preroll.snapshot().isEmpty)
        // 1.2 s of a ramp in 10 ms frames.
        var value: Int16 = 0
        for _ in 0..<120 {
            let frame = (0..<160).map { _ -> Int16 in defer { value &+= 1 }; return value }
            preroll.append(frame)
        }
        let all = preroll.snapshot()
        #expect(all.count == 8000)
        #expect(all.last == value &- 1)
        #expect(all.first == value &- 8000)
        let last100ms = preroll.snapshot(milliseconds: 100)
        #expect(last100ms == Array(all.suffix(1600)))
        #expect(preroll.statistics.overwrittenSamples == 19200 - 8000)
        preroll.removeAll()
        #expect(preroll.snapshot().isEmpty)
    }
}
