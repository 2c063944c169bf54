// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

import Synchronization

/// Latencies in fixed buckets of 50 µs up to 500 ms (and one overflow bucket): recording allocates
/// nothing, so it can sit on the per-frame path; percentiles are read at any time.
public final class LatencyHistogram: Sendable {
    /// The width of a bucket, in nanoseconds.
    public static let bucketNanoseconds: Int64 = 50_000
    private static let bucketCount = 10_001
    private let counts: Mutex<[Int]>

    public init() {
        counts = Mutex([Int](repeating: 0, count: Self.bucketCount))
    }

    /// Records one latency (negative ones count as zero).
    public func record(nanoseconds: Int64) {
        let bucket = Int(min(max(0, nanoseconds) / Self.bucketNanoseconds, Int64(Self.bucketCount - 1)))
        counts.withLock { $0[bucket] += 1 }
    }

    /// How many were recorded.
    public var count: Int { counts.withLock { $0.reduce(0, +) } }

    /// The latency below which `fraction` (0...1) of the recorded ones fall, in milliseconds (the upper
    /// edge of its bucket); nil when nothing was recorded.
    public func percentile(_ fraction: Double) -> Double? {
        counts.withLock { counts -> Double? in
            let total = counts.reduce(0, +)
            guard total > 0 else { return nil }
            let rank = max(1, Int((Double(total) * min(max(fraction, 0), 1)).rounded(.up)))
            var seen = 0
            for (bucket, count) in counts.enumerated() {
                seen += count
                if seen >= rank { return Double(Int64(bucket + 1) * Self.bucketNanoseconds) / 1_000_000 }
            }
            return nil
        }
    }

    /// Forgets everything recorded.
    public func reset() {
        counts.withLock { for index in $0.indices { $0[index] = 0 } }
    }
}
