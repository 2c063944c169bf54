// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

/// How a ``WebSocket`` connects and the limits it enforces. Every buffer it keeps is bounded by these.
public struct WebSocketOptions: Sendable {
    /// Extra request headers for the upgrade, as `Name: value` lines.
    public var headers: [String] = []
    /// A PEM file of CA certificates to trust instead of the system store (`CURLOPT_CAINFO`).
    /// Certificate verification itself is never turned off.
    public var caFile: String?
    /// Bound for TCP connect, TLS and the HTTP upgrade together.
    public var connectTimeout: Duration = .seconds(10)
    /// Largest incoming message; a bigger one closes the connection with 1009. Default 1 MiB, as the
    /// reference client (Python `websockets`).
    public var maxMessageSize: Int = 1 << 20
    /// Send a PING after this long without a complete incoming frame other than a PING; `nil` disables
    /// keep-alive. Pings do not count (a peer that pings but never reads ours is not alive for us), and
    /// neither does a frame still arriving, so a frame trickled in a byte at a time ends at the pong timeout.
    public var pingInterval: Duration? = .seconds(20)
    /// How long to wait for a complete frame other than a PING (normally the PONG) after a keep-alive ping.
    public var pongTimeout: Duration = .seconds(20)
    /// Most messages waiting to be sent; ``WebSocket/send(text:)`` throws ``WebSocketError/Kind/outboundQueueFull`` beyond.
    public var outboundQueueLimit: Int = 512
    /// Most bytes waiting to be sent (messages are never split to fit).
    public var outboundByteLimit: Int = 8 << 20
    /// Most received messages held for a slow reader; past this the socket is not read (TCP backpressure).
    public var inboundQueueLimit: Int = 64
    /// How long ``WebSocket/close(code:reason:)`` waits for the peer's CLOSE before dropping TCP.
    public var closeTimeout: Duration = .seconds(2)
    /// A `User-Agent` header value.
    public var userAgent: String = "livevoiced"

    public init() {}
}

/// One complete WebSocket message.
public enum WebSocketMessage: Sendable, Equatable {
    case text([UInt8])
    case binary([UInt8])

    /// The payload, whatever the frame type.
    public var bytes: [UInt8] {
        switch self {
        case .text(let bytes), .binary(let bytes): bytes
        }
    }
}
