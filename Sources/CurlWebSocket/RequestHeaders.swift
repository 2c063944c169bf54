// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

/// The caller's extra upgrade-request headers, checked before anything is sent: a header that would
/// override the handshake itself (the key, the version, `Upgrade`, `Connection`) is refused, and so is an
/// extension offer, which libcurl cannot negotiate. Subprotocol offers are allowed and kept, because the
/// server's answer is checked against them.
struct RequestHeaders {
    /// The header lines, as given.
    let lines: [String]
    /// The subprotocols offered with `Sec-WebSocket-Protocol`, in order.
    let offeredProtocols: [String]

    private static let reserved = ["sec-websocket-key", "sec-websocket-version", "sec-websocket-accept", "upgrade", "connection"]

    init(_ lines: [String]) throws(WebSocketError) {
        var offered: [String] = []
        for (index, line) in lines.enumerated() {
            guard let colon = line.firstIndex(of: ":") else {
                // The line itself is not shown: it may hold a credential.
                throw WebSocketError(.invalidOptions, "request header \(index + 1) of \(lines.count) has no ':' (write 'Name: value')")
            }
            let name = line[..<colon].trimmingSpaces.lowercased()
            let value = line[line.index(after: colon)...].trimmingSpaces
            if Self.reserved.contains(name) {
                throw WebSocketError(.invalidOptions,
                                     "request header '\(name)' is part of the WebSocket handshake, which the client makes itself: remove it")
            }
            if name == "sec-websocket-extensions" {
                throw WebSocketError(.invalidOptions,
                                     "request header 'sec-websocket-extensions': libcurl cannot negotiate WebSocket extensions (such as permessage-deflate): remove it")
            }
            if name == "sec-websocket-protocol" {
                offered += value.split(separator: ",").map { $0.trimmingSpaces }.filter { !$0.isEmpty }
            }
        }
        self.lines = lines
        offeredProtocols = offered
    }
}
