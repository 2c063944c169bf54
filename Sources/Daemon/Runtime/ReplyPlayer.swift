// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

import AudioEngine
import Synchronization

/// The reply's way to the speaker: a small jitter buffer (playback starts once ``jitterSamples`` are
/// there, or the reply is complete), a bounded queue in front of the engine's playback sink, and one
/// writer task that waits for room in the sink as the speaker plays.
///
/// Backpressure, never growth: when the queue holds ``limitSamples``, ``waitForRoom()`` makes the network
/// receive loop wait, so the WebSocket stops reading and TCP slows the server. A ``flush()`` (barge-in)
/// empties the queue and starts a new sink generation, so the rest of a chunk being written is dropped
/// too and the speaker goes quiet within a device period.
final class ReplyPlayer: Sendable {
    private struct State {
        var queue: [[Int16]] = []
        var queuedSamples = 0
        var primed = false
        /// The reply's last audio is queued: once the queue runs dry, the next reply buffers afresh.
        var replyFinished = false
        var generation: UInt = 0
        /// A chunk is being written to the sink.
        var writing = false
        var stopped = false
        var writer: CheckedContinuation<Void, Never>?
        var roomWaiters: [CheckedContinuation<Void, Never>] = []
        /// The sink's written position after the last completed write.
        var writtenPosition: UInt = 0
        var samplesPlayed = 0
    }

    let sink: PlaybackSink
    /// Reply audio gathered before playback starts (24 kHz samples).
    let jitterSamples: Int
    /// The most samples queued before the network waits.
    let limitSamples: Int
    private let state: Mutex<State>

    init(sink: PlaybackSink, jitterMilliseconds: Int, limitMilliseconds: Int = 3000) {
        self.sink = sink
        jitterSamples = max(0, jitterMilliseconds) * sink.sampleRate / 1000
        limitSamples = max(1, limitMilliseconds) * sink.sampleRate / 1000
        var initial = State()
        initial.generation = sink.generation
        initial.writtenPosition = sink.writtenPosition
        state = Mutex(initial)
    }

    /// Queues one chunk of 24 kHz reply audio (the loop calls this; it never blocks).
    func enqueue(_ samples: [Int16]) {
        guard !samples.isEmpty else { return }
        let writer = state.withLock { state -> CheckedContinuation<Void, Never>? in
            guard !state.stopped else { return nil }
            if state.replyFinished && state.queue.isEmpty && !state.writing {
                state.replyFinished = false
                state.primed = false
            }
            state.queue.append(samples)
            state.queuedSamples += samples.count
            if !state.primed && state.queuedSamples >= jitterSamples { state.primed = true }
            return state.primed ? takeWriter(&state) : nil
        }
        writer?.resume()
    }

    /// No more audio comes for this reply: play what the jitter buffer holds.
    func finishReply() {
        let writer = state.withLock { state -> CheckedContinuation<Void, Never>? in
            if !state.queue.isEmpty { state.primed = true }
            state.replyFinished = true
            return state.primed ? takeWriter(&state) : nil
        }
        writer?.resume()
    }

    /// Barge-in: drop everything queued and what the speaker holds, now.
    func flush() {
        let generation = sink.flush()
        let waiters = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.queue.removeAll()
            state.queuedSamples = 0
            state.primed = false
            state.replyFinished = false
            state.generation = generation
            defer { state.roomWaiters = [] }
            return state.roomWaiters
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Waits while the queue is full (the network receive loop's backpressure).
    func waitForRoom() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let now = state.withLock { state -> Bool in
                if state.queuedSamples < limitSamples || state.stopped { return true }
                state.roomWaiters.append(continuation)
                return false
            }
            if now { continuation.resume() }
        }
    }

    /// Whether everything given so far has been handed to the sink and the sink's written position is
    /// `position` (so a drained report at `position` means all of it was heard).
    func hasWrittenEverything(upTo position: UInt) -> Bool {
        state.withLock { $0.queue.isEmpty && !$0.writing && $0.writtenPosition == position }
    }

    /// Samples handed to the speaker so far.
    var samplesPlayed: Int { state.withLock { $0.samplesPlayed } }

    /// The writer task's body: runs until ``stop()``.
    func run() async {
        // One buffer for the chunk being written (an async write cannot borrow the array's storage).
        var scratch = UnsafeMutableBufferPointer<Int16>.allocate(capacity: 4800)
        defer { scratch.deallocate() }
        while true {
            guard let (chunk, generation) = await nextChunk() else { return }
            if chunk.count > scratch.count {
                scratch.deallocate()
                scratch = .allocate(capacity: chunk.count)
            }
            _ = scratch.initialize(from: chunk)
            let complete = await sink.write(all: UnsafeBufferPointer(rebasing: scratch[0..<chunk.count]), generation: generation)
            let waiters = state.withLock { state -> [CheckedContinuation<Void, Never>] in
                state.writing = false
                state.writtenPosition = sink.writtenPosition
                if complete { state.samplesPlayed += chunk.count }
                guard state.queuedSamples < limitSamples else { return [] }
                defer { state.roomWaiters = [] }
                return state.roomWaiters
            }
            for waiter in waiters { waiter.resume() }
        }
    }

    /// Ends the writer and releases whoever waits.
    func stop() {
        let (writer, waiters) = state.withLock { state -> (CheckedContinuation<Void, Never>?, [CheckedContinuation<Void, Never>]) in
            state.stopped = true
            state.queue.removeAll()
            state.queuedSamples = 0
            defer {
                state.writer = nil
                state.roomWaiters = []
            }
            return (state.writer, state.roomWaiters)
        }
        writer?.resume()
        for waiter in waiters { waiter.resume() }
    }

    private func nextChunk() async -> ([Int16], UInt)? {
        while true {
            let next = state.withLock { state -> ([Int16], UInt)?? in
                if state.stopped { return .some(nil) }
                guard state.primed, !state.queue.isEmpty else { return .none }
                let chunk = state.queue.removeFirst()
                state.queuedSamples -= chunk.count
                state.writing = true
                return .some((chunk, state.generation))
            }
            if let next { return next }
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let ready = state.withLock { state -> Bool in
                    if state.stopped || (state.primed && !state.queue.isEmpty) { return true }
                    state.writer = continuation
                    return false
                }
                if ready { continuation.resume() }
            }
        }
    }

    private func takeWriter(_ state: inout State) -> CheckedContinuation<Void, Never>? {
        defer { state.writer = nil }
        return state.writer
    }
}
