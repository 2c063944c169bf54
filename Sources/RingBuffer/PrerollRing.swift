// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

import Synchronization

/// The last N milliseconds of processed microphone audio, so that a conversation can start with the
/// syllable spoken just before the button press.
///
/// One non-real-time thread appends every processed frame (the audio engine's frame pump); any thread may
/// take a snapshot. It is an ``OverwritingRing`` behind a `Mutex`, so it must never be touched from a
/// real-time thread (they would wait on the lock).
///
/// - **Full:** the oldest samples are overwritten (that is the point), counted in
///   ``Statistics/overwrittenSamples``.
/// - **Empty:** a snapshot is shorter than asked for, or empty.
public final class PrerollRing: Sendable {
    /// The sample rate the ring was sized for.
    public let sampleRate: Int
    /// How many milliseconds of audio it keeps.
    public let milliseconds: Int
    private let ring: Mutex<OverwritingRing<Int16>>

    /// Creates a ring that keeps the last `milliseconds` (default 500) of mono audio at `sampleRate`.
    public init(milliseconds: Int = 500, sampleRate: Int = 16000) {
        precondition(milliseconds > 0 && sampleRate > 0, "pre-roll needs a positive duration and sample rate")
        self.sampleRate = sampleRate
        self.milliseconds = milliseconds
        ring = Mutex(OverwritingRing(capacity: max(1, milliseconds * sampleRate / 1000)))
    }

    /// The most samples the ring keeps.
    public var capacity: Int { ring.withLock { $0.capacity } }

    /// Appends samples (oldest first), overwriting the oldest ones when full.
    public func append(_ samples: UnsafeBufferPointer<Int16>) {
        ring.withLock { $0.append(contentsOf: samples) }
    }

    /// Appends samples (oldest first), overwriting the oldest ones when full.
    public func append(_ samples: [Int16]) {
        samples.withUnsafeBufferPointer { append($0) }
    }

    /// The latest samples, oldest first: all of them, or only the last `milliseconds` when given.
    public func snapshot(milliseconds: Int? = nil) -> [Int16] {
        ring.withLock { ring -> [Int16] in
            let wanted = milliseconds.map { max(0, $0) * sampleRate / 1000 } ?? ring.capacity
            let n = min(wanted, ring.count)
            return [Int16](unsafeUninitializedCapacity: n) { buffer, initialized in
                initialized = ring.copyLatest(into: buffer)
            }
        }
    }

    /// Forgets everything (for example after the pre-roll was sent).
    public func removeAll() {
        ring.withLock { $0.removeAll() }
    }

    /// Fill level and overwrite count.
    public struct Statistics: Sendable, Equatable {
        /// Samples held now.
        public var count: Int
        /// The most samples the ring keeps.
        public var capacity: Int
        /// Old samples overwritten by newer ones since creation.
        public var overwrittenSamples: Int
    }

    /// A snapshot of the fill level and counters.
    public var statistics: Statistics {
        ring.withLock { Statistics(count: $0.count, capacity: $0.capacity, overwrittenSamples: $0.overwrittenElements) }
    }
}
