// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

extension LiveServerMessage {
    /// Decodes one server message from its JSON bytes, as ``LiveSession`` does for every frame.
    /// Throws ``LiveError/Kind/protocolViolation`` (with a cut excerpt) for anything that is not one.
    public init(json: [UInt8]) throws(LiveError) {
        self = try LiveSession.decode(json)
    }

    /// The canonical JSON bytes of this message.
    public func jsonBytes() throws -> [UInt8] { try WireCoding.encode(self) }
}

extension LiveClientMessage {
    /// The canonical camelCase JSON bytes of this message, exactly as a session sends it.
    public func jsonBytes() throws -> [UInt8] { try WireCoding.encode(self) }

    /// Decodes a client message (for peers and tests).
    public init(json: [UInt8]) throws {
        self = try WireCoding.decode(LiveClientMessage.self, from: json)
    }
}
