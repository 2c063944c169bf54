// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

@testable import GeminiLive

/// Server frames as a session receives them: each NUL-separated part of the input is one WebSocket text
/// frame, decoded by the code `LiveSession` runs on every frame and handed to a session's state machine in
/// order; a decoded message is also read the way callers read it and encoded again.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzServerMessage(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let input = UnsafeBufferPointer(start: data, count: size)
    var machine = SessionStateMachine()
    for frame in input.split(separator: 0, omittingEmptySubsequences: false) {
        let message: LiveServerMessage
        do {
            message = try LiveSession.decode(Array(frame))
        } catch {
            _ = error.description  // the excerpt of the offending frame is part of every error
            machine.closed(error: error.message)
            return 0
        }
        _ = machine.received(message)
        _ = message.text
        _ = message.data?.count
        _ = message.goAway?.timeLeftDuration
        _ = message.isUnknown
        _ = try? message.jsonBytes()
    }
    return 0
}
