// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

/// A point on the monotonic clock, in nanoseconds (`CLOCK_MONOTONIC`, the clock the kernel stamps GPIO
/// edge events with by default).
public struct Timestamp: Sendable, Hashable, Comparable, CustomStringConvertible, BitwiseCopyable {
    /// Nanoseconds since an arbitrary start (boot, for the system clock).
    public var nanoseconds: Int64

    /// A timestamp `nanoseconds` after the clock's origin.
    public init(nanoseconds: Int64) { self.nanoseconds = nanoseconds }

    /// The origin of a manual clock.
    public static let zero = Timestamp(nanoseconds: 0)

    public static func < (lhs: Timestamp, rhs: Timestamp) -> Bool { lhs.nanoseconds < rhs.nanoseconds }

    /// The timestamp `duration` later.
    public static func + (lhs: Timestamp, rhs: Duration) -> Timestamp {
        let (sum, overflow) = lhs.nanoseconds.addingReportingOverflow(rhs.nanosecondsClamped)
        return Timestamp(nanoseconds: overflow ? (rhs > .zero ? .max : .min) : sum)
    }

    /// The timestamp `duration` earlier.
    public static func - (lhs: Timestamp, rhs: Duration) -> Timestamp {
        let (difference, overflow) = lhs.nanoseconds.subtractingReportingOverflow(rhs.nanosecondsClamped)
        return Timestamp(nanoseconds: overflow ? (rhs > .zero ? .min : .max) : difference)
    }

    /// The time from `rhs` to `lhs`.
    public static func - (lhs: Timestamp, rhs: Timestamp) -> Duration {
        let (difference, overflow) = lhs.nanoseconds.subtractingReportingOverflow(rhs.nanoseconds)
        return .nanoseconds(overflow ? (lhs > rhs ? Int64.max : Int64.min) : difference)
    }

    /// Seconds with millisecond precision, as `12.345s`.
    public var description: String {
        let millis = nanoseconds / 1_000_000
        let fraction = String(abs(millis % 1000))
        return "\(millis / 1000).\(String(repeating: "0", count: 3 - fraction.count))\(fraction)s"
    }
}

extension Duration {
    /// This duration in whole nanoseconds (saturating).
    public var nanosecondsClamped: Int64 {
        let (seconds, attoseconds) = components
        let (product, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        if overflow { return seconds < 0 ? .min : .max }
        return product + attoseconds / 1_000_000_000
    }

    /// This duration in whole milliseconds (rounded toward zero).
    public var milliseconds: Int64 { nanosecondsClamped / 1_000_000 }
}
