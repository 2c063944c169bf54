// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

/// The life of one Live session as a value type with no I/O: each event is a `mutating func` that returns
/// what to do. ``LiveSession`` holds it in a `Mutex` and performs the actions.
///
/// ```
/// awaitingSetupComplete ──setupComplete──▶ ready ──close/failure──▶ closed
///          └──────────────failure/timeout──────────────────────────▲
/// ```
struct SessionStateMachine {
    enum Phase: Equatable {
        /// `setup` is sent; only `setupComplete` moves on. Can go to ready or closed.
        case awaitingSetupComplete
        /// Messages flow both ways. Can go to closed.
        case ready
        /// Terminal. `error` is nil for a close this side asked for.
        case closed(error: String?)
    }

    enum SendAction: Equatable {
        case send
        case refuse(String)
    }

    enum ReceiveAction: Equatable {
        /// Hand the message to the caller.
        case deliver
        /// A message of a kind this library does not know (or an empty one): skip it.
        case skip
        /// The first `setupComplete`: the session is ready.
        case becameReady
    }

    private(set) var phase = Phase.awaitingSetupComplete
    /// The newest handle the server marked resumable.
    private(set) var resumptionHandle: String?
    /// The last `goAway` the server sent, if any.
    private(set) var goAway: LiveServerGoAway?
    private(set) var sessionId: String?
    /// Client messages sent after `setup` (the server's `lastConsumedClientMessageIndex` counts these).
    private(set) var clientMessagesSent = 0

    mutating func willSend() -> SendAction {
        switch phase {
        case .ready:
            clientMessagesSent += 1
            return .send
        case .awaitingSetupComplete:
            return .refuse("the session is not ready: wait for setupComplete (connect returns after it)")
        case .closed(let error):
            return .refuse("the session is closed" + (error.map { ": \($0)" } ?? ""))
        }
    }

    mutating func received(_ message: LiveServerMessage) -> ReceiveAction {
        if let update = message.sessionResumptionUpdate, update.resumable == true, let handle = update.newHandle,
            !handle.isEmpty
        {
            resumptionHandle = handle
        }
        if let goAway = message.goAway { self.goAway = goAway }
        if let setup = message.setupComplete, phase == .awaitingSetupComplete {
            phase = .ready
            sessionId = setup.sessionId
            return .becameReady
        }
        return message.isUnknown || (message.setupComplete != nil && messageIsOnlySetupComplete(message)) ? .skip : .deliver
    }

    /// A repeated `setupComplete` carries nothing new.
    private func messageIsOnlySetupComplete(_ message: LiveServerMessage) -> Bool {
        var copy = message
        copy.setupComplete = nil
        return copy.isUnknown
    }

    mutating func closed(error: String?) {
        if case .closed = phase { return }
        phase = .closed(error: error)
    }

    var isClosed: Bool {
        if case .closed = phase { return true }
        return false
    }
}
