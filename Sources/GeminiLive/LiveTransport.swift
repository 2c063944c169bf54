// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

public import Log

/// The bytes under a ``LiveSession``: one WebSocket carrying one JSON object per message.
///
/// ``CurlTransportConnector`` is the real one (libcurl); ``InMemoryTransport`` lets session logic be tested,
/// and tried, without a network.
public protocol LiveTransport: Sendable {
    /// Queues one message (a text frame). Never blocks; throws ``LiveError/Kind/backpressure`` when the
    /// queue is full and ``LiveError/Kind/sessionClosed`` after a close.
    func send(_ message: [UInt8]) throws(LiveError)
    /// Queues a copy of `bytes` (the caller reuses its buffer). The default copies into an array and calls
    /// ``send(_:)``; a transport with pooled buffers can copy into those and allocate nothing.
    func send(copying bytes: UnsafeRawBufferPointer) throws(LiveError)
    /// The next whole message (text or binary frame). `nil` once this side closed the connection; throws
    /// when the server closed it or it dropped.
    func receive() async throws(LiveError) -> [UInt8]?
    /// Sends a close frame and waits briefly for the peer's.
    func close(code: Int, reason: String) async
    /// A count the transport's own thread advances while it works (at least once a second), for a
    /// watchdog; nil when it has no thread of its own.
    var heartbeat: UInt64? { get }
}

extension LiveTransport {
    /// No thread of its own.
    public var heartbeat: UInt64? { nil }

    /// Copies into a new array and queues it.
    public func send(copying bytes: UnsafeRawBufferPointer) throws(LiveError) {
        try send(Array(bytes))
    }
}

/// Where and how to open a connection. `headers` carry credentials: never print them.
public struct LiveTransportRequest: Sendable, CustomStringConvertible {
    /// The WebSocket URL.
    public var url: String
    /// Request headers, credentials included.
    public var headers: [(name: String, value: String)]
    /// PEM CA file to trust instead of the system store.
    public var caFile: String?
    /// Limit for TCP, TLS and the upgrade.
    public var connectTimeout: Duration
    /// Largest incoming message.
    public var maxMessageSize: Int
    /// The `User-Agent`.
    public var userAgent: String

    /// A request.
    public init(url: String, headers: [(name: String, value: String)], caFile: String? = nil,
                connectTimeout: Duration = .seconds(10), maxMessageSize: Int = 1 << 20,
                userAgent: String = "livevoiced") {
        self.url = url
        self.headers = headers
        self.caFile = caFile
        self.connectTimeout = connectTimeout
        self.maxMessageSize = maxMessageSize
        self.userAgent = userAgent
    }

    /// The URL and header names only: values may be secrets.
    public var description: String {
        "\(url) [headers: \(headers.map(\.name).joined(separator: ", "))]"
    }
}

/// Opens transports.
public protocol LiveTransportConnector: Sendable {
    /// Opens a connection for `request`.
    func connect(_ request: LiveTransportRequest, logger: Logger) async throws(LiveError) -> any LiveTransport
}
