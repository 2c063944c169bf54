// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

public import Log
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Threads

/// A WebSocket client connection over libcurl's WebSocket API (`CURLOPT_CONNECT_ONLY` 2 with
/// `curl_ws_send`/`curl_ws_recv`).
///
/// One network thread owns the libcurl handle: it polls the socket, reassembles fragmented messages,
/// answers pings and closes, sends keep-alive pings, and finishes every partly sent frame before the next
/// (libcurl refuses anything else, control frames included, so pings are answered here, never by libcurl).
/// It holds against a broken or hostile server: the upgrade is verified (RFC 6455 §4.1), close codes and
/// framing errors are answered with 1002, text that is not UTF-8 with 1007, pings are answered only for
/// the latest one and at a bounded rate, and reads are bounded per wake-up so every wait stays under the
/// keep-alive and close timers. Callers talk to it through two bounded queues:
///
/// - ``send(text:)``/``send(binary:)`` never block; past ``WebSocketOptions/outboundQueueLimit`` they throw
///   ``WebSocketError/Kind/outboundQueueFull`` instead of growing.
/// - ``receive()`` returns whole messages; when ``WebSocketOptions/inboundQueueLimit`` messages wait unread,
///   the thread stops reading the socket, so a slow reader slows the peer through TCP instead of growing.
///
/// The peer closing (any code) or the connection dropping is thrown from ``receive()`` after every message
/// that arrived before it; closing from this side with ``close(code:reason:)`` makes ``receive()`` return `nil`.
public final class WebSocket: Sendable {
    let core: Core

    private init(core: Core) {
        self.core = core
    }

    deinit {
        // Dropping the last reference closes politely in the background.
        core.requestClose(code: 1000, reason: "")
    }

    /// Opens a connection and completes the upgrade. Returns once the server answered 101.
    ///
    /// - Parameter url: `ws://` or `wss://` URL.
    public static func connect(url: String, options: WebSocketOptions = WebSocketOptions(),
                               logger: Logger = .disabled) async throws(WebSocketError) -> WebSocket {
        try CurlRuntime.current.requireWebSocket()
        let lower = url.lowercased()
        guard lower.hasPrefix("ws://") || lower.hasPrefix("wss://") else {
            throw WebSocketError(.invalidURL, "'\(redactedURL(url))' is not a ws:// or wss:// URL")
        }
        let core = try Core(options: options)
        let result: Result<Void, WebSocketError> = await withCheckedContinuation { continuation in
            core.state.withLock { $0.connectWaiter = continuation }
            let loop = ConnectionLoop(core: core, url: url, options: options, logger: logger)
            PlatformThread.detach(name: "livevoiced-ws") { loop.run() }
        }
        try result.get()
        return WebSocket(core: core)
    }

    /// Queues one text message. Throws when the connection is closed or the send queue is full.
    ///
    /// libcurl masks a whole frame into a buffer of its own before the first byte goes out, so until it is
    /// sent a message costs its size twice; keep messages small (the Live API's are a few KiB).
    public func send(text: [UInt8]) throws(WebSocketError) {
        try core.enqueue(Outgoing(bytes: text, flags: FrameFlag.text))
    }

    /// Queues one binary message.
    public func send(binary: [UInt8]) throws(WebSocketError) {
        try core.enqueue(Outgoing(bytes: binary, flags: FrameFlag.binary))
    }

    /// The next whole message; `nil` once this side has closed the connection.
    ///
    /// Only one task may receive at a time. Throws ``WebSocketError`` when the peer closes (with its code
    /// and reason), the connection drops, a message is too big, or the waiting task is cancelled.
    public func receive() async throws(WebSocketError) -> WebSocketMessage? {
        try await core.receive()
    }

    /// Sends CLOSE with `code` and `reason` after any queued messages, waits for the peer's CLOSE (at most
    /// ``WebSocketOptions/closeTimeout``) and releases the connection. Safe to call more than once.
    public func close(code: UInt16 = 1000, reason: String = "") async {
        await core.close(code: code, reason: reason)
    }

    /// Advanced by the network thread on every turn of its loop (it wakes at least once a second): a value
    /// that stops moving means the thread hangs.
    public var heartbeat: UInt64 { UInt64(core.heartbeat.load(ordering: .relaxed)) }

    /// Messages sent, bytes sent and received, pings: for status pages and tests.
    public var statistics: WebSocketStatistics { core.statistics }

    /// CPU time the connection's network thread has used so far (its `CLOCK_THREAD_CPUTIME_ID`); `nil`
    /// once the thread has ended. For the benchmark and for tests that check the thread does not spin.
    public var networkThreadCPUTime: Duration? { core.networkThreadCPUTime }
}

/// Counters kept by a ``WebSocket``.
public struct WebSocketStatistics: Sendable, Equatable {
    public var messagesSent = 0
    public var messagesReceived = 0
    public var bytesSent = 0
    public var bytesReceived = 0
    public var pingsSent = 0
    /// PINGs the peer sent.
    public var pingsReceived = 0
    /// PONGs sent in answer: fewer than ``pingsReceived`` when pings come faster than they can be answered,
    /// since only the latest one is answered (RFC 6455 §5.5.3 allows that).
    public var pongsSent = 0
    /// Times the reader fell behind and the socket was left unread (backpressure).
    public var readPauses = 0
}

/// A message queued for sending (payload and `CURLWS_*` type flag).
struct Outgoing: Sendable {
    var bytes: [UInt8]
    var flags: UInt32
}

/// State shared between the public handle and the network thread. Every mutable field sits behind one
/// `Mutex`; the thread is woken through an eventfd.
final class Core: Sendable {
    enum Phase: Sendable {
        case connecting
        case open
        /// No more traffic; the thread has exited or is about to.
        case finished
    }

    struct State: ~Copyable {
        var phase = Phase.connecting
        var outbound: BoundedQueue<Outgoing>
        var outboundBytes = 0
        var closeRequest: (code: UInt16, reason: String)?
        var inbound: BoundedQueue<WebSocketMessage>
        /// Why the connection ended, when not by a local close; thrown after the inbound queue drains.
        var terminal: WebSocketError?
        var receiver: CheckedContinuation<Result<WebSocketMessage?, WebSocketError>, Never>?
        var receiverCancelled = false
        var connectWaiter: CheckedContinuation<Result<Void, WebSocketError>, Never>?
        var closeWaiters: [CheckedContinuation<Void, Never>] = []
        var statistics = WebSocketStatistics()
        /// The network thread's CPU clock while the thread runs (cleared under the lock before it ends, so a
        /// reader holding the lock never reads the clock of a thread that is gone).
        var threadCPUClock: clockid_t?
    }

    let state: Mutex<State>
    /// See ``WebSocket/heartbeat`` (word-sized, so it wraps on 32-bit boards; only its movement matters).
    let heartbeat = Atomic<UInt>(0)
    /// Wakes the network thread.
    let wakeSignal: EventSignal
    let options: WebSocketOptions

    init(options: WebSocketOptions) throws(WebSocketError) {
        do {
            wakeSignal = try EventSignal()
        } catch {
            throw WebSocketError(.connectFailed, error.description)
        }
        self.options = options
        state = Mutex(State(outbound: BoundedQueue(capacity: max(1, options.outboundQueueLimit)),
                            inbound: BoundedQueue(capacity: max(1, options.inboundQueueLimit))))
    }

    func wake() { wakeSignal.signal() }

    var statistics: WebSocketStatistics { state.withLock { $0.statistics } }

    var networkThreadCPUTime: Duration? {
        state.withLock { state -> Duration? in
            guard let clock = state.threadCPUClock else { return nil }
            var time = timespec()
            guard clock_gettime(clock, &time) == 0 else { return nil }
            return .seconds(time.tv_sec) + .nanoseconds(time.tv_nsec)
        }
    }

    func enqueue(_ message: Outgoing) throws(WebSocketError) {
        let result: WebSocketError? = state.withLock { state in
            if let terminal = state.terminal { return terminal }
            guard case .open = state.phase, state.closeRequest == nil else {
                return WebSocketError(.closed, "the WebSocket is closed")
            }
            if state.outboundBytes + message.bytes.count > options.outboundByteLimit && !state.outbound.isEmpty {
                return WebSocketError(.outboundQueueFull, "send queue full (\(state.outboundBytes) bytes waiting): the connection is not draining")
            }
            guard state.outbound.append(message) else {
                return WebSocketError(.outboundQueueFull, "send queue full (\(state.outbound.count) messages waiting): the connection is not draining")
            }
            state.outboundBytes += message.bytes.count
            return nil
        }
        if let result { throw result }
        wake()
    }

    func receive() async throws(WebSocketError) -> WebSocketMessage? {
        let result: Result<WebSocketMessage?, WebSocketError> = await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let (immediate, wasFull) = state.withLock { state -> (Result<WebSocketMessage?, WebSocketError>?, Bool) in
                    precondition(state.receiver == nil, "WebSocket.receive() called from two tasks at once")
                    let wasFull = state.inbound.isFull
                    if let message = state.inbound.popFirst() { return (.success(message), wasFull) }
                    if let terminal = state.terminal { return (.failure(terminal), false) }
                    if case .finished = state.phase { return (.success(nil), false) }
                    if state.receiverCancelled || Task.isCancelled {
                        state.receiverCancelled = false
                        return (.failure(WebSocketError(.cancelled, "receive was cancelled")), false)
                    }
                    state.receiver = continuation
                    return (nil, false)
                }
                if wasFull { wake() }
                if let immediate { continuation.resume(returning: immediate) }
            }
        } onCancel: {
            let waiting = state.withLock { state in
                let receiver = state.receiver
                state.receiver = nil
                if receiver == nil { state.receiverCancelled = true }
                return receiver
            }
            waiting?.resume(returning: .failure(WebSocketError(.cancelled, "receive was cancelled")))
        }
        state.withLock { $0.receiverCancelled = false }
        return try result.get()
    }

    func requestClose(code: UInt16, reason: String) {
        let shouldWake = state.withLock { state -> Bool in
            guard state.closeRequest == nil else { return false }
            if case .finished = state.phase { return false }
            state.closeRequest = (code, reason)
            return true
        }
        if shouldWake { wake() }
    }

    func close(code: UInt16, reason: String) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let done = state.withLock { state -> Bool in
                if case .finished = state.phase { return true }
                if state.closeRequest == nil { state.closeRequest = (code, reason) }
                state.closeWaiters.append(continuation)
                return false
            }
            if done { continuation.resume() } else { wake() }
        }
    }

    // MARK: Called by the network thread.

    /// Records the calling (network) thread's CPU clock for ``networkThreadCPUTime``.
    func networkThreadStarted() {
        var clock = clockid_t()
        guard pthread_getcpuclockid(pthread_self(), &clock) == 0 else { return }
        state.withLock { $0.threadCPUClock = clock }
    }

    func connectFinished(_ result: Result<Void, WebSocketError>) {
        let waiter = state.withLock { state in
            if case .success = result { state.phase = .open } else { state.phase = .finished }
            let waiter = state.connectWaiter
            state.connectWaiter = nil
            return waiter
        }
        waiter?.resume(returning: result)
    }

    /// Hands a received message to the waiting reader or queues it. Returns false when the queue is now
    /// full and the thread must stop reading the socket.
    func deliver(_ message: WebSocketMessage) -> Bool {
        let (receiver, roomLeft) = state.withLock { state -> (CheckedContinuation<Result<WebSocketMessage?, WebSocketError>, Never>?, Bool) in
            state.statistics.messagesReceived += 1
            if let receiver = state.receiver {
                state.receiver = nil
                return (receiver, true)
            }
            let appended = state.inbound.append(message)
            precondition(appended, "network thread read past a full inbound queue")
            if state.inbound.isFull { state.statistics.readPauses += 1 }
            return (nil, !state.inbound.isFull)
        }
        receiver?.resume(returning: .success(message))
        return roomLeft
    }

    var inboundIsFull: Bool { state.withLock { $0.inbound.isFull } }

    /// The next queued message to send, if any, and whether a local close was requested.
    func takeOutgoing() -> Outgoing? {
        state.withLock { state in
            guard let message = state.outbound.popFirst() else { return nil }
            state.outboundBytes -= message.bytes.count
            return message
        }
    }

    var pendingCloseRequest: (code: UInt16, reason: String)? { state.withLock { $0.closeRequest } }

    func count(sent bytes: Int) {
        state.withLock {
            $0.statistics.messagesSent += 1
            $0.statistics.bytesSent += bytes
        }
    }

    func count(received bytes: Int) { state.withLock { $0.statistics.bytesReceived += bytes } }
    func countPing() { state.withLock { $0.statistics.pingsSent += 1 } }
    func countPingReceived() { state.withLock { $0.statistics.pingsReceived += 1 } }
    func countPongSent() { state.withLock { $0.statistics.pongsSent += 1 } }

    /// The connection is over. `error` is nil for a close this side asked for.
    func finish(error: WebSocketError?) {
        let (receiver, waiters) = state.withLock { state in
            state.phase = .finished
            state.threadCPUClock = nil
            if state.terminal == nil { state.terminal = error }
            state.outbound.removeAll()
            state.outboundBytes = 0
            let receiver = state.receiver
            state.receiver = nil
            let waiters = state.closeWaiters
            state.closeWaiters = []
            return (receiver, waiters)
        }
        if let receiver {
            // The queue was empty (the receiver was waiting), so the terminal state is next in line.
            if let error { receiver.resume(returning: .failure(error)) } else { receiver.resume(returning: .success(nil)) }
        }
        for waiter in waiters { waiter.resume() }
    }
}

