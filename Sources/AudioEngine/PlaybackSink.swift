// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

import Threads
public import RingBuffer
import Synchronization

/// Where the far end's 24 kHz audio goes: a bounded ring that the playback thread drains at the device's
/// pace. Writing never blocks; when the ring is full the writer is told so and should stop reading the
/// network (backpressure: the socket's window fills, nothing grows).
///
/// ```swift
/// let generation = sink.generation
/// guard await sink.write(all: chunk, generation: generation) else { return }  // flushed or stopped
/// ```
///
/// A barge-in calls ``flush()``, which starts a new *generation*: writes made for an older generation
/// (the rest of a chunk that was being written) are refused, so nothing from before the flush plays.
///
/// Any number of tasks may call it (writes are serialised by a lock on the non-real-time side; the
/// playback thread never takes it).
public final class PlaybackSink: Sendable {
    let ring: SPSCRing<Int16>
    private let producer = Mutex<Void>(())
    /// Bumped by `flush()`; the playback thread compares it with the last one it handled.
    let flushGeneration = Atomic<UInt>(0)
    /// The ring position up to which a flush discards (written before the generation is bumped).
    let flushPosition = Atomic<UInt>(0)
    private let waiters = Mutex<[Waiter]>([])
    /// How many writers wait for space.
    let waiterCount = Atomic<Int>(0)
    /// The free space the least demanding waiting writer needs (`Int.max` when none waits): the playback
    /// thread wakes the frame pump only once that much is free, not at every period (a writer waits for
    /// a quarter of the ring, so a reply costs a few wake-ups a second instead of a hundred).
    let wakeAt = Atomic<Int>(Int.max)
    private let nextWaiterID = Atomic<UInt>(0)
    private let closed = Atomic<Bool>(false)
    /// The engine's frame pump's wake-up, which resumes waiting writers.
    private let wake: EventSignal?

    private struct Waiter {
        var id: UInt
        var minimum: Int
        var continuation: CheckedContinuation<Bool, Never>
    }

    init(capacity: Int, wake: EventSignal?) {
        ring = SPSCRing(capacity: capacity)
        self.wake = wake
    }

    /// The rate the sink takes (24 kHz, the Live API's output rate).
    public var sampleRate: Int { AudioEngineConfiguration.playbackRate }
    /// The most samples it holds.
    public var capacity: Int { ring.capacity }
    /// Samples waiting to be played.
    public var bufferedSamples: Int { ring.count }
    /// Room for this many samples right now.
    public var freeSpace: Int { max(0, ring.capacity - ring.count) }
    /// Whether a write would take nothing.
    public var isFull: Bool { freeSpace == 0 }

    /// Queues as many of `samples` (24 kHz mono) as fit and returns how many it took; never blocks. Fewer
    /// than offered means the sink is full: keep the rest and wait (``waitForSpace(atLeast:)``).
    @discardableResult
    public func write(_ samples: UnsafeBufferPointer<Int16>) -> Int {
        guard !closed.load(ordering: .relaxed) else { return 0 }
        return producer.withLock { _ in ring.write(samples) }
    }

    /// Like ``write(_:)``, but takes nothing once a ``flush()`` has started a generation after
    /// `generation`: the check and the write happen under the producer lock, so a flush either comes
    /// before (nothing is written) or after (it drops what was written).
    public func write(_ samples: UnsafeBufferPointer<Int16>, generation: UInt) -> Int {
        guard !closed.load(ordering: .relaxed) else { return 0 }
        return producer.withLock { _ in
            flushGeneration.load(ordering: .relaxed) == generation ? ring.write(samples) : 0
        }
    }

    /// Writes all of `samples`, waiting for room as the speaker plays (the caller's backpressure).
    /// Returns false, with the rest dropped, when a flush started a newer generation than `generation`,
    /// the engine stopped, or the task was cancelled.
    public func write(all samples: UnsafeBufferPointer<Int16>, generation: UInt) async -> Bool {
        var offset = 0
        while offset < samples.count {
            guard self.generation == generation, !closed.load(ordering: .acquiring) else { return false }
            offset += write(UnsafeBufferPointer(rebasing: samples[offset...]), generation: generation)
            if offset < samples.count {
                guard await waitForSpace(atLeast: min(samples.count - offset, ring.capacity / 4)) else { return false }
            }
        }
        return true
    }

    /// Bumped by every ``flush()``: pass it to the writes that belong to what plays now.
    public var generation: UInt { flushGeneration.load(ordering: .acquiring) }

    /// The total number of samples ever written (wrapping): a ``AudioEngineEvent/playbackDrained(position:)``
    /// at this position means all of them were played (or flushed).
    public var writtenPosition: UInt { ring.writePosition }

    /// Queues as many of `samples` as fit and returns how many it took; never blocks.
    @discardableResult
    public func write<C: Collection<Int16>>(_ samples: C) -> Int {
        let taken = samples.withContiguousStorageIfAvailable { write($0) }
        if let taken { return taken }
        return Array(samples).withUnsafeBufferPointer { write($0) }
    }

    /// Drops everything queued so far and silences the speaker within one device period (barge-in).
    /// Samples written after `flush()` returns, with the generation it returns, are played normally;
    /// writes for older generations are refused.
    @discardableResult
    public func flush() -> UInt {
        producer.withLock { _ in
            flushPosition.store(ring.writePosition, ordering: .relaxed)
            return flushGeneration.wrappingAdd(1, ordering: .releasing).newValue
        }
    }

    /// Waits until at least `minimum` samples fit (at most the capacity). Returns false when the engine
    /// stopped or the task was cancelled, true when there is room.
    public func waitForSpace(atLeast minimum: Int) async -> Bool {
        let minimum = max(1, min(minimum, ring.capacity))
        if freeSpace >= minimum { return true }
        if closed.load(ordering: .acquiring) { return false }
        let id = nextWaiterID.wrappingAdd(1, ordering: .relaxed).oldValue
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
                let immediate: Bool? = waiters.withLock { list in
                    if closed.load(ordering: .acquiring) || Task.isCancelled { return false }
                    if freeSpace >= minimum { return true }
                    list.append(Waiter(id: id, minimum: minimum, continuation: continuation))
                    waiterCount.wrappingAdd(1, ordering: .releasing)
                    publishWakeAt(list)
                    // The playback thread may have made room between the check and the publication.
                    if freeSpace >= minimum {
                        list.removeLast()
                        waiterCount.wrappingSubtract(1, ordering: .relaxed)
                        publishWakeAt(list)
                        return true
                    }
                    return nil
                }
                if let immediate { continuation.resume(returning: immediate) }
            }
        } onCancel: {
            let removed = waiters.withLock { list -> Waiter? in
                guard let index = list.firstIndex(where: { $0.id == id }) else { return nil }
                waiterCount.wrappingSubtract(1, ordering: .relaxed)
                let removed = list.remove(at: index)
                publishWakeAt(list)
                return removed
            }
            removed?.continuation.resume(returning: false)
        }
    }

    /// Frame pump: resumes the writers whose space has come.
    func resumeWaiters() {
        guard waiterCount.load(ordering: .acquiring) > 0 else { return }
        let ready = waiters.withLock { list -> [Waiter] in
            let free = freeSpace
            let ready = list.filter { $0.minimum <= free }
            list.removeAll { $0.minimum <= free }
            waiterCount.store(list.count, ordering: .relaxed)
            publishWakeAt(list)
            return ready
        }
        for waiter in ready { waiter.continuation.resume(returning: true) }
    }

    /// Engine stop: refuses further writes and releases every waiting writer with `false`.
    func close() {
        closed.store(true, ordering: .releasing)
        let all = waiters.withLock { list -> [Waiter] in
            defer { list.removeAll() }
            waiterCount.store(0, ordering: .relaxed)
            wakeAt.store(Int.max, ordering: .sequentiallyConsistent)
            return list
        }
        for waiter in all { waiter.continuation.resume(returning: false) }
    }

    /// Under the waiters' lock: the smallest need among `list`.
    private func publishWakeAt(_ list: [Waiter]) {
        var least = Int.max
        for waiter in list where waiter.minimum < least { least = waiter.minimum }
        wakeAt.store(least, ordering: .sequentiallyConsistent)
    }

    /// Playback thread: wakes the frame pump when a waiting writer's room has come. (Should this miss
    /// a writer that registered just now, the next period or the pump's own 200 ms poll resumes it.)
    func wakeWritersIfWaiting() {
        if freeSpace >= wakeAt.load(ordering: .sequentiallyConsistent) {
            wake?.signal()
        }
    }

    /// The sink's ring statistics (fill level, high-water mark, rejected writes).
    public var statistics: SPSCRing<Int16>.Statistics { ring.statistics }
}
