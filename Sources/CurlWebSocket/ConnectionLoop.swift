// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

internal import CCurl
internal import CSysShims
import Log
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The network thread's body: connect, then move frames between libcurl and the ``Core`` queues until
/// the connection ends. Everything here runs on that one thread; the libcurl handle never leaves it.
struct ConnectionLoop: Sendable {
    let core: Core
    let url: String
    let options: WebSocketOptions
    let logger: Logger

    /// Size of the buffer handed to `curl_ws_recv`; a frame arrives in pieces no larger than this.
    static let receiveChunkSize = 64 << 10

    func run() {
        let easy: CurlEasy
        do {
            easy = try connect()
        } catch {
            core.connectFinished(.failure(error))
            return
        }
        guard let socket = easy.activeSocket else {
            core.connectFinished(.failure(WebSocketError(.connectFailed, "no socket after the WebSocket upgrade")))
            return
        }
        core.connectFinished(.success(()))
        logger.debug("connected to \(redactedURL(url))")
        var session = Session(core: core, easy: easy, socket: socket, options: options, logger: logger)
        let error = session.run()
        if let error {
            logger.debug("connection ended: \(error.message)")
        } else {
            logger.debug("connection closed")
        }
        core.finish(error: error)
    }

    private func connect() throws(WebSocketError) -> CurlEasy {
        let easy = try CurlEasy()
        let timeout = max(1, Int(options.connectTimeout.milliseconds))
        try easy.set(CURLOPT_URL, url)
        try easy.set(CURLOPT_CONNECT_ONLY, 2)  // 2: stop after the WebSocket upgrade
        try easy.set(CURLOPT_PROTOCOLS_STR, "ws,wss")
        try easy.set(CURLOPT_NOSIGNAL, 1)
        try easy.set(CURLOPT_CONNECTTIMEOUT_MS, timeout)
        try easy.set(CURLOPT_TIMEOUT_MS, timeout)  // bounds the handshake only, not the session
        try easy.set(CURLOPT_SSL_VERIFYPEER, 1)
        try easy.set(CURLOPT_SSL_VERIFYHOST, 2)
        try easy.set(CURLOPT_USERAGENT, options.userAgent)
        if let caFile = options.caFile { try easy.set(CURLOPT_CAINFO, caFile) }
        if !options.headers.isEmpty { try easy.setHeaders(options.headers) }

        let code = easy.perform()
        guard code != .ok else { return easy }
        let status = easy.responseCode
        let detail = easy.lastErrorText.isEmpty ? code.description : "\(easy.lastErrorText) (curl \(code.rawValue))"
        let where_ = redactedURL(url)
        switch code {
        case .peerFailedVerification, .caCertBadFile:
            throw WebSocketError(
                .tlsVerification,
                "TLS certificate of \(where_) did not verify: \(detail). Pass the server's CA with --ca-file if it uses a private CA; verification is never disabled.",
                curlCode: code)
        case .timedOut:
            throw WebSocketError(.handshakeTimeout, "connecting to \(where_) timed out after \(options.connectTimeout): \(detail)", curlCode: code)
        case .unsupportedProtocol:
            throw WebSocketError(.unsupported, "libcurl refused \(where_): \(detail)", curlCode: code)
        default:
            if status != 0 && status != 101 {
                throw WebSocketError(.handshakeRejected, "server refused the WebSocket upgrade at \(where_) with HTTP \(status)",
                                     httpStatus: status, curlCode: code)
            }
            throw WebSocketError(.connectFailed, "cannot connect to \(where_): \(detail)", curlCode: code)
        }
    }
}

/// One established connection's frame pump.
private struct Session {
    /// How the connection ends, once that is decided.
    private enum Ending {
        /// Stop at once (the socket is gone, or the close handshake is over). `nil`: a clean local close.
        case now(WebSocketError?)
        /// Send the queued control frames (the CLOSE reply) first, for at most the close timeout.
        case afterFlush(WebSocketError, since: Int64)
    }

    let core: Core
    let easy: CurlEasy
    let socket: Int32
    let options: WebSocketOptions
    let logger: Logger

    /// The frame being sent and how much of it libcurl already took: it must be finished first.
    private var sending: (message: Outgoing, sent: Int)?
    /// Control frames (PONG, CLOSE) to send as soon as no data frame is half sent.
    private var controls: [Outgoing] = []
    /// A close asked for by this side, sent after the data queued before it.
    private var pendingLocalClose: [UInt8]?
    private var assembler: MessageAssembler
    private var lastReceive = monotonicMilliseconds()
    private var pingSentAt: Int64?
    private var localCloseRequestedAt: Int64?
    private var localCloseSent = false
    private var ending: Ending?
    private var readPaused = false

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
            if readPaused && !core.inboundIsFull {
                readPaused = false
                lastReceive = monotonicMilliseconds()
            }
            if !readPaused && ending == nil { readAvailable(into: buffer) }
            checkLocalCloseRequest()
            write()
            checkTimers()
            switch ending {
            case .now(let outcome):
                return outcome
            case .afterFlush(let outcome, _) where sending == nil && controls.isEmpty:
                return outcome
            default:
                waitForActivity()
            }
        }
    }

    // MARK: Reading

    /// Reads until libcurl has nothing more (`CURLE_AGAIN`), the inbound queue fills up, or the
    /// connection ends.
    private mutating func readAvailable(into buffer: UnsafeMutableRawBufferPointer) {
        while ending == nil {
            let chunk = easy.wsRecv(buffer)
            if chunk.code == .again { return }
            guard chunk.code == .ok else {
                if localCloseSent {
                    ending = .now(nil)  // we sent CLOSE and the peer dropped TCP: close enough
                } else {
                    ending = .now(WebSocketError(.connectionLost, "connection lost: \(chunk.code)",
                                                 closeCode: 1006, curlCode: chunk.code))
                }
                return
            }
            lastReceive = monotonicMilliseconds()
            pingSentAt = nil
            core.count(received: chunk.count)
            let event = assembler.feed(UnsafeRawBufferPointer(rebasing: buffer[0..<chunk.count]),
                                       flags: UInt32(bitPattern: chunk.flags), offset: chunk.offset,
                                       bytesLeft: chunk.bytesLeft)
            switch event {
            case .none, .pong:
                continue
            case .message(let message):
                if !core.deliver(message) {
                    readPaused = true
                    return
                }
            case .ping(let payload):
                controls.append(Outgoing(bytes: payload, flags: FrameFlag.pong))
            case .close(let code, let reason):
                if localCloseSent {
                    ending = .now(nil)  // the peer answered our CLOSE
                    return
                }
                // Echo the peer's close (libcurl does not), then end with its code and reason.
                controls.append(Outgoing(bytes: closePayload(code: code ?? 1000, reason: ""), flags: FrameFlag.close))
                let codeText = code.map(String.init) ?? "none"
                let text = "server closed the connection (code \(codeText))" + (reason.isEmpty ? "" : ": \(reason)")
                ending = .afterFlush(WebSocketError(.closedByPeer, text, closeCode: code ?? 1005, closeReason: reason),
                                     since: monotonicMilliseconds())
            case .tooBig(let size):
                controls.append(Outgoing(bytes: closePayload(code: 1009, reason: "message too big"), flags: FrameFlag.close))
                let text = "incoming message of \(size) bytes exceeds the limit of \(options.maxMessageSize) bytes; closed with 1009"
                ending = .afterFlush(WebSocketError(.messageTooBig, text, closeCode: 1009), since: monotonicMilliseconds())
            }
        }
    }

    // MARK: Writing

    private mutating func checkLocalCloseRequest() {
        guard localCloseRequestedAt == nil, ending == nil, let request = core.pendingCloseRequest else { return }
        localCloseRequestedAt = monotonicMilliseconds()
        pendingLocalClose = closePayload(code: request.code, reason: request.reason)
    }

    /// Sends what it can without blocking: the half-sent frame first, then controls, then queued data,
    /// then a local CLOSE.
    private mutating func write() {
        if case .now = ending { return }
        while true {
            if sending == nil {
                if !controls.isEmpty {
                    sending = (controls.removeFirst(), 0)
                } else if ending == nil, let next = core.takeOutgoing() {
                    sending = (next, 0)
                } else if ending == nil, let close = pendingLocalClose {
                    pendingLocalClose = nil
                    localCloseSent = true
                    sending = (Outgoing(bytes: close, flags: FrameFlag.close), 0)
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
                switch ending {
                case .afterFlush(let outcome, _): ending = .now(outcome)
                default:
                    ending = .now(localCloseSent ? nil : WebSocketError(
                        .connectionLost, "connection lost while sending: \(code)", closeCode: 1006, curlCode: code))
                }
                return
            }
            current.sent += sent
            if current.sent < current.message.bytes.count {
                sending = current
                return
            }
            sending = nil
            if current.message.flags & (FrameFlag.text | FrameFlag.binary) != 0 {
                core.count(sent: current.message.bytes.count)
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
            lastReceive = now  // nothing is read while paused, so silence proves nothing
            return
        }
        if let pingSentAt {
            if now - pingSentAt >= options.pongTimeout.milliseconds {
                ending = .now(WebSocketError(.pongTimeout, "no answer to a keep-alive ping within \(options.pongTimeout); the connection is dead",
                                             closeCode: 1006))
            }
        } else if now - lastReceive >= interval.milliseconds {
            controls.append(Outgoing(bytes: Array("livevoiced".utf8), flags: FrameFlag.ping))
            pingSentAt = now
            core.countPing()
            write()
        }
    }

    private func waitForActivity() {
        var events = Int16(0)
        if !readPaused { events |= Int16(POLLIN) }
        if sending != nil { events |= Int16(POLLOUT) }
        var fds = [pollfd(fd: socket, events: events, revents: 0), pollfd(fd: core.wakeFD, events: Int16(POLLIN), revents: 0)]
        let ready = poll(&fds, nfds_t(fds.count), Int32(nextTimeout()))
        if ready > 0 && fds[1].revents != 0 { _ = csys_eventfd_drain(core.wakeFD) }
    }

    /// Milliseconds until the next timer is due (capped, so a missed wake-up costs little).
    private func nextTimeout() -> Int64 {
        let now = monotonicMilliseconds()
        let closeTimeout = options.closeTimeout.milliseconds
        var due: Int64 = 1000
        if case .afterFlush(_, let since) = ending { due = min(due, since + closeTimeout - now) }
        if let requested = localCloseRequestedAt { due = min(due, requested + closeTimeout - now) }
        if let interval = options.pingInterval, ending == nil {
            if let pingSentAt {
                due = min(due, pingSentAt + options.pongTimeout.milliseconds - now)
            } else {
                due = min(due, lastReceive + interval.milliseconds - now)
            }
        }
        return max(0, due)
    }
}

/// A CLOSE frame's payload: the code in network byte order, then the reason cut to 123 bytes.
func closePayload(code: UInt16, reason: String) -> [UInt8] {
    var payload = [UInt8(code >> 8), UInt8(code & 0xff)]
    payload.append(contentsOf: reason.utf8.prefix(123))
    return payload
}
