// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

/// The server's answer to the upgrade request, collected line by line from libcurl's header callback
/// (bounded), and the checks RFC 6455 §4.1 says a client must make before it uses the connection.
///
/// libcurl 8.14 only checks the status (101); it leaves `Sec-WebSocket-Accept`, `Upgrade`, `Connection`,
/// `Sec-WebSocket-Extensions` and `Sec-WebSocket-Protocol` to the application (lib/ws.c has the RFC's
/// words as comments where the checks would be). A pure value type, so every rule is tested without a
/// network.
struct UpgradeResponse {
    /// Most bytes of response headers kept. A real upgrade answer is well under 2 KiB; libcurl's own limit
    /// (300 KiB) is far above what this needs to hold.
    static let byteLimit = 32 << 10
    /// Most header lines kept.
    static let fieldLimit = 200

    /// The last status line (`HTTP/1.1 101 Switching Protocols`), without its line end.
    private(set) var statusLine: String?
    /// The header fields of the last response, names lowercased, values trimmed, in order.
    private(set) var fields: [(name: String, value: String)] = []
    /// True once the headers went over ``byteLimit`` or ``fieldLimit`` (the transfer is then aborted).
    private(set) var overflowed = false
    private var byteCount = 0

    /// Takes one header line as libcurl hands it over (line end included). Returns false when the headers
    /// are over the limits, which makes the callback abort the transfer.
    mutating func take(line: UnsafeRawBufferPointer) -> Bool {
        byteCount += line.count
        guard byteCount <= Self.byteLimit, fields.count < Self.fieldLimit else {
            overflowed = true
            return false
        }
        var text = String(decoding: line, as: UTF8.self)
        while let last = text.last, last.isNewline { text.removeLast() }
        if text.hasPrefix("HTTP/") {
            // A new response (after a 1xx, or a proxy's CONNECT answer): only the last one counts.
            statusLine = text
            fields.removeAll()
        } else if text.isEmpty {
            return true
        } else if let first = text.first, first == " " || first == "\t", !fields.isEmpty {
            fields[fields.count - 1].value += " " + trimmed(text)  // obsolete line folding (RFC 9112 §5.2)
        } else if let colon = text.firstIndex(of: ":") {
            fields.append((text[..<colon].lowercased(), trimmed(String(text[text.index(after: colon)...]))))
        }
        return true
    }

    /// Every value of header `name` (lowercase), in order.
    func values(_ name: String) -> [String] {
        fields.filter { $0.name == name }.map(\.value)
    }

    /// The comma-separated tokens of every `name` header, lowercased.
    func tokens(_ name: String) -> [String] {
        values(name).flatMap { $0.split(separator: ",") }.map { trimmed(String($0)).lowercased() }.filter { !$0.isEmpty }
    }

    /// Throws ``WebSocketError/Kind/handshakeInvalid`` naming the first rule of RFC 6455 §4.1 the response
    /// breaks. `requestedProtocols` are the subprotocols the request offered (usually none).
    func verify(key: HandshakeKey, requestedProtocols: [String], server: String) throws(WebSocketError) {
        func fail(_ problem: String) -> WebSocketError {
            WebSocketError(.handshakeInvalid,
                           "\(server) answered the WebSocket upgrade with 101 but \(problem) (RFC 6455 §4.1), so the "
                            + "connection was dropped: it is not a WebSocket server, or a proxy in between rewrote the answer")
        }
        let upgrade = tokens("upgrade")
        guard !upgrade.isEmpty, upgrade.allSatisfy({ $0 == "websocket" }) else {
            throw fail(upgrade.isEmpty ? "without an 'Upgrade: websocket' header"
                       : "with 'Upgrade: \(printable(values("upgrade").joined(separator: ", ")))' instead of 'Upgrade: websocket'")
        }
        guard tokens("connection").contains("upgrade") else {
            throw fail("without 'upgrade' in its Connection header (it must say 'Connection: Upgrade')")
        }
        let accepts = values("sec-websocket-accept")
        guard accepts.count == 1, let accept = accepts.first else {
            throw fail(accepts.isEmpty ? "without a Sec-WebSocket-Accept header" : "with \(accepts.count) Sec-WebSocket-Accept headers")
        }
        guard accept == key.expectedAccept else {
            throw fail("with a wrong Sec-WebSocket-Accept ('\(printable(accept, limit: 64))' does not match the key sent)")
        }
        let extensions = tokens("sec-websocket-extensions")
        guard extensions.isEmpty else {
            throw fail("with 'Sec-WebSocket-Extensions: \(printable(values("sec-websocket-extensions").joined(separator: ", ")))', "
                       + "an extension the client did not ask for")
        }
        let protocols = tokens("sec-websocket-protocol")
        let offered = requestedProtocols.map { $0.lowercased() }
        guard protocols.isEmpty || (protocols.count == 1 && offered.contains(protocols[0])) else {
            throw fail("with 'Sec-WebSocket-Protocol: \(printable(values("sec-websocket-protocol").joined(separator: ", ")))', "
                       + (offered.isEmpty ? "a subprotocol the client did not ask for" : "not one of the subprotocols offered"))
        }
        if let length = values("content-length").first, length != "0" {
            throw fail("declaring a body (Content-Length: \(printable(length, limit: 32))); a 101 response has none")
        }
        guard values("transfer-encoding").isEmpty else {
            throw fail("declaring a body (Transfer-Encoding); a 101 response has none")
        }
    }
}

private func trimmed(_ text: String) -> String { text.trimmingSpaces }
