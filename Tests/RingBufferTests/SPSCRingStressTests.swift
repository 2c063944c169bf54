// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

import RingBuffer
import Synchronization
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Runs `body` on a new pthread (outside Swift concurrency, as the audio threads are) and returns a join.
private func spawn(_ body: @escaping @Sendable () -> Void) -> () -> Void {
    final class Box: @unchecked Sendable {  // handed to exactly one thread, which releases it
        let body: @Sendable () -> Void
        init(_ body: @escaping @Sendable () -> Void) { self.body = body }
    }
    var thread = pthread_t()
    let box = Unmanaged.passRetained(Box(body)).toOpaque()
    let result = pthread_create(&thread, nil, { raw in
        let box = Unmanaged<Box>.fromOpaque(raw!).takeRetainedValue()
        box.body()
        return nil
    }, box)
    precondition(result == 0, "pthread_create failed: \(result)")
    return { pthread_join(thread, nil) }
}

/// A deterministic chunk-size sequence, different on each side so the two threads interleave unevenly.
private struct Chunks {
    var state: UInt64
    mutating func next(max: Int) -> Int {
        state = state &* 6364136223846793005 &+ 1442695040888963407
        return 1 + Int((state >> 33) % UInt64(max))
    }
}

@Suite("SPSCRing, two threads")
struct SPSCRingStressTests {
    static let total = 2_000_000

    @Test("a producer that waits for room loses and reorders nothing (checksum)")
    func noLossWhenNotFull() {
        let ring = SPSCRing<UInt32>(capacity: 1024)
        let producedSum = Atomic<UInt64>(0)
        let joinProducer = spawn {
            var chunks = Chunks(state: 1)
            var buffer = [UInt32](repeating: 0, count: 300)
            var next: UInt32 = 0
            var sum: UInt64 = 0
            while next < UInt32(Self.total) {
                let n = min(chunks.next(max: 300), Self.total - Int(next))
                for i in 0..<n {
                    buffer[i] = next + UInt32(i)
                    sum &+= UInt64(next + UInt32(i)) &* 2654435761
                }
                var offset = 0
                buffer.withUnsafeBufferPointer { all in
                    while offset < n {
                        offset += ring.write(UnsafeBufferPointer(rebasing: all[offset..<n]))
                        if offset < n { sched_yield() }
                    }
                }
                next += UInt32(n)
            }
            producedSum.store(sum, ordering: .relaxed)
        }
        var chunks = Chunks(state: 2)
        var buffer = [UInt32](repeating: 0, count: 300)
        var expected: UInt32 = 0
        var sum: UInt64 = 0
        var outOfOrder = 0
        while expected < UInt32(Self.total) {
            let want = chunks.next(max: 300)
            let n = buffer.withUnsafeMutableBufferPointer {
                ring.readAvailable(into: UnsafeMutableBufferPointer(rebasing: $0[0..<want]))
            }
            if n == 0 { sched_yield(); continue }
            for value in buffer[0..<n] {
                if value != expected { outOfOrder += 1 }
                sum &+= UInt64(value) &* 2654435761
                expected = value &+ 1
            }
        }
        joinProducer()
        #expect(outOfOrder == 0)
        #expect(sum == producedSum.load(ordering: .relaxed))
        let stats = ring.statistics
        #expect(stats.count == 0)
        #expect(stats.highWaterMark <= 1024)
    }

    @Test("a producer that drops when full: loss is counted exactly and order is kept (checksum)")
    func countedLossWhenFull() {
        let ring = SPSCRing<UInt32>(capacity: 256)
        let droppedSum = Atomic<UInt64>(0)
        let droppedCount = Atomic<Int>(0)
        let producerDone = Atomic<Bool>(false)
        let joinProducer = spawn {
            var chunks = Chunks(state: 3)
            var buffer = [UInt32](repeating: 0, count: 64)
            var next: UInt32 = 0
            var dropped = 0
            var dsum: UInt64 = 0
            while next < UInt32(Self.total) {
                let n = min(chunks.next(max: 64), Self.total - Int(next))
                for i in 0..<n { buffer[i] = next + UInt32(i) }
                let stored = buffer.withUnsafeBufferPointer { ring.writeAll(UnsafeBufferPointer(rebasing: $0[0..<n])) }
                if !stored {
                    dropped += n
                    for i in 0..<n { dsum &+= UInt64(buffer[i]) }
                }
                next += UInt32(n)
            }
            droppedSum.store(dsum, ordering: .relaxed)
            droppedCount.store(dropped, ordering: .relaxed)
            producerDone.store(true, ordering: .releasing)
        }
        var buffer = [UInt32](repeating: 0, count: 16)
        var received = 0
        var receivedSum: UInt64 = 0
        var last: Int64 = -1
        var outOfOrder = 0
        var reads = 0
        while true {
            let done = producerDone.load(ordering: .acquiring)
            let n = buffer.withUnsafeMutableBufferPointer { ring.readAvailable(into: $0) }
            for value in buffer[0..<n] {
                if Int64(value) <= last { outOfOrder += 1 }
                last = Int64(value)
                receivedSum &+= UInt64(value)
            }
            received += n
            reads += 1
            // A slow consumer: the producer runs into a full ring again and again.
            if reads % 4 == 0 { sched_yield() }
            if done && n == 0 { break }
        }
        joinProducer()
        let stats = ring.statistics
        let totalSum = UInt64(Self.total) * UInt64(Self.total - 1) / 2
        #expect(outOfOrder == 0)
        #expect(droppedCount.load(ordering: .relaxed) > 0, "the consumer never fell behind; the test proved nothing")
        #expect(received + droppedCount.load(ordering: .relaxed) == Self.total)
        #expect(stats.rejectedElements == droppedCount.load(ordering: .relaxed))
        #expect(receivedSum &+ droppedSum.load(ordering: .relaxed) == totalSum)
        #expect(stats.highWaterMark == 256 || stats.highWaterMark > 256 - 64)
    }
}
