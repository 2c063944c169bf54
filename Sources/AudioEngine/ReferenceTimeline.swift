// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

package import RingBuffer
package import Synchronization

/// Where the far-end reference stands in time, published by the playback thread after every write and
/// read by the capture thread for every frame. A sequence lock over word-sized atomics: the single writer
/// never waits, the reader retries the few loads when it raced a write.
///
/// Positions are the reference ring's free-running write positions (16 kHz samples); times are
/// CLOCK_MONOTONIC microseconds, wrapping at `UInt.max` (differences stay valid for 35 minutes on 32-bit
/// machines, forever on 64-bit ones).
package final class ReferenceTimeline: Sendable {
    /// One consistent reading.
    package struct Anchor {
        /// The reference position that will leave the speaker at ``playTime``.
        package var position: UInt
        /// When it will (µs, CLOCK_MONOTONIC, wrapping).
        package var playTime: UInt
        /// Changes when the mapping from positions to time jumps (device reopened, reference lost), so that
        /// the reader re-locks instead of slewing.
        package var epoch: UInt
        /// Positions `[zeroStart, zeroEnd)` were handed to the device but dropped before being played
        /// (playback flush); the reader replaces them with zeros.
        package var zeroStart: UInt
        package var zeroEnd: UInt
    }

    package init() {}

    private let sequence = Atomic<UInt>(0)
    private let position = Atomic<UInt>(0)
    private let playTime = Atomic<UInt>(0)
    private let epoch = Atomic<UInt>(0)
    private let zeroStart = Atomic<UInt>(0)
    private let zeroEnd = Atomic<UInt>(0)
    /// False until the playback thread published its first anchor.
    private let valid = Atomic<Bool>(false)

    /// Writer (playback thread only): the reference at `position` leaves the speaker at `playTime`.
    package func publish(position newPosition: UInt, playTime newTime: UInt) {
        beginWrite()
        position.store(newPosition, ordering: .relaxed)
        playTime.store(newTime, ordering: .relaxed)
        endWrite()
        if !valid.load(ordering: .relaxed) { valid.store(true, ordering: .releasing) }
    }

    /// Writer: positions `[start, end)` will never be played.
    package func publishDropped(from start: UInt, to end: UInt) {
        beginWrite()
        zeroStart.store(start, ordering: .relaxed)
        zeroEnd.store(end, ordering: .relaxed)
        endWrite()
    }

    /// Writer: the position-to-time mapping jumped; readers must re-lock.
    package func bumpEpoch() {
        beginWrite()
        epoch.wrappingAdd(1, ordering: .relaxed)
        endWrite()
    }

    /// Reader: the latest anchor, or nil before the playback thread published one.
    package func load() -> Anchor? {
        guard valid.load(ordering: .acquiring) else { return nil }
        while true {
            let before = sequence.load(ordering: .acquiring)
            if before & 1 == 1 { continue }
            let anchor = Anchor(
                position: position.load(ordering: .relaxed),
                playTime: playTime.load(ordering: .relaxed),
                epoch: epoch.load(ordering: .relaxed),
                zeroStart: zeroStart.load(ordering: .relaxed),
                zeroEnd: zeroEnd.load(ordering: .relaxed))
            atomicMemoryFence(ordering: .acquiring)
            if sequence.load(ordering: .relaxed) == before { return anchor }
        }
    }

    private func beginWrite() {
        sequence.wrappingAdd(1, ordering: .relaxed)
        atomicMemoryFence(ordering: .releasing)
    }

    private func endWrite() {
        sequence.wrappingAdd(1, ordering: .releasing)
    }
}

/// Picks, for each microphone frame, the reference samples that left the speaker during the same time
/// window (less the alignment slack), from the reference ring. Owned by the capture thread.
///
/// It locks onto the timeline once (first frame, after the epoch changed, or after the capture side
/// reported an overrun), then advances exactly one frame at a time, so that scheduling jitter in the
/// timestamps never moves the reference. Every ``window`` frames (the first time after a lock, after
/// ``firstWindow``) it takes the median of the differences between its position and the timeline's, and
/// slews by it when that exceeds 2 ms: clock drift between two cards and a noisy lock are corrected, a
/// few late wake-ups are not.
package final class ReferenceAligner {
    /// Frames per drift measurement (0.64 s of 10 ms frames).
    package static let window = 64
    /// Frames in the first measurement after a lock, which takes the lock's one noisy timestamp out fast.
    package static let firstWindow = 8

    private var next: UInt = 0
    private var locked = false
    private var epoch: UInt = 0
    private let errors: UnsafeMutableBufferPointer<Int>
    private var errorCount = 0
    private var windowLength = ReferenceAligner.firstWindow

    /// Counters, read by the engine's statistics (capture thread writes, any thread reads).
    package let counters: AlignmentCounters

    /// Makes an aligner; its one buffer is allocated here, never on the capture thread's hot path.
    package init(counters: AlignmentCounters) {
        self.counters = counters
        errors = .allocate(capacity: Self.window)
        errors.initialize(repeating: 0)
    }

    deinit {
        errors.deallocate()
    }

    /// Forgets the lock, so that the next frame locks afresh (the capture side's clock jumped).
    package func unlock() {
        locked = false
    }

    /// Fills `out` with the reference for the mic frame whose first sample was captured at `frameTime`
    /// (µs, wrapping). `leadSamples` places the reference that much earlier than measured (the slack).
    package func fill(
        _ out: UnsafeMutableBufferPointer<Int16>, frameTime: UInt, leadSamples: Int,
        ring: SPSCRing<Int16>, timeline: ReferenceTimeline
    ) {
        let n = out.count
        guard let anchor = timeline.load() else {
            out.update(repeating: 0)
            ring.discardAll()
            return
        }
        let elapsed = Int(bitPattern: frameTime &- anchor.playTime)  // µs, may be negative
        let offset = elapsed >= 0 ? (elapsed * 16 + 500) / 1000 : -((-elapsed * 16 + 500) / 1000)
        let target = anchor.position &+ UInt(bitPattern: offset + leadSamples)
        if !locked || anchor.epoch != epoch {
            next = target
            locked = true
            epoch = anchor.epoch
            errorCount = 0
            windowLength = Self.firstWindow
            counters.locks.wrappingAdd(1, ordering: .relaxed)
        } else {
            errors[errorCount] = Int(bitPattern: target &- next)
            errorCount += 1
            if errorCount == windowLength {
                let median = Self.median(UnsafeMutableBufferPointer(rebasing: errors[0..<windowLength]))
                if abs(median) >= 32 {
                    next = next &+ UInt(bitPattern: median)
                    counters.slews.wrappingAdd(1, ordering: .relaxed)
                }
                errorCount = 0
                windowLength = Self.window
            }
        }
        counters.lastError.store(Int(bitPattern: target &- next), ordering: .relaxed)

        // Copy [next, next + n) out of the ring: older samples are dropped, missing ones become zeros.
        ring.discard(upTo: next)
        var filled = 0
        let behind = Int(bitPattern: ring.readPosition &- next)
        if behind > 0 {
            // Already gone (only after a backwards re-lock or slew).
            filled = min(behind, n)
            UnsafeMutableBufferPointer(rebasing: out[0..<filled]).update(repeating: 0)
        }
        let got = ring.readAvailable(into: UnsafeMutableBufferPointer(rebasing: out[filled..<n]))
        if filled + got < n {
            UnsafeMutableBufferPointer(rebasing: out[(filled + got)..<n]).update(repeating: 0)
            counters.lateSamples.wrappingAdd(UInt(n - filled - got), ordering: .relaxed)
        }
        // Samples dropped by a flush before they were played are silence, not far end.
        if anchor.zeroStart != anchor.zeroEnd {
            for i in 0..<n {
                let p = next &+ UInt(i)
                if Int(bitPattern: p &- anchor.zeroStart) >= 0 && Int(bitPattern: anchor.zeroEnd &- p) > 0 {
                    out[i] = 0
                }
            }
        }
        next = next &+ UInt(n)
    }

    /// The median of `values` (sorted in place: insertion sort, no allocation).
    private static func median(_ values: UnsafeMutableBufferPointer<Int>) -> Int {
        for i in 1..<values.count {
            let value = values[i]
            var j = i - 1
            while j >= 0 && values[j] > value {
                values[j + 1] = values[j]
                j -= 1
            }
            values[j + 1] = value
        }
        return values[values.count / 2]
    }
}

/// The aligner's counters.
package final class AlignmentCounters: Sendable {
    package init() {}
    /// Times the aligner locked onto the timeline (start, device reopen, lost reference).
    package let locks = Atomic<UInt>(0)
    /// Small corrections for drift.
    package let slews = Atomic<UInt>(0)
    /// Reference samples that were not there yet when a frame needed them (given as zeros).
    package let lateSamples = Atomic<UInt>(0)
    /// The last difference between the timeline and the aligner's position, in samples.
    package let lastError = Atomic<Int>(0)
}
