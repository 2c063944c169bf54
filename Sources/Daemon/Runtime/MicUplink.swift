// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

import AudioEngine
import GeminiLive
import Time

/// The microphone side of the runtime: the recent frames (the pre-roll, from the engine's own frames, so
/// a press joins them without gap or duplicate), the frames held while a session connects (bounded), and
/// sending them as `realtimeInput` audio. Frames go out in sequence order, each at most once.
///
/// Used only from the runtime's loop.
final class MicUplink {
    /// How many recent frames are kept (1 s of 20 ms frames).
    let recentCapacity: Int
    /// The most frames held while connecting (older ones are dropped and counted).
    let heldCapacity: Int
    private var recent: [MicFrame] = []
    private var recentStart = 0
    private var held: [MicFrame] = []
    /// The newest frame that was sent or held: nothing at or before it is sent or held again.
    private var lastTaken: UInt64?
    /// Frames sent, and held frames dropped because the hold was too long.
    private(set) var framesSent = 0
    private(set) var heldDropped = 0
    /// Sends that failed (the connection is gone or full); the loop learns of the drop from the session.
    private(set) var sendFailures = 0
    private(set) var lastSendError: LiveError?

    /// Where live frames' capture-to-wire latency goes.
    private let latency: LatencyHistogram?

    init(recentCapacity: Int = 64, heldCapacity: Int = 1500, latency: LatencyHistogram? = nil) {
        self.latency = latency
        self.recentCapacity = max(1, recentCapacity)
        self.heldCapacity = max(1, heldCapacity)
        recent.reserveCapacity(self.recentCapacity)
        held.reserveCapacity(min(self.heldCapacity, 256))
    }

    /// Keeps `frame` among the recent ones (call for every frame, before the controller sees it).
    func remember(_ frame: MicFrame) {
        if recent.count < recentCapacity {
            recent.append(frame)
        } else {
            recent[recentStart] = frame
            recentStart = (recentStart + 1) % recentCapacity
        }
    }

    /// The recent frames, oldest first.
    private var recentInOrder: ArraySlice<MicFrame> {
        if recent.count < recentCapacity || recentStart == 0 { return recent[...] }
        return ArraySlice(recent[recentStart...] + recent[..<recentStart])
    }

    private func isNew(_ frame: MicFrame) -> Bool {
        lastTaken.map { frame.sequence > $0 } ?? true
    }

    /// Starts holding: the recent frames captured at or after `since` (not already taken) are held.
    func hold(since: Timestamp) {
        held.removeAll(keepingCapacity: true)
        for frame in recentInOrder where frame.captureTime >= since && isNew(frame) { appendHeld(frame) }
    }

    /// Holds `frame` too.
    func hold(_ frame: MicFrame) {
        guard isNew(frame) else { return }
        appendHeld(frame)
    }

    private func appendHeld(_ frame: MicFrame) {
        if held.count >= heldCapacity {
            held.removeFirst()
            heldDropped += 1
        }
        held.append(frame)
        lastTaken = frame.sequence
    }

    /// Forgets the held frames.
    func discardHeld() { held.removeAll(keepingCapacity: true) }

    /// How many frames are held.
    var heldCount: Int { held.count }

    /// Sends the held frames, oldest first, and forgets them.
    func sendHeld(on session: LiveSession) {
        for frame in held { transmit(frame, on: session) }
        held.removeAll(keepingCapacity: true)
    }

    /// Sends the recent frames captured at or after `since` that were neither sent nor held. Only the
    /// newest is live (its latency is recorded); the others are the speech's lead, late by design.
    func sendRecent(since: Timestamp, on session: LiveSession) {
        let newest = newestRemembered
        for frame in recentInOrder where frame.captureTime >= since && isNew(frame) {
            if frame.sequence == newest {
                send(frame, on: session)
            } else {
                lastTaken = frame.sequence
                transmit(frame, on: session)
            }
        }
    }

    /// The sequence of the last frame ``remember(_:)`` kept.
    private var newestRemembered: UInt64? {
        guard !recent.isEmpty else { return nil }
        return recent[(recentStart + recent.count - 1) % recent.count].sequence
    }

    /// Sends `frame` (unless it already went), live: its latency is recorded.
    func send(_ frame: MicFrame, on session: LiveSession) {
        guard isNew(frame) else { return }
        lastTaken = frame.sequence
        transmit(frame, on: session)
        if let latency {
            let captured = frame.captureTime + frame.duration
            latency.record(nanoseconds: Int64(SystemMonotonicClock.nanoseconds()) - captured.nanoseconds)
        }
    }

    private func transmit(_ frame: MicFrame, on session: LiveSession) {
        do {
            // The session's own encoder and buffer: nothing is allocated per frame on this side.
            try frame.samples.withUnsafeBytes { try session.sendAudio(pcm: $0) }
            framesSent += 1
        } catch {
            sendFailures += 1
            lastSendError = error as? LiveError
        }
    }
}
