// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

import Synchronization

/// The processed microphone frames on their way from the engine's frame pump to one consumer task,
/// bounded by *duration* (``AudioEngineConfiguration/frameQueueMilliseconds``) whatever the frame length:
/// when the consumer falls behind, the oldest frames are dropped and counted, so what it reads next is
/// recent speech and memory stays fixed.
///
/// A `Mutex` and one waiting continuation; the frame pump (not a real-time thread) is the only producer.
final class MicFrameQueue: Sendable {
    private struct State {
        var frames: [MicFrame] = []
        var head = 0
        var bufferedSamples = 0
        var finished = false
        var waiter: CheckedContinuation<MicFrame?, Never>?
    }

    private let state: Mutex<State>
    /// The most samples (16 kHz) held before the oldest frame is dropped.
    let limitSamples: Int
    /// Frames dropped because the consumer fell behind.
    let dropped = AtomicCounter()

    init(milliseconds: Int) {
        limitSamples = max(1, milliseconds) * AudioEngineConfiguration.frameRate / 1000
        var initial = State()
        initial.frames.reserveCapacity(max(4, milliseconds / 10))
        state = Mutex(initial)
    }

    /// Hands `frame` to the waiting consumer, or queues it (dropping the oldest past the limit).
    func push(_ frame: MicFrame) {
        let waiter = state.withLock { state -> CheckedContinuation<MicFrame?, Never>? in
            guard !state.finished else { return nil }
            if let waiter = state.waiter {
                state.waiter = nil
                return waiter
            }
            state.frames.append(frame)
            state.bufferedSamples += frame.samples.count
            while state.bufferedSamples > limitSamples && state.head < state.frames.count - 1 {
                state.bufferedSamples -= state.frames[state.head].samples.count
                state.head += 1
                _ = dropped.increment()
            }
            // Reclaim the consumed prefix now and then (amortised; the storage keeps its capacity).
            if state.head > 64 && state.head * 2 > state.frames.count {
                state.frames.removeFirst(state.head)
                state.head = 0
            }
            return nil
        }
        waiter?.resume(returning: frame)
    }

    /// No more frames come; a waiting consumer gets nil once the queue is empty.
    func finish() {
        let waiter = state.withLock { state -> CheckedContinuation<MicFrame?, Never>? in
            state.finished = true
            defer { state.waiter = nil }
            return state.head == state.frames.count ? state.waiter : nil
        }
        waiter?.resume(returning: nil)
    }

    /// The next frame, waiting for it; nil once the engine stopped and every frame was read, or when
    /// the waiting task is cancelled.
    func next() async -> MicFrame? {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<MicFrame?, Never>) in
                let immediate = state.withLock { state -> MicFrame?? in
                    precondition(state.waiter == nil, "AudioEngine.frames is read from two tasks at once")
                    if state.head < state.frames.count {
                        let frame = state.frames[state.head]
                        state.head += 1
                        state.bufferedSamples -= frame.samples.count
                        if state.head == state.frames.count {
                            state.frames.removeAll(keepingCapacity: true)
                            state.head = 0
                        }
                        return .some(frame)
                    }
                    if state.finished || Task.isCancelled { return .some(nil) }
                    state.waiter = continuation
                    return .none
                }
                if let immediate { continuation.resume(returning: immediate) }
            }
        } onCancel: {
            state.withLock { state -> CheckedContinuation<MicFrame?, Never>? in
                defer { state.waiter = nil }
                return state.waiter
            }?.resume(returning: nil)
        }
    }

    /// Frames waiting to be read.
    var count: Int { state.withLock { $0.frames.count - $0.head } }
}

/// The engine's processed microphone frames as an `AsyncSequence` (``AudioEngine/frames``). Iterate it
/// from one task; it ends when the engine stops.
public struct MicFrames: AsyncSequence, Sendable {
    public typealias Element = MicFrame
    let queue: MicFrameQueue

    public struct AsyncIterator: AsyncIteratorProtocol {
        let queue: MicFrameQueue
        public mutating func next() async -> MicFrame? { await queue.next() }
    }

    public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(queue: queue) }
}
