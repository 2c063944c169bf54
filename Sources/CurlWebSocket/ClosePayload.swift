// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

/// A CLOSE frame's payload as the peer sent it, checked against RFC 6455 §5.5.1 and §7.4: either nothing,
/// or a valid status code and a UTF-8 reason. Anything else is a protocol error, answered with 1002.
enum PeerClose: Equatable {
    /// An empty payload: no status code (reported as 1005, which is never sent on the wire).
    case noCode
    /// A valid code and its reason.
    case code(UInt16, reason: String)
    /// Not a valid close payload; the text says why.
    case invalid(String)

    init(payload: [UInt8]) {
        guard !payload.isEmpty else {
            self = .noCode
            return
        }
        guard payload.count >= 2 else {
            self = .invalid("a CLOSE frame with a 1 byte payload (a status code takes 2)")
            return
        }
        let code = UInt16(payload[0]) << 8 | UInt16(payload[1])
        guard isValidCloseCode(code) else {
            self = .invalid("a CLOSE frame with status code \(code), which " + closeCodeProblem(code))
            return
        }
        guard isValidUTF8(payload[2...]) else {
            self = .invalid("a CLOSE frame whose reason is not valid UTF-8")
            return
        }
        self = .code(code, reason: String(decoding: payload[2...], as: UTF8.self))
    }
}

/// Whether `code` may appear in a CLOSE frame (RFC 6455 §7.4.1, §7.4.2 and the IANA registry): 1000-1003,
/// 1007-1014, 3000-4999 (registered and private use). 1004 is reserved; 1005, 1006 and 1015 are only for
/// reporting and never go on the wire; 1016-2999 are reserved for the protocol; below 1000 and 5000 up are
/// not used.
func isValidCloseCode(_ code: UInt16) -> Bool {
    switch code {
    case 1000...1003, 1007...1014, 3000...4999: true
    default: false
    }
}

private func closeCodeProblem(_ code: UInt16) -> String {
    switch code {
    case 1005, 1006, 1015: "is reserved for reporting and must never be sent (RFC 6455 §7.4.1)"
    case 1004, 1016...2999: "is reserved (RFC 6455 §7.4.2)"
    default: "is outside the ranges RFC 6455 §7.4.2 allows (1000-2999 for the protocol, 3000-4999 registered and private)"
    }
}

/// The payload of a CLOSE frame this side sends: the code in network byte order, then the reason cut to
/// 123 bytes at a character boundary (a control frame carries at most 125 bytes, and the reason must stay
/// valid UTF-8).
func closePayload(code: UInt16, reason: String) -> [UInt8] {
    var payload = [UInt8(code >> 8), UInt8(code & 0xff)]
    for scalar in reason.unicodeScalars {
        guard payload.count + UTF8.width(scalar) <= 125 else { break }
        payload.append(contentsOf: String(scalar).utf8)
    }
    return payload
}
