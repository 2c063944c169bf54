// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

import CurlWebSocket
@testable import GeminiLive
import Testing

/// `LiveError.init(_: WebSocketError)`: every transport kind has a session kind, and the facts carry over.
@Suite("Transport errors as Live errors")
struct TransportErrorMappingTests {
    @Test("every WebSocketError kind maps to a LiveError kind")
    func complete() {
        for kind in WebSocketError.Kind.allCases {
            #expect(LiveError.kind(for: kind) != nil, "\(kind) is not mapped")
        }
    }

    @Test("protocol violations, bad upgrades and bad options map as the session reports them")
    func newKinds() {
        #expect(LiveError.kind(for: .protocolViolation) == .protocolViolation)
        #expect(LiveError.kind(for: .handshakeInvalid) == .protocolViolation)
        #expect(LiveError.kind(for: .invalidOptions) == .configuration)
        #expect(LiveError.kind(for: .pongTimeout) == .connectionLost)
    }

    @Test("code, reason and status carry over")
    func facts() {
        let closed = LiveError(WebSocketError(.closedByPeer, "bye", closeCode: 1008, closeReason: "API key not valid"))
        #expect(closed.kind == .closedByServer)
        #expect(closed.closeCode == 1008 && closed.closeReason == "API key not valid")
        let refused = LiveError(WebSocketError(.handshakeRejected, "no", httpStatus: 403))
        #expect(refused.httpStatus == 403)
        let violation = LiveError(WebSocketError(.protocolViolation, "bad frame", closeCode: 1002))
        #expect(violation.kind == .protocolViolation && violation.closeCode == 1002)
    }
}
