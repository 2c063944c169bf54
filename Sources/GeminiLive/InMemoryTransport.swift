// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

public import Log
import Synchronization

/// A transport with no network: what the client sends is recorded, and what the "server" says is pushed in
/// by the test (or by a scripted peer). For tests of session logic, in the spirit of NIOEmbedded.
public final class InMemoryTransport: LiveTransport, LiveTransportConnector {
    private struct State {
        var sent: [[UInt8]] = []
        var inbox: [Result<[UInt8], LiveError>] = []
        var waiter: CheckedContinuation<Result<[UInt8]?, LiveError>, Never>?
        var closedLocally: (code: Int, reason: String)?
        var requests: [LiveTransportRequest] = []
        var onSend: (@Sendable ([UInt8]) -> Void)?
    }

    private let state = Mutex(State())

    /// An empty value.
    public init() {}

    /// Called with each message the client sends (e.g. to answer `setup` with `setupComplete`).
    public func onSend(_ handler: @escaping @Sendable ([UInt8]) -> Void) {
        state.withLock { $0.onSend = handler }
    }

    /// Everything the client sent, in order.
    public var sentMessages: [[UInt8]] { state.withLock { $0.sent } }
    /// The sent messages as strings.
    public var sentTexts: [String] { sentMessages.map { String(decoding: $0, as: UTF8.self) } }
    /// The requests `connect` was called with.
    public var requests: [LiveTransportRequest] { state.withLock { $0.requests } }
    /// The code and reason of the client's close, once it closed.
    public var localClose: (code: Int, reason: String)? { state.withLock { $0.closedLocally } }

    /// Delivers a server message to the client.
    public func push(_ text: String) { push(.success(Array(text.utf8))) }

    /// Ends the connection from the "server" side with an error (a close code, a drop).
    public func fail(_ error: LiveError) { push(.failure(error)) }

    private func push(_ item: Result<[UInt8], LiveError>) {
        let waiter = state.withLock { state -> CheckedContinuation<Result<[UInt8]?, LiveError>, Never>? in
            if let waiter = state.waiter {
                state.waiter = nil
                return waiter
            }
            state.inbox.append(item)
            return nil
        }
        waiter?.resume(returning: item.map { Optional($0) })
    }

    /// Opens a connection for `request`.
    public func connect(_ request: LiveTransportRequest, logger: Logger) async throws(LiveError) -> any LiveTransport {
        state.withLock { $0.requests.append(request) }
        return self
    }

    /// Records the message (and calls the ``onSend(_:)`` handler).
    public func send(_ message: [UInt8]) throws(LiveError) {
        let handler = try state.withLock { state throws(LiveError) in
            if state.closedLocally != nil { throw LiveError(.sessionClosed, "the connection is closed") }
            state.sent.append(message)
            return state.onSend
        }
        handler?(message)
    }

    /// The next pushed message; nil after a local close.
    public func receive() async throws(LiveError) -> [UInt8]? {
        let result: Result<[UInt8]?, LiveError> = await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let immediate: Result<[UInt8]?, LiveError>? = state.withLock { state in
                    if !state.inbox.isEmpty { return state.inbox.removeFirst().map { Optional($0) } }
                    if state.closedLocally != nil { return .success(nil) }
                    if Task.isCancelled { return .failure(LiveError(.cancelled, "receive was cancelled")) }
                    state.waiter = continuation
                    return nil
                }
                if let immediate { continuation.resume(returning: immediate) }
            }
        } onCancel: {
            let waiter = state.withLock { state -> CheckedContinuation<Result<[UInt8]?, LiveError>, Never>? in
                let waiter = state.waiter
                state.waiter = nil
                return waiter
            }
            waiter?.resume(returning: .failure(LiveError(.cancelled, "receive was cancelled")))
        }
        return try result.get()
    }

    /// Records the close and ends a waiting ``receive()``.
    public func close(code: Int, reason: String) async {
        let waiter = state.withLock { state in
            state.closedLocally = (code, reason)
            let waiter = state.waiter
            state.waiter = nil
            return waiter
        }
        waiter?.resume(returning: .success(nil))
    }
}
