// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

import CurlWebSocket
public import Log

/// Opens Live API connections over libcurl's WebSocket API (``CurlWebSocket/WebSocket``).
public struct CurlTransportConnector: LiveTransportConnector {
    /// Keep-alive ping interval (the reference client pings every 20 s); nil disables it.
    public var pingInterval: Duration?
    /// Most messages waiting to be sent before sends fail with ``LiveError/Kind/backpressure``.
    public var outboundQueueLimit: Int
    /// Most received messages held for a slow reader before the socket is left unread.
    public var inboundQueueLimit: Int
    /// How long a keep-alive ping may go unanswered before the connection counts as dead.
    public var pongTimeout: Duration
    /// How long a local close waits for the server's CLOSE.
    public var closeTimeout: Duration

    /// A connector with the given keep-alive, queue limits and close wait.
    public init(pingInterval: Duration? = .seconds(20), outboundQueueLimit: Int = 512, inboundQueueLimit: Int = 64,
                pongTimeout: Duration = .seconds(20), closeTimeout: Duration = .seconds(2)) {
        self.pingInterval = pingInterval
        self.outboundQueueLimit = outboundQueueLimit
        self.inboundQueueLimit = inboundQueueLimit
        self.pongTimeout = pongTimeout
        self.closeTimeout = closeTimeout
    }

    /// Opens a connection for `request`.
    public func connect(_ request: LiveTransportRequest, logger: Logger) async throws(LiveError) -> any LiveTransport {
        var options = WebSocketOptions()
        options.headers = request.headers.map { "\($0.name): \($0.value)" }
        options.caFile = request.caFile
        options.connectTimeout = request.connectTimeout
        options.maxMessageSize = request.maxMessageSize
        options.pingInterval = pingInterval
        options.pongTimeout = pongTimeout
        options.closeTimeout = closeTimeout
        options.outboundQueueLimit = outboundQueueLimit
        options.inboundQueueLimit = inboundQueueLimit
        options.userAgent = request.userAgent
        do {
            let socket = try await WebSocket.connect(url: request.url, options: options, logger: logger)
            return CurlTransport(socket: socket)
        } catch {
            throw LiveError(error)
        }
    }
}

/// A ``LiveTransport`` over one ``CurlWebSocket/WebSocket``.
struct CurlTransport: LiveTransport {
    let socket: WebSocket

    /// The network thread's loop count.
    var heartbeat: UInt64? { socket.heartbeat }

    func send(_ message: [UInt8]) throws(LiveError) {
        do { try socket.send(text: message) } catch { throw LiveError(error) }
    }

    func receive() async throws(LiveError) -> [UInt8]? {
        do { return try await socket.receive()?.bytes } catch { throw LiveError(error) }
    }

    func close(code: Int, reason: String) async {
        await socket.close(code: UInt16(clamping: code), reason: reason)
    }
}

extension LiveError {
    /// Maps a transport failure to the session's error kinds, keeping code, reason and status.
    init(_ error: WebSocketError) {
        self.init(Self.kind(for: error.kind) ?? .connectionLost, error.message, closeCode: error.closeCode.map(Int.init),
                  closeReason: error.closeReason, httpStatus: error.httpStatus)
    }

    /// The session's kind for each transport kind; nil only for a kind added to ``WebSocketError/Kind`` and
    /// not mapped here yet (a test checks there is none).
    static func kind(for kind: WebSocketError.Kind) -> Kind? {
        switch kind {
        case .unsupported: .unsupported
        case .invalidURL, .invalidOptions: .configuration
        case .connectFailed: .connectFailed
        case .tlsVerification: .tls
        case .handshakeRejected: .handshakeRejected
        case .handshakeInvalid, .protocolViolation: .protocolViolation
        case .handshakeTimeout: .timeout
        case .closedByPeer: .closedByServer
        case .connectionLost, .pongTimeout: .connectionLost
        case .messageTooBig: .messageTooBig
        case .outboundQueueFull: .backpressure
        case .closed: .sessionClosed
        case .cancelled: .cancelled
        default: nil
        }
    }
}
