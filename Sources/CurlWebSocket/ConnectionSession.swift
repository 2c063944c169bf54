// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

import Time
import Log
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// One established connection's frame pump, run by the network thread: it reads what libcurl decoded,
/// answers the peer's PING and CLOSE, sends queued messages (finishing a half-sent frame before anything
/// else, control frames included, since libcurl cannot interleave), and keeps the keep-alive and close
/// timers.
///
/// Every wait is a `poll` bounded by the next timer, and every read is bounded per wake-up, so whatever the
/// peer does (floods, trickles, resets) the timers keep running and the thread does not spin.
struct ConnectionSession {
    /// How the connection ends, once that is decided.
    private enum Ending {
        /// Stop at once (the socket is gone, or the close handshake is over). `nil`: a clean local close.
        case now(WebSocketError?)
        /// Send the queued CLOSE first (behind a half-sent frame, if any), for at most the close timeout.
        case afterFlush(WebSocketError, since: Int64)
    }

    /// Most chunks and bytes read per wake-up, so writes and timers get their turn during a flood.
    static let chunksPerWake = 256
    static let bytesPerWake = 1 << 20

    let core: Core
    let easy: CurlEasy
    let socket: Int32
    let options: WebSocketOptions
    let logger: Logger

    /// The frame being sent and how much of its payload libcurl took: it must be finished first.
    private var sending: (message: Outgoing, sent: Int)?
    /// PONG, keep-alive PING and CLOSE owed to the peer: one of each at most.
    private var controls = ControlFrames()
    /// A close asked for by this side, sent after the data queued before it.
    private var pendingLocalClose: [UInt8]?
    private var assembler: MessageAssembler
    /// When the last complete frame other than a PING arrived. Pings do not count: a peer that floods
    /// pings but never reads ours is not alive for us, and a frame trickling in does not count until whole.
    private var lastActivity = monotonicMilliseconds()
    private var pingSentAt: Int64?
    /// A frame that started arriving and is not complete: bytes received of its total.
    private var partialFrame: (received: Int64, total: Int64)?
    private var localCloseRequestedAt: Int64?
    private var localCloseSent = false
    private var ending: Ending?
    /// The inbound queue is full: the socket is left unread until the reader catches up.
    private var readPaused = false
    /// The last read stopped at its budget, not at `CURLE_AGAIN`: libcurl may hold data poll cannot see.
    private var moreBuffered = false

    init(core: Core, easy: CurlEasy, socket: Int32, options: WebSocketOptions, logger: Logger) {
        self.core = core
        self.easy = easy
        self.socket = socket
        self.options = options
        self.logger = logger
        assembler = MessageAssembler(maxMessageSize: options.maxMessageSize)
    }

    /// Runs until the connection ends; returns nil for a close this side asked for, else the reason.
    mutating func run() -> WebSocketError? {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: ConnectionLoop.receiveChunkSize, alignment: 16)
        defer { buffer.deallocate() }
        while true {
            core.heartbeat.wrappingAdd(1, ordering: .relaxed)
            if readPaused && !core.inboundIsFull {
                readPaused = false
                lastActivity = monotonicMilliseconds()
            }
            if canRead { readAvailable(into: buffer) }
            checkLocalCloseRequest()
            write()
            checkTimers()
            switch ending {
            case .now(let outcome):
                return outcome
            case .afterFlush(let outcome, _) where sending == nil && !controls.hasPending:
                return outcome
            default:
                waitForActivity()
            }
        }
    }

    /// Reading is allowed now: the connection is not ending, the reader keeps up, no ping backlog.
    private var canRead: Bool { ending == nil && !readPaused && !controls.readingBlocked }

    // MARK: Reading

    /// Reads until libcurl has nothing more (`CURLE_AGAIN`), the per-wake-up budget is spent, the inbound
    /// queue fills up, too many pings wait for their pong, or the connection ends.
    private mutating func readAvailable(into buffer: UnsafeMutableRawBufferPointer) {
        moreBuffered = false
        var chunks = 0
        var bytes = 0
        while canRead {
            if chunks >= Self.chunksPerWake || bytes >= Self.bytesPerWake {
                moreBuffered = true
                return
            }
            let chunk = easy.wsRecv(buffer)
            if chunk.code == .again { return }
            guard chunk.code == .ok else {
                failed(chunk.code, whileSending: false)
                return
            }
            chunks += 1
            bytes += chunk.count
            core.count(received: chunk.count)
            let flags = UInt32(bitPattern: chunk.flags)
            if chunk.bytesLeft == 0 {
                partialFrame = nil
                if flags & FrameFlag.ping == 0 {
                    lastActivity = monotonicMilliseconds()
                    pingSentAt = nil
                }
            } else {
                let received = chunk.offset + Int64(chunk.count)
                partialFrame = (received, received + chunk.bytesLeft)
            }
            let event = assembler.feed(UnsafeRawBufferPointer(rebasing: buffer[0..<chunk.count]), flags: flags,
                                       offset: chunk.offset, bytesLeft: chunk.bytesLeft)
            switch event {
            case .none, .pong:
                continue
            case .message(let message):
                if !core.deliver(message) {
                    readPaused = true
                    moreBuffered = true
                    return
                }
            case .ping(let payload):
                core.countPingReceived()
                controls.owePong(for: payload)
                if controls.readingBlocked { moreBuffered = true }
            case .close(let close):
                peerClosed(close)
                return
            case .tooBig(let size):
                let text = "incoming message of \(size) bytes exceeds the limit of \(options.maxMessageSize) bytes; closed with 1009"
                endAfterClose(code: 1009, reason: "message too big", WebSocketError(.messageTooBig, text, closeCode: 1009))
                return
            case .invalidText:
                protocolViolation("a text message that is not valid UTF-8", code: 1007)
                return
            }
        }
    }

    private mutating func peerClosed(_ close: PeerClose) {
        if localCloseSent {
            ending = .now(nil)  // the peer answered our CLOSE
            return
        }
        switch close {
        case .noCode:
            // Echo what came (nothing) and report 1005, "no status received".
            controls.queueClose([])
            ending = .afterFlush(WebSocketError(.closedByPeer, "server closed the connection (no status code)", closeCode: 1005,
                                                closeReason: ""),
                                 since: monotonicMilliseconds())
        case .code(let code, let reason):
            // Echo the peer's code (libcurl does not), then end with its code and reason.
            controls.queueClose(closePayload(code: code, reason: ""))
            let text = "server closed the connection (code \(code))" + (reason.isEmpty ? "" : ": \(printable(reason))")
            ending = .afterFlush(WebSocketError(.closedByPeer, text, closeCode: code, closeReason: reason),
                                 since: monotonicMilliseconds())
        case .invalid(let problem):
            protocolViolation(problem, code: 1002)
        }
    }

    /// The peer broke the protocol: close with `code` (1002, or 1007 for bad UTF-8), as RFC 6455 §7.1.7 asks.
    private mutating func protocolViolation(_ problem: String, code: UInt16) {
        let text = "the server broke the WebSocket protocol: it sent \(problem); closed with \(code)"
        endAfterClose(code: code, reason: code == 1007 ? "invalid UTF-8" : "protocol error",
                      WebSocketError(.protocolViolation, text, closeCode: code))
    }

    private mutating func endAfterClose(code: UInt16, reason: String, _ error: WebSocketError) {
        controls.queueClose(closePayload(code: code, reason: reason))
        ending = .afterFlush(error, since: monotonicMilliseconds())
    }

    /// A libcurl call failed on the open connection.
    private mutating func failed(_ code: CurlCode, whileSending: Bool) {
        let failure = CurlFailure(code: code, detail: easy.lastErrorText, osErrno: easy.osErrno)
        easy.clearErrorText()
        if case .afterFlush(let outcome, _) = ending {
            ending = .now(outcome)
            return
        }
        if localCloseSent {
            ending = .now(nil)  // we sent CLOSE and the peer dropped TCP: close enough
            return
        }
        switch failure.sessionOutcome(whileSending: whileSending) {
        case .framingError(let problem):
            protocolViolation(problem, code: 1002)
        case .lost(let error):
            ending = .now(error)
        }
    }

    // MARK: Writing

    private mutating func checkLocalCloseRequest() {
        guard localCloseRequestedAt == nil, ending == nil, let request = core.pendingCloseRequest else { return }
        localCloseRequestedAt = monotonicMilliseconds()
        pendingLocalClose = closePayload(code: request.code, reason: request.reason)
    }

    /// Sends what it can without blocking: the half-sent frame first, then control frames, then queued
    /// data, then a local CLOSE.
    private mutating func write() {
        if case .now = ending { return }
        while true {
            if sending == nil {
                if let control = controls.next(now: monotonicMilliseconds()) {
                    sending = (control, 0)
                } else if ending == nil, !controls.isClosing, let next = core.takeOutgoing() {
                    sending = (next, 0)
                } else if ending == nil, let close = pendingLocalClose {
                    pendingLocalClose = nil
                    localCloseSent = true
                    controls.queueClose(close)
                    continue
                } else {
                    return
                }
            }
            guard var current = sending else { return }
            let (code, sent) = current.message.bytes.withUnsafeBytes { all in
                easy.wsSend(UnsafeRawBufferPointer(rebasing: all[current.sent...]), flags: current.message.flags)
            }
            if code == .again { return }
            guard code == .ok else {
                failed(code, whileSending: true)
                return
            }
            current.sent += sent
            if current.sent < current.message.bytes.count {
                sending = current
                return
            }
            sending = nil
            let flags = current.message.flags
            if flags & (FrameFlag.text | FrameFlag.binary) != 0 {
                core.count(sent: current.message.bytes.count)
            } else if flags == FrameFlag.pong {
                controls.pongSent(now: monotonicMilliseconds())
                core.countPongSent()
            }
        }
    }

    // MARK: Timers and waiting

    private mutating func checkTimers() {
        let now = monotonicMilliseconds()
        let closeTimeout = options.closeTimeout.milliseconds
        switch ending {
        case .now:
            return
        case .afterFlush(let outcome, let since):
            if now - since >= closeTimeout { ending = .now(outcome) }
            return
        case nil:
            break
        }
        if let requested = localCloseRequestedAt {
            if now - requested >= closeTimeout {
                logger.debug("peer did not answer CLOSE within \(options.closeTimeout); dropping the connection")
                ending = .now(nil)
            }
            return
        }
        guard let interval = options.pingInterval else { return }
        if readPaused {
            lastActivity = now  // nothing is read while paused, so silence proves nothing
            return
        }
        if let pingSentAt {
            if now - pingSentAt >= options.pongTimeout.milliseconds { ending = .now(pongTimeoutError(now: now)) }
        } else if now - lastActivity >= interval.milliseconds {
            controls.queueKeepAlivePing()
            pingSentAt = now
            core.countPing()
            write()
        }
    }

    private func pongTimeoutError(now: Int64) -> WebSocketError {
        let silence = Duration.milliseconds(now - lastActivity)
        let text: String
        if let partialFrame {
            text = "the server sent \(partialFrame.received) bytes of a \(partialFrame.total)-byte frame and then stalled: no "
                + "complete frame for \(silence) and no answer to a keep-alive ping within \(options.pongTimeout); the connection is dead"
        } else {
            text = "no answer to a keep-alive ping within \(options.pongTimeout) (no frame from the server other than pings for "
                + "\(silence)); the connection is dead"
        }
        return WebSocketError(.pongTimeout, text, closeCode: 1006)
    }

    /// Waits in `poll` for the socket (only for what the loop can act on now), a wake-up from the public
    /// side, or the next timer.
    private func waitForActivity() {
        var events = Int16(0)
        if canRead { events |= Int16(POLLIN) }
        if sending != nil { events |= Int16(POLLOUT) }
        // Not even errors are wanted when nothing can be done with the socket: a reset socket reports
        // POLLHUP/POLLERR at once every time, which would spin while the reader is behind.
        let socketFD = events == 0 ? -1 : socket
        let timeout = Int32(clamping: moreBuffered && canRead ? 0 : nextTimeout())
        let wake = core.wakeSignal
        withUnsafeTemporaryAllocation(of: pollfd.self, capacity: 2) { fds in
            fds[0] = pollfd(fd: socketFD, events: events, revents: 0)
            fds[1] = pollfd(fd: wake.descriptor, events: Int16(POLLIN), revents: 0)
            let ready = poll(fds.baseAddress, 2, timeout)
            if ready > 0 && fds[1].revents != 0 { wake.drain() }
        }
    }

    /// Milliseconds until the next timer is due (capped, so a missed wake-up costs little).
    private func nextTimeout() -> Int64 {
        let now = monotonicMilliseconds()
        let closeTimeout = options.closeTimeout.milliseconds
        var due: Int64 = 1000
        if case .afterFlush(_, let since) = ending { due = min(due, since + closeTimeout - now) }
        if let requested = localCloseRequestedAt { due = min(due, requested + closeTimeout - now) }
        if sending == nil, let delay = controls.pongDelay(now: now) { due = min(due, delay) }
        if let interval = options.pingInterval, ending == nil {
            if let pingSentAt {
                due = min(due, pingSentAt + options.pongTimeout.milliseconds - now)
            } else {
                due = min(due, lastActivity + interval.milliseconds - now)
            }
        }
        return max(0, due)
    }
}
