// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

internal import CSysShims

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// An eventfd: one thread signals, another, blocked in `poll` on ``descriptor``, wakes. Signalling is a
/// single `write` (async-signal-safe, no allocation, no lock), so real-time threads may signal too. The
/// project's one wake-up primitive (the audio engine's frame pump, the GPIO line waits, the WebSocket
/// thread). Closed on deinit.
public final class EventSignal: Sendable {
    /// The file descriptor to poll for `POLLIN`.
    public let descriptor: Int32

    /// Creates the eventfd; throws with the errno when the process is out of descriptors.
    public init() throws(EventSignalError) {
        let fd = csys_eventfd()
        guard fd >= 0 else { throw EventSignalError(errno: -fd) }
        descriptor = fd
    }

    deinit { close(descriptor) }

    /// Wakes the waiter (counts accumulate until drained).
    @inline(__always) public func signal() { _ = csys_eventfd_signal(descriptor) }

    /// Resets the count after a wake-up.
    public func drain() { _ = csys_eventfd_drain(descriptor) }
}

/// An eventfd could not be made.
public struct EventSignalError: Error, Sendable, CustomStringConvertible {
    /// The errno (EMFILE, ENFILE: out of descriptors).
    public var errno: Int32
    public var description: String { "cannot create an eventfd: \(String(cString: strerror(errno)))" }
}

/// The calling thread asks for `SCHED_FIFO` at `priority`; returns 0, or the errno when refused (EPERM
/// without `LimitRTPRIO`/rtprio). For the audio device threads, before their loops.
public func requestRealtimePriority(_ priority: Int) -> Int32 {
    Int32(csys_set_realtime_priority(Int32(priority)))
}
