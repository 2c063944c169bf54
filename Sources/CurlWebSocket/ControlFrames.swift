// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

/// The control frames this side owes the peer, at most one of each kind, so nothing the peer sends can make
/// them grow: the PONG for the latest PING only (RFC 6455 §5.5.3 allows answering just the most recent one),
/// one keep-alive PING, one CLOSE. Once the CLOSE is handed out nothing else is.
///
/// It also paces the answers to a ping flood: pongs go out at most every ``pongSpacing`` milliseconds, and
/// once ``backlogLimit`` pings wait for one, ``readingBlocked`` tells the loop to stop reading until that
/// pong is sent. A flood then costs a few hundred frames a second, and a peer that floods without reading
/// is held back by TCP instead of being served at full speed.
struct ControlFrames {
    /// Least time between two pongs, in milliseconds.
    static let pongSpacing: Int64 = 50
    /// Pings taken in since the last pong before reading stops.
    static let backlogLimit = 32

    /// The payload of the latest ping not answered yet.
    private var pong: [UInt8]?
    /// Pings taken in since the last pong went out.
    private(set) var pingsWaiting = 0
    private var lastPongAt: Int64?
    private var keepAlivePingDue = false
    private var close: [UInt8]?
    /// True once the CLOSE has been handed out: after it, nothing more goes out.
    private(set) var closeHandedOut = false

    /// A PING arrived: answer it (and forget any earlier one not answered yet).
    mutating func owePong(for payload: [UInt8]) {
        pingsWaiting += 1
        if close == nil && !closeHandedOut { pong = payload }
    }

    /// Asks for a keep-alive PING.
    mutating func queueKeepAlivePing() {
        if close == nil && !closeHandedOut { keepAlivePingDue = true }
    }

    /// Queues the CLOSE (the first one asked for wins). The connection is ending, so a pong or keep-alive
    /// ping still owed is dropped.
    mutating func queueClose(_ payload: [UInt8]) {
        guard close == nil, !closeHandedOut else { return }
        close = payload
        pong = nil
        keepAlivePingDue = false
    }

    /// True when a CLOSE is queued or was handed out.
    var isClosing: Bool { close != nil || closeHandedOut }

    /// Too many pings wait for an answer: stop reading until the pong is out.
    var readingBlocked: Bool { pingsWaiting >= Self.backlogLimit }

    /// True while something is still to be handed out (now or once the pong spacing allows).
    var hasPending: Bool { pong != nil || keepAlivePingDue || close != nil }

    /// Milliseconds until the owed pong may go, when the spacing holds it back; nil when nothing waits.
    func pongDelay(now: Int64) -> Int64? {
        guard pong != nil else { return nil }
        guard let lastPongAt else { return 0 }
        return max(0, lastPongAt + Self.pongSpacing - now)
    }

    /// The next control frame to start sending, if one is due.
    mutating func next(now: Int64) -> Outgoing? {
        if let payload = pong, pongDelay(now: now) == 0 {
            pong = nil
            return Outgoing(bytes: payload, flags: FrameFlag.pong)
        }
        if keepAlivePingDue {
            keepAlivePingDue = false
            return Outgoing(bytes: Self.keepAlivePayload, flags: FrameFlag.ping)
        }
        if let payload = close {
            close = nil
            closeHandedOut = true
            return Outgoing(bytes: payload, flags: FrameFlag.close)
        }
        return nil
    }

    /// A pong went out completely.
    mutating func pongSent(now: Int64) {
        lastPongAt = now
        pingsWaiting = 0
    }

    private static let keepAlivePayload = Array("livevoiced".utf8)
}
