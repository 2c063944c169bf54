// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

/// The WebSocket data frame type.
public enum FrameKind: Sendable, Equatable {
    /// Opcode 1: UTF-8 text.
    case text
    /// Opcode 2: bytes (the real service sends its JSON this way).
    case binary
}

/// One whole message a client sent, as the simulator received it.
public struct ReceivedFrame: Sendable, Equatable {
    /// ``ConnectionRecord/id`` of the connection it arrived on.
    public var connectionID: Int
    /// Position among that connection's received messages, from 0.
    public var index: Int
    /// TEXT or BINARY.
    public var kind: FrameKind
    /// The payload exactly as received.
    public var bytes: [UInt8]
    /// The top-level key exactly as sent (`"client_content"` stays snake_case); `nil` when the payload is not
    /// a JSON object with at least one key.
    public var key: String?
    /// The message type in canonical camelCase (`"clientContent"`), whatever spelling was sent.
    public var messageType: String?
    /// The parsed payload (keys as sent), or `nil` when it is not valid JSON.
    public var json: WireValue?

    /// The payload as text (invalid UTF-8 is replaced).
    public var text: String { String(decoding: bytes, as: UTF8.self) }
}

/// One message the simulator sent.
public struct SentFrame: Sendable, Equatable {
    /// ``ConnectionRecord/id`` of the connection it went out on.
    public var connectionID: Int
    /// TEXT or BINARY.
    public var kind: FrameKind
    /// The payload.
    public var text: String
    /// The top-level key, when the payload is a JSON object.
    public var messageType: String?
}

/// A CLOSE frame: its code (absent in an empty CLOSE) and reason.
public struct CloseRecord: Sendable, Equatable {
    /// The status code, or `nil` when the frame carried none.
    public var code: UInt16?
    /// The reason text.
    public var reason: String

    /// A close record.
    public init(code: UInt16?, reason: String) {
        self.code = code
        self.reason = reason
    }
}

/// One HTTP request header, as received.
public struct HeaderField: Sendable, Equatable {
    /// The header name as sent.
    public var name: String
    /// The header value.
    public var value: String
}

/// Everything the simulator saw and did on one connection (one HTTP request, upgraded or not).
public struct ConnectionRecord: Sendable, Equatable {
    /// 1 for the first request the simulator received, then 2, 3, …
    public var id: Int
    /// The request path without the query, e.g. `/ws/google.ai.generativelanguage.v1beta.GenerativeService.BidiGenerateContent`.
    public var path: String
    /// The raw query string without `?`, if any.
    public var query: String?
    /// The request headers, in order.
    public var headers: [HeaderField]
    /// True when the WebSocket upgrade was accepted (101).
    public var upgraded: Bool
    /// The HTTP status answered instead of an upgrade (404 for an unknown path, or a refusal fault).
    public var httpStatus: Int?
    /// The `setup` message's content, keys normalised to camelCase; `nil` until setup arrived.
    public var setup: WireValue?
    /// The `sessionId` this connection's session has (also when `setupComplete` does not carry it).
    public var sessionID: String?
    /// The resumption handle the client's setup carried, when it resumed a session.
    public var resumedHandle: String?
    /// Names of the functions declared in `setup.tools[].functionDeclarations` (replaced by a
    /// `contextUpdate` that sends tools).
    public var functionDeclarations: [String] = []
    /// Every `contextUpdate` the client sent, keys normalised to camelCase, in order.
    public var contextUpdates: [WireValue] = []
    /// The system instruction in force: from setup, then from the latest `contextUpdate` that set one.
    public var systemInstruction: WireValue?
    /// Every message the client sent, in order.
    public var received: [ReceivedFrame] = []
    /// Every data message the simulator sent, in order.
    public var sent: [SentFrame] = []
    /// Resumption handles the simulator issued on this connection, in order.
    public var issuedHandles: [String] = []
    /// The CLOSE the client sent, if any.
    public var clientClose: CloseRecord?
    /// The CLOSE the simulator sent, if any.
    public var serverClose: CloseRecord?
    /// True when the simulator dropped TCP without a CLOSE (the ``SimulatorFault/dropMidReply`` fault or
    /// ``LiveSimulator/dropConnection()``).
    public var droppedByServer = false
    /// False once the TCP connection has ended.
    public var isOpen = true

    /// The first value of header `name` (case-insensitive).
    public func header(_ name: String) -> String? {
        let lower = name.lowercased()
        return headers.first { $0.name.lowercased() == lower }?.value
    }

    /// The first value of query parameter `name` (percent-decoded), e.g. `queryItem("key")`.
    public func queryItem(_ name: String) -> String? {
        guard let query else { return nil }
        for pair in query.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            if percentDecoded(String(parts[0])) == name {
                return parts.count > 1 ? percentDecoded(String(parts[1])) : ""
            }
        }
        return nil
    }

    /// The received messages of canonical type `messageType` (e.g. `"realtimeInput"`).
    public func received(_ messageType: String) -> [ReceivedFrame] {
        received.filter { $0.messageType == messageType }
    }
}

/// Decodes `%XX` escapes and `+` (as a space, form style). Malformed escapes stay as they are.
func percentDecoded(_ text: String) -> String {
    var bytes: [UInt8] = []
    let input = Array(text.utf8)
    var index = 0
    while index < input.count {
        let byte = input[index]
        if byte == UInt8(ascii: "%"), index + 2 < input.count,
            let high = hexValue(input[index + 1]), let low = hexValue(input[index + 2])
        {
            bytes.append(high << 4 | low)
            index += 3
        } else {
            bytes.append(byte == UInt8(ascii: "+") ? UInt8(ascii: " ") : byte)
            index += 1
        }
    }
    return String(decoding: bytes, as: UTF8.self)
}

private func hexValue(_ byte: UInt8) -> UInt8? {
    switch byte {
    case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
    case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
    case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
    default: nil
    }
}
