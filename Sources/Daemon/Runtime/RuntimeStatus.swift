// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

public import Conversation
public import GeminiLive
import Synchronization
public import Time

/// What the running daemon is doing, readable from any thread: for systemd's `STATUS=`, the watchdog
/// (the conversation loop's heartbeat) and `livevoiced status`. The loop writes it; others read.
public final class RuntimeStatus: Sendable {
    private struct State {
        var state: ConversationState = .idle
        var light: StatusLight = .off
        var counters = RuntimeCounters()
        var heartbeats: UInt64 = 0
        var session: LiveSession?
    }

    private let storage = Mutex(State())
    /// When the daemon started.
    public let startedAt: Timestamp
    /// From the end of a microphone frame's capture to its message being queued for the wire, for every
    /// frame sent live (held and pre-roll frames are not counted: they wait on purpose).
    public let frameToWire = LatencyHistogram()

    public init(startedAt: Timestamp) {
        self.startedAt = startedAt
    }

    /// The conversation's state.
    public var state: ConversationState { storage.withLock { $0.state } }
    /// What the LED shows.
    public var light: StatusLight { storage.withLock { $0.light } }
    /// The counters.
    public var counters: RuntimeCounters { storage.withLock { $0.counters } }
    /// Bumped by the conversation loop about once a second while it runs: stops when it hangs.
    public var heartbeats: UInt64 { storage.withLock { $0.heartbeats } }

    func update(_ body: (inout RuntimeCounters) -> Void) { storage.withLock { body(&$0.counters) } }
    func set(state: ConversationState) { storage.withLock { $0.state = state } }
    func set(light: StatusLight) { storage.withLock { $0.light = light } }
    func beat() { storage.withLock { $0.heartbeats &+= 1 } }

    /// The open Live session, if any (the watchdog follows its network thread).
    public var session: LiveSession? { storage.withLock { $0.session } }
    func set(session: LiveSession?) { storage.withLock { $0.session = session } }
}
