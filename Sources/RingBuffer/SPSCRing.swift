// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

public import Synchronization

/// A lock-free ring of trivial elements (audio samples) for exactly one producer thread and one consumer
/// thread, with its capacity fixed at creation.
///
/// ```swift
/// let ring = SPSCRing<Int16>(capacity: 4096)
/// // producer thread (the capture thread):
/// let written = period.withUnsafeBufferPointer { ring.write($0) }
/// // consumer thread:
/// let read = buffer.withUnsafeMutableBufferPointer { ring.readAvailable(into: $0) }
/// ```
///
/// ## Implementation notes
/// Two free-running, word-sized indices count every element ever written and read; they wrap around at
/// `UInt.max` and are masked with `capacity - 1` to find a slot, so the capacity is a power of two. The fill
/// level is `write &- read`. Each side reads its own index relaxed and the other side's with acquire
/// ordering, copies, then publishes its own index with release ordering, as PipeWire's `spa_ringbuffer`
/// and swift-system's `IORing` do. A bulk copy that crosses the end of the storage is two copies.
///
/// ## Fixed storage, and what happens when it is full or empty
/// The storage is allocated once in `init` and never reallocated: no operation allocates, locks or makes a
/// system call, so both sides may run on real-time threads.
/// - **Full: the producer is rejected, never the consumer's data.** ``write(_:)`` stores what fits and
///   returns that count; ``writeAll(_:)`` stores everything or nothing. Each time a write cannot store
///   everything offered, ``Statistics/overruns`` grows by one and ``Statistics/rejectedElements`` by the
///   elements that did not fit. Overwriting the oldest elements would mean the producer moving the read
///   index, which only the consumer may do; for "keep the latest N" use ``OverwritingRing`` on one thread,
///   or ``PrerollRing``.
/// - **Empty: the consumer gets less.** ``read(into:)`` returns fewer elements than asked for and counts an
///   underrun (``Statistics/underruns``, ``Statistics/missingElements``); ``readAvailable(into:)`` drains
///   what is there and counts nothing, for consumers that poll.
///
/// Counters and ``statistics`` may be read from any thread at any time.
public final class SPSCRing<Element: BitwiseCopyable>: @unchecked Sendable {
    // @unchecked Sendable: the storage is shared on purpose. The producer only touches slots in
    // [write, read + capacity) and the consumer only slots in [read, write); the acquire/release pairs on
    // the two indices order those accesses, so a slot is never written and read at the same time as long
    // as there is at most one producer and one consumer (the documented contract).

    /// The number of elements the ring holds when full (a power of two).
    public let capacity: Int

    @usableFromInline let mask: UInt
    @usableFromInline let storage: UnsafeMutablePointer<Element>

    /// Elements ever written; only the producer stores it.
    @usableFromInline let writeIndex = Atomic<UInt>(0)
    /// Elements ever read or discarded; only the consumer stores it.
    @usableFromInline let readIndex = Atomic<UInt>(0)

    // Producer-owned counters.
    @usableFromInline let highWater = Atomic<UInt>(0)
    @usableFromInline let overrunCount = Atomic<UInt>(0)
    @usableFromInline let rejectedCount = Atomic<UInt>(0)
    // Consumer-owned counters.
    @usableFromInline let underrunCount = Atomic<UInt>(0)
    @usableFromInline let missingCount = Atomic<UInt>(0)

    /// Creates an empty ring.
    /// - Parameter capacity: a power of two, at least 2. Use ``capacity(atLeast:)`` to round up.
    public convenience init(capacity: Int) {
        self.init(capacity: capacity, startPosition: 0)
    }

    /// Creates an empty ring whose free-running indices start at `startPosition` (tests start them just
    /// below `UInt.max` to check the wrap-around).
    package init(capacity: Int, startPosition: UInt) {
        precondition(capacity >= 2 && capacity & (capacity - 1) == 0,
                     "SPSCRing capacity must be a power of two >= 2, got \(capacity)")
        self.capacity = capacity
        self.mask = UInt(capacity - 1)
        let bytes = capacity * MemoryLayout<Element>.stride
        let raw = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: MemoryLayout<Element>.alignment)
        // Zero the slots so that a reader of a freshly made ring could never see garbage.
        raw.initializeMemory(as: UInt8.self, repeating: 0, count: bytes)
        self.storage = raw.bindMemory(to: Element.self, capacity: capacity)
        writeIndex.store(startPosition, ordering: .relaxed)
        readIndex.store(startPosition, ordering: .relaxed)
    }

    deinit {
        UnsafeMutableRawPointer(storage).deallocate()
    }

    /// The smallest power of two that is at least `count` (and at least 2).
    public static func capacity(atLeast count: Int) -> Int {
        precondition(count >= 0 && count <= Int.max / 2, "ring capacity \(count) out of range")
        var capacity = 2
        while capacity < count { capacity <<= 1 }
        return capacity
    }

    // MARK: Producer side (one thread)

    /// Free slots, as seen by the producer (the true number can only be larger).
    @inlinable public var freeSpace: Int {
        capacity - Int(writeIndex.load(ordering: .relaxed) &- readIndex.load(ordering: .acquiring))
    }

    /// Stores as many elements of `source` as fit, in order, and returns how many it stored.
    ///
    /// When not everything fits, counts one overrun and the elements left over; the caller keeps or drops
    /// them (the playback sink keeps them and tells the network reader to wait). Producer thread only.
    @inlinable @discardableResult
    public func write(_ source: UnsafeBufferPointer<Element>) -> Int {
        let write = writeIndex.load(ordering: .relaxed)
        let read = readIndex.load(ordering: .acquiring)
        let free = capacity - Int(write &- read)
        let n = min(free, source.count)
        if n < source.count { noteRejected(source.count - n) }
        guard n > 0, let base = source.baseAddress else { return 0 }
        copyIn(base, count: n, at: write)
        writeIndex.store(write &+ UInt(n), ordering: .releasing)
        noteFill(Int(write &- read) + n)
        return n
    }

    /// Stores all of `source`, or nothing when it does not fit (counting one overrun and `source.count`
    /// rejected elements). Returns whether it stored the elements. Producer thread only.
    @inlinable @discardableResult
    public func writeAll(_ source: UnsafeBufferPointer<Element>) -> Bool {
        let write = writeIndex.load(ordering: .relaxed)
        let read = readIndex.load(ordering: .acquiring)
        let fill = Int(write &- read)
        guard capacity - fill >= source.count else {
            noteRejected(source.count)
            return false
        }
        guard source.count > 0, let base = source.baseAddress else { return true }
        copyIn(base, count: source.count, at: write)
        writeIndex.store(write &+ UInt(source.count), ordering: .releasing)
        noteFill(fill + source.count)
        return true
    }

    /// Counts elements the producer had to drop for reasons of its own (for example, a second ring that
    /// had to be written together with this one was full). Producer thread only.
    @inlinable public func noteRejected(_ elements: Int) {
        overrunCount.wrappingAdd(1, ordering: .relaxed)
        rejectedCount.wrappingAdd(UInt(elements), ordering: .relaxed)
    }

    @inlinable func noteFill(_ fill: Int) {
        if UInt(fill) > highWater.load(ordering: .relaxed) {
            highWater.store(UInt(fill), ordering: .relaxed)
        }
    }

    @inlinable func copyIn(_ source: UnsafePointer<Element>, count n: Int, at index: UInt) {
        let start = Int(index & mask)
        let first = min(n, capacity - start)
        (storage + start).update(from: source, count: first)
        if first < n {
            storage.update(from: source + first, count: n - first)
        }
    }

    // MARK: Consumer side (one thread)

    /// Elements ready to read, as seen by the consumer (the true number can only be larger).
    @inlinable public var availableToRead: Int {
        Int(writeIndex.load(ordering: .acquiring) &- readIndex.load(ordering: .relaxed))
    }

    /// Reads up to `destination.count` elements; a short read counts one underrun and the missing
    /// elements. Returns the number read (the rest of `destination` is left untouched). Consumer only.
    @inlinable @discardableResult
    public func read(into destination: UnsafeMutableBufferPointer<Element>) -> Int {
        let n = readAvailable(into: destination)
        if n < destination.count {
            underrunCount.wrappingAdd(1, ordering: .relaxed)
            missingCount.wrappingAdd(UInt(destination.count - n), ordering: .relaxed)
        }
        return n
    }

    /// Reads up to `destination.count` elements without counting an underrun when fewer are there.
    /// Returns the number read. Consumer thread only.
    @inlinable @discardableResult
    public func readAvailable(into destination: UnsafeMutableBufferPointer<Element>) -> Int {
        let read = readIndex.load(ordering: .relaxed)
        let write = writeIndex.load(ordering: .acquiring)
        let n = min(Int(write &- read), destination.count)
        guard n > 0, let base = destination.baseAddress else { return 0 }
        let start = Int(read & mask)
        let first = min(n, capacity - start)
        base.update(from: storage + start, count: first)
        if first < n {
            (base + first).update(from: storage, count: n - first)
        }
        readIndex.store(read &+ UInt(n), ordering: .releasing)
        return n
    }

    /// Drops up to `count` of the oldest elements without copying them; returns how many it dropped.
    /// Consumer thread only.
    @inlinable @discardableResult
    public func discard(_ count: Int) -> Int {
        let read = readIndex.load(ordering: .relaxed)
        let write = writeIndex.load(ordering: .acquiring)
        let n = min(Int(write &- read), max(0, count))
        readIndex.store(read &+ UInt(n), ordering: .releasing)
        return n
    }

    /// Drops elements until ``readPosition`` reaches `position` (or the ring is empty); returns how many it
    /// dropped. Positions at or before the read position drop nothing. Consumer thread only.
    @inlinable @discardableResult
    public func discard(upTo position: UInt) -> Int {
        let read = readIndex.load(ordering: .relaxed)
        let ahead = Int(bitPattern: position &- read)
        return ahead > 0 ? discard(ahead) : 0
    }

    /// Drops everything written so far; returns how many elements it dropped. Consumer thread only.
    @inlinable @discardableResult
    public func discardAll() -> Int {
        discard(Int.max)
    }

    // MARK: Any thread

    /// How many elements were ever written (the producer's free-running index, wrapping at `UInt.max`).
    /// The element at position `p` is in the ring while `readPosition <= p < writePosition`.
    @inlinable public var writePosition: UInt { writeIndex.load(ordering: .acquiring) }

    /// How many elements were ever read or discarded (the consumer's free-running index).
    @inlinable public var readPosition: UInt { readIndex.load(ordering: .acquiring) }

    /// Elements in the ring right now (a snapshot; either side may move it at once).
    public var count: Int {
        let read = readIndex.load(ordering: .relaxed)
        let write = writeIndex.load(ordering: .relaxed)
        return min(capacity, max(0, Int(bitPattern: write &- read)))
    }

    /// A snapshot of the ring's fill level and counters.
    public struct Statistics: Sendable, Equatable {
        /// The ring's capacity in elements.
        public var capacity: Int
        /// Elements in the ring when the snapshot was taken.
        public var count: Int
        /// The largest fill level the producer ever left behind.
        public var highWaterMark: Int
        /// Writes that could not store everything they were offered (full ring).
        public var overruns: Int
        /// Elements offered to the producer side that did not fit.
        public var rejectedElements: Int
        /// Reads (``SPSCRing/read(into:)``) that found fewer elements than they asked for.
        public var underruns: Int
        /// Elements those short reads were missing.
        public var missingElements: Int
    }

    /// The fill level and counters, readable from any thread.
    public var statistics: Statistics {
        Statistics(
            capacity: capacity,
            count: count,
            highWaterMark: Int(highWater.load(ordering: .relaxed)),
            overruns: Int(truncatingIfNeeded: overrunCount.load(ordering: .relaxed)),
            rejectedElements: Int(truncatingIfNeeded: rejectedCount.load(ordering: .relaxed)),
            underruns: Int(truncatingIfNeeded: underrunCount.load(ordering: .relaxed)),
            missingElements: Int(truncatingIfNeeded: missingCount.load(ordering: .relaxed)))
    }
}
