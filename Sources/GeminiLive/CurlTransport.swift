// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

public import CurlWebSocket
public import Log

/// Opens Live API connections over libcurl's WebSocket API (``CurlWebSocket/WebSocket``).
public struct CurlTransportConnector: LiveTransportConnector {
    /// Keep-alive ping interval (the reference client pings every 20 s); nil disables it.
    public var pingInterval: Duration?
    /// Most messages waiting to be sent before sends fail with ``LiveError/Kind/backpressure``.
    public var outboundQueueLimit: Int
    /// Most received messages held for a slow reader before the socket is left unread.
    public var inboundQueueLimit: Int

    /// A value with the given fields.
    public init(pingInterval: Duration? = .seconds(20), outboundQueueLimit: Int = 512, inboundQueueLimit: Int = 64) {
        self.pingInterval = pingInterval
        self.outboundQueueLimit = outboundQueueLimit
        self.inboundQueueLimit = inboundQueueLimit
    }

    /// Opens a connection for `request`.
    public func connect(_ request: LiveTransportRequest, logger: Logger) async throws(LiveError) -> any LiveTransport {
        var options = WebSocketOptions()
        options.headers = request.headers.map { "\($0.name): \($0.value)" }
        options.caFile = request.caFile
        options.connectTimeout = request.connectTimeout
        options.maxMessageSize = request.maxMessageSize
        options.pingInterval = pingInterval
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
    public init(_ error: WebSocketError) {
        let kind: Kind
        switch error.kind {
        case .unsupported: kind = .unsupported
        case .invalidURL: kind = .configuration
        case .connectFailed: kind = .connectFailed
        case .tlsVerification: kind = .tls
        case .handshakeRejected: kind = .handshakeRejected
        case .handshakeTimeout: kind = .timeout
        case .closedByPeer: kind = .closedByServer
        case .connectionLost, .pongTimeout: kind = .connectionLost
        case .messageTooBig: kind = .messageTooBig
        case .outboundQueueFull: kind = .backpressure
        case .closed: kind = .sessionClosed
        case .cancelled: kind = .cancelled
        default: kind = .connectionLost
        }
        self.init(kind, error.message, closeCode: error.closeCode.map(Int.init), closeReason: error.closeReason,
                  httpStatus: error.httpStatus)
    }
}
