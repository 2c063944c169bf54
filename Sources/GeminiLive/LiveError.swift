// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

/// Every failure of a Live session, with what a caller needs to act on it: the WebSocket close code and the
/// server's reason, the HTTP status of a refused upgrade, or the offending message cut to a safe length.
///
/// One type with a ``Kind`` (rather than the SDK's `ClientError`/`ServerError` split): ``isClientError`` and
/// ``isRetryable`` answer what that split was for. Never contains the API key or an access token.
public struct LiveError: Error, Sendable, CustomStringConvertible {
    /// The kind of failure. A struct over a private enum, so kinds can be added without breaking callers.
    public struct Kind: Hashable, Sendable, CustomStringConvertible {
        private enum Value: String, Hashable, Sendable {
            case configuration, unsupported, connectFailed, tls, handshakeRejected, timeout, closedByServer
            case connectionLost, protocolViolation, messageTooBig, backpressure, invalidArgument, sessionClosed
            case cancelled
        }
        private let value: Value

        /// Bad client configuration: no API key, a plain `ws://` endpoint to a remote host, a bad model name.
        public static let configuration = Kind(value: .configuration)
        /// The installed libcurl cannot do WebSocket.
        public static let unsupported = Kind(value: .unsupported)
        /// The server could not be reached (DNS, refused, unreachable).
        public static let connectFailed = Kind(value: .connectFailed)
        /// The server's TLS certificate did not verify.
        public static let tls = Kind(value: .tls)
        /// The server refused the WebSocket upgrade with an HTTP status (``LiveError/httpStatus``).
        public static let handshakeRejected = Kind(value: .handshakeRejected)
        /// Connecting, or waiting for `setupComplete`, took too long.
        public static let timeout = Kind(value: .timeout)
        /// The server closed the WebSocket (``LiveError/closeCode``, ``LiveError/closeReason``), for example
        /// 1007 (invalid argument), 1008 (bad API key, unknown model) or 1011 (internal error).
        public static let closedByServer = Kind(value: .closedByServer)
        /// The connection dropped without a close frame (1006), or keep-alive pings went unanswered.
        public static let connectionLost = Kind(value: .connectionLost)
        /// The server sent something that is not a valid Live API message (bad JSON, bad base64).
        public static let protocolViolation = Kind(value: .protocolViolation)
        /// A server message exceeded the size limit; the connection was closed with 1009.
        public static let messageTooBig = Kind(value: .messageTooBig)
        /// The send queue is full: the network is not keeping up.
        public static let backpressure = Kind(value: .backpressure)
        /// A send call's arguments are not valid (checked before anything goes on the wire).
        public static let invalidArgument = Kind(value: .invalidArgument)
        /// The session was already closed.
        public static let sessionClosed = Kind(value: .sessionClosed)
        /// The waiting task was cancelled.
        public static let cancelled = Kind(value: .cancelled)

        public var description: String { value.rawValue }
    }

    public var kind: Kind
    /// What happened and, where there is one, what to do about it.
    public var message: String
    /// The WebSocket close code (1000-4999) when the connection was closed.
    public var closeCode: Int?
    /// The close reason the server sent (at most 123 bytes, so long server messages arrive cut).
    public var closeReason: String?
    /// The HTTP status when the upgrade was refused.
    public var httpStatus: Int?
    /// For ``Kind/protocolViolation``: the start of the offending message, at most 200 characters.
    public var offendingMessage: String?

    public init(_ kind: Kind, _ message: String, closeCode: Int? = nil, closeReason: String? = nil,
                httpStatus: Int? = nil, offendingMessage: String? = nil) {
        self.kind = kind
        self.message = message
        self.closeCode = closeCode
        self.closeReason = closeReason
        self.httpStatus = httpStatus
        self.offendingMessage = offendingMessage
    }

    public var description: String { message }

    /// The request was wrong and retrying it unchanged will fail again: bad key or model (1008), invalid
    /// argument (1007), an HTTP 4xx on the upgrade, bad configuration or arguments.
    public var isClientError: Bool {
        if let httpStatus { return (400..<500).contains(httpStatus) }
        if let closeCode { return closeCode == 1007 || closeCode == 1008 }
        return kind == .configuration || kind == .invalidArgument || kind == .tls || kind == .unsupported
    }

    /// Worth reconnecting (with backoff): drops, timeouts, server-side errors (1011, 1013, 1001, 1000 after
    /// `goAway`), HTTP 5xx or 429.
    public var isRetryable: Bool {
        if let httpStatus { return httpStatus == 429 || httpStatus >= 500 }
        switch kind {
        case .connectionLost, .timeout, .connectFailed, .messageTooBig: return true
        case .closedByServer: return !isClientError
        default: return false
        }
    }

    /// Cuts untrusted text to a length that is safe to log.
    static func excerpt(_ bytes: [UInt8], limit: Int = 200) -> String {
        let text = String(decoding: bytes.prefix(limit), as: UTF8.self)
        return bytes.count > limit ? text + "… (\(bytes.count) bytes)" : text
    }
}
