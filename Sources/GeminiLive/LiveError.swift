// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

import Log

/// Every failure of a Live session, with what a caller needs to act on it: the WebSocket close code and the
/// server's reason, the HTTP status of a refused upgrade, an in-band error object's code and status, or the
/// offending message cut to a safe length.
///
/// One type with a ``Kind`` (rather than the SDK's `ClientError`/`ServerError` split): ``isClientError``,
/// ``isRetryable``, ``isAuthenticationFailure`` and ``isQuotaExhausted`` answer what that split was for, and
/// what a reconnect loop needs (see ``LiveErrorClassification``). Never contains the API key or an access token.
public struct LiveError: Error, Sendable, CustomStringConvertible {
    /// The kind of failure. A struct over a private enum, so kinds can be added without breaking callers.
    public struct Kind: Hashable, Sendable, CustomStringConvertible {
        private enum Value: String, Hashable, Sendable {
            case configuration, unsupported, connectFailed, tls, handshakeRejected, timeout, closedByServer
            case connectionLost, protocolViolation, messageTooBig, backpressure, invalidArgument, sessionClosed
            case cancelled, serverError
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
        /// The server sent an error object in band (`{"error": {"code": 429, "message": …, "status": …}}`)
        /// instead of a message; its code is in ``LiveError/httpStatus``, its status in ``LiveError/serverStatus``.
        public static let serverError = Kind(value: .serverError)

        /// The kind's name (`closedByServer`).
        public var description: String { value.rawValue }
    }

    /// What went wrong, as a category.
    public var kind: Kind
    /// What happened and, where there is one, what to do about it: one line, with the control characters of
    /// any text from outside (a close reason, a server message) escaped when the error was made.
    public var message: String
    /// The WebSocket close code (1000-4999) when the connection was closed.
    public var closeCode: Int?
    /// The close reason the server sent (at most 123 bytes, so long server messages arrive cut), as sent:
    /// escape it (``Swift/String/escapingControlCharacters(keepingLineBreaks:)``) before printing it.
    public var closeReason: String?
    /// The HTTP status when the upgrade was refused, or the `code` of an in-band error object (HTTP-style: 429).
    public var httpStatus: Int?
    /// The `status` of an in-band error object (`RESOURCE_EXHAUSTED`, `UNAUTHENTICATED`), as sent.
    public var serverStatus: String?
    /// For ``Kind/protocolViolation`` and ``Kind/serverError``: the start of the offending message, at most
    /// 200 bytes, control characters escaped.
    public var offendingMessage: String?

    /// An error of `kind`; the other fields as far as they are known.
    public init(_ kind: Kind, _ message: String, closeCode: Int? = nil, closeReason: String? = nil,
                httpStatus: Int? = nil, offendingMessage: String? = nil, serverStatus: String? = nil) {
        self.kind = kind
        self.message = message.escapingControlCharacters()
        self.closeCode = closeCode
        self.closeReason = closeReason
        self.httpStatus = httpStatus
        self.offendingMessage = offendingMessage
        self.serverStatus = serverStatus
    }

    /// ``message``.
    public var description: String { message }

    /// The request was wrong and retrying it unchanged will fail again: bad key or model (1008), invalid
    /// argument (1007), an HTTP 4xx on the upgrade or in an error object, bad configuration or arguments.
    public var isClientError: Bool {
        if let httpStatus { return (400..<500).contains(httpStatus) }
        if let closeCode { return closeCode == 1007 || closeCode == 1008 }
        return kind == .configuration || kind == .invalidArgument || kind == .tls || kind == .unsupported
    }

    /// Worth reconnecting (with backoff): drops, timeouts, server-side errors (1011, 1013, 1001, 1000 after
    /// `goAway`), HTTP 5xx or 429, but never an authentication failure or exhausted quota, which would
    /// only retry into the same wall. See ``LiveErrorClassification``.
    public var isRetryable: Bool { LiveErrorClassification.isRetryable(self) }

    /// The API key or token was refused: invalid, expired, or without permission (1008 or 1007 with such a
    /// reason, HTTP 401/403, `UNAUTHENTICATED`/`PERMISSION_DENIED`). Needs a new key, not a retry.
    public var isAuthenticationFailure: Bool { LiveErrorClassification.isAuthenticationFailure(self) }

    /// The project's quota, billing or prepaid credits are used up (1011, 1008 or HTTP 429 whose reason
    /// says so, `RESOURCE_EXHAUSTED`). Needs the user's action or a long wait, not a retry storm.
    public var isQuotaExhausted: Bool { LiveErrorClassification.isQuotaExhausted(self) }

    /// All the text the server gave about this error, lowercased, for matching.
    var serverText: String {
        [closeReason, serverStatus, kind == .serverError ? message : nil].compactMap { $0 }.joined(separator: " ").lowercased()
    }

    /// Cuts untrusted bytes to a length that is safe to log, with control characters escaped.
    static func excerpt(_ bytes: [UInt8], limit: Int = 200) -> String {
        let text = String(decoding: bytes.prefix(limit), as: UTF8.self).escapingControlCharacters()
        return bytes.count > limit ? text + "… (\(bytes.count) bytes)" : text
    }
}
