// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Where time comes from for debouncing, LED patterns and action limits: the system's monotonic clock in
/// the daemon, a ``ManualClock`` in tests so timing is exact.
public protocol MonotonicClock: Sendable {
    /// The current time.
    func now() -> Timestamp
    /// Suspends until `deadline` (at once if it has passed). Throws `CancellationError` when cancelled.
    func sleep(until deadline: Timestamp) async throws
}

/// The system's `CLOCK_MONOTONIC`: the same clock as the kernel's GPIO event timestamps.
public struct SystemMonotonicClock: MonotonicClock {
    /// The system clock.
    public init() {}

    /// `CLOCK_MONOTONIC` in nanoseconds: the cheap read for hot paths (no allocation, no lock).
    @inline(__always) public static func nanoseconds() -> UInt64 {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return UInt64(time.tv_sec) &* 1_000_000_000 &+ UInt64(time.tv_nsec)
    }

    public func now() -> Timestamp {
        Timestamp(nanoseconds: Int64(Self.nanoseconds()))
    }

    public func sleep(until deadline: Timestamp) async throws {
        let remaining = (deadline - now()).nanosecondsClamped
        if remaining > 0 {
            try await Task.sleep(nanoseconds: UInt64(remaining))
        } else {
            try Task.checkCancellation()
        }
    }
}
