// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

/// Everything that can go wrong on a WebSocket, with the facts a caller needs to act on it.
public struct WebSocketError: Error, Sendable, CustomStringConvertible {
    /// What kind of failure this is. A struct over a private enum, so kinds can be added later.
    public struct Kind: Hashable, Sendable, CaseIterable, CustomStringConvertible {
        private enum Value: Hashable, Sendable, CaseIterable {
            case unsupported, invalidURL, invalidOptions, connectFailed, tlsVerification, handshakeRejected
            case handshakeInvalid, handshakeTimeout, closedByPeer, connectionLost, protocolViolation, messageTooBig
            case outboundQueueFull, pongTimeout, closed, cancelled
        }
        private let value: Value

        /// libcurl lacks ws/wss support.
        public static let unsupported = Kind(value: .unsupported)
        /// The URL is malformed or not allowed (plain ws:// to a remote host).
        public static let invalidURL = Kind(value: .invalidURL)
        /// The options ask for something the upgrade cannot do (a request header that would override the
        /// WebSocket handshake, an extension libcurl cannot negotiate).
        public static let invalidOptions = Kind(value: .invalidOptions)
        /// TCP or TLS could not be established (DNS, refused, reset or closed before the upgrade finished).
        public static let connectFailed = Kind(value: .connectFailed)
        /// The server's certificate did not verify against the trusted CAs.
        public static let tlsVerification = Kind(value: .tlsVerification)
        /// The server answered the upgrade request with an HTTP status other than 101.
        public static let handshakeRejected = Kind(value: .handshakeRejected)
        /// The server answered 101 but the upgrade breaks RFC 6455 §4.1 (wrong or missing
        /// `Sec-WebSocket-Accept`, no `Upgrade: websocket` or `Connection: Upgrade`, an extension or
        /// subprotocol nobody asked for, a body), or its answer is not HTTP at all. The connection was dropped.
        public static let handshakeInvalid = Kind(value: .handshakeInvalid)
        /// The connection or upgrade took longer than the connect timeout.
        public static let handshakeTimeout = Kind(value: .handshakeTimeout)
        /// The peer sent a CLOSE frame (see ``WebSocketError/closeCode`` and ``WebSocketError/closeReason``).
        public static let closedByPeer = Kind(value: .closedByPeer)
        /// TCP dropped without a CLOSE frame (1006 in WebSocket terms).
        public static let connectionLost = Kind(value: .connectionLost)
        /// The peer broke RFC 6455 after the upgrade (a framing error, an invalid close code or payload, a
        /// text message that is not UTF-8); the connection was closed with 1002 (1007 for bad UTF-8).
        public static let protocolViolation = Kind(value: .protocolViolation)
        /// An incoming message exceeded the maximum size; the connection was closed with 1009.
        public static let messageTooBig = Kind(value: .messageTooBig)
        /// The bounded send queue is full: the peer is not reading fast enough.
        public static let outboundQueueFull = Kind(value: .outboundQueueFull)
        /// The peer did not answer a keep-alive ping in time.
        public static let pongTimeout = Kind(value: .pongTimeout)
        /// The socket was already closed by this side.
        public static let closed = Kind(value: .closed)
        /// The waiting task was cancelled.
        public static let cancelled = Kind(value: .cancelled)

        /// Every kind there is (for exhaustive mappings and their tests).
        public static var allCases: [Kind] { Value.allCases.map { Kind(value: $0) } }

        public var description: String { "\(value)" }
    }

    public var kind: Kind
    /// Human-readable explanation, naming the fix where there is one. Never contains credentials.
    public var message: String
    /// The WebSocket close code: the peer's for ``Kind/closedByPeer``; the one this side sent for
    /// ``Kind/protocolViolation`` (1002, 1007) and ``Kind/messageTooBig`` (1009); 1006 for a dropped connection.
    public var closeCode: UInt16?
    /// The close reason text the peer sent (at most 123 bytes by RFC 6455).
    public var closeReason: String?
    /// The HTTP status of a refused upgrade.
    public var httpStatus: Int?
    /// The libcurl code behind the failure, when there is one.
    public var curlCode: CurlCode?

    public init(_ kind: Kind, _ message: String, closeCode: UInt16? = nil, closeReason: String? = nil,
                httpStatus: Int? = nil, curlCode: CurlCode? = nil) {
        self.kind = kind
        self.message = message
        self.closeCode = closeCode
        self.closeReason = closeReason
        self.httpStatus = httpStatus
        self.curlCode = curlCode
    }

    public var description: String { message }
}
