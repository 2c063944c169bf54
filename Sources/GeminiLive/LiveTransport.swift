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
    /// The next whole message (text or binary frame). `nil` once this side closed the connection; throws
    /// when the server closed it or it dropped.
    func receive() async throws(LiveError) -> [UInt8]?
    /// Sends a close frame and waits briefly for the peer's.
    func close(code: Int, reason: String) async
}

/// Where and how to open a connection. `headers` carry credentials: never print them.
public struct LiveTransportRequest: Sendable, CustomStringConvertible {
    public var url: String
    public var headers: [(name: String, value: String)]
    public var caFile: String?
    public var connectTimeout: Duration
    public var maxMessageSize: Int
    public var userAgent: String

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
    func connect(_ request: LiveTransportRequest, logger: Logger) async throws(LiveError) -> any LiveTransport
}
