// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

import Threads
import RingBuffer
import Synchronization
import Time

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The non-real-time side of the engine, on its own thread: it sleeps on an eventfd, and when the
/// capture thread signals it, moves the processed frames out of the rings into the pre-roll ring and the
/// engine's frame queue. The playback thread signals the same eventfd when writers wait for room in the
/// sink (the pump resumes them) and when playback drained; the device threads signal it when a device is
/// lost, comes back or fails (the pump turns that into ``AudioEngineEvent``s, and ends the engine on a
/// failure). Allocating, locking and logging are fine here.
final class FramePump: @unchecked Sendable {
    // @unchecked Sendable: only the pump thread calls `run()`; the members are Sendable or immutable.

    private let sampleRing: SPSCRing<Int16>
    private let recordRing: SPSCRing<FrameRecord>
    private let frameLength: Int
    private let diagnostics: Bool
    private let queue: MicFrameQueue
    /// Where frames go instead of the queue, once the engine's owner asked for it.
    let handler: FrameHandlerSlot
    private let events: AsyncStream<AudioEngineEvent>.Continuation
    private let preroll: PrerollRing
    private let sink: PlaybackSink?
    private let wake: EventSignal
    private let environment: WorkerEnvironment
    private var signals = EngineSignalReader()

    init(
        sampleRing: SPSCRing<Int16>, recordRing: SPSCRing<FrameRecord>, frameLength: Int, diagnostics: Bool,
        queue: MicFrameQueue, events: AsyncStream<AudioEngineEvent>.Continuation, preroll: PrerollRing,
        sink: PlaybackSink?, wake: EventSignal, environment: WorkerEnvironment,
        handler: FrameHandlerSlot
    ) {
        self.handler = handler
        self.sampleRing = sampleRing
        self.recordRing = recordRing
        self.frameLength = frameLength
        self.diagnostics = diagnostics
        self.queue = queue
        self.events = events
        self.preroll = preroll
        self.sink = sink
        self.wake = wake
        self.environment = environment
    }

    /// The pump thread's body: runs until the stop flag is raised (and the eventfd signalled), then
    /// delivers what is left and finishes the stream.
    func run() {
        var descriptor = pollfd(fd: wake.descriptor, events: Int16(POLLIN), revents: 0)
        while true {
            let stopping = environment.stop.isRaised
            _ = poll(&descriptor, 1, stopping ? 0 : 200)
            wake.drain()
            deliverFrames()
            sink?.resumeWaiters()
            for event in signals.newEvents(environment.signals) {
                events.yield(event)
                // A device thread gave up: the engine is over; the other thread stops too.
                if case .failed = event { environment.stop.raise() }
            }
            if stopping { break }
        }
        deliverFrames()
        queue.finish()
        events.finish()
        sink?.close()
    }

    private func deliverFrames() {
        var record = FrameRecord(sequence: 0, captureTime: 0, analysis: MicFrameAnalysis(isSpeech: false, speechProbability: 0, levelDBFS: -120))
        while withUnsafeMutablePointer(to: &record, { recordRing.readAvailable(into: UnsafeMutableBufferPointer(start: $0, count: 1)) }) == 1 {
            let samples = take(frameLength)
            var frame = MicFrame(samples: samples, analysis: record.analysis, sequence: record.sequence,
                                 captureTime: Timestamp(nanoseconds: Int64(bitPattern: record.captureTime)), diagnostics: nil)
            if diagnostics {
                frame.diagnostics = MicFrame.Diagnostics(mic: take(frameLength), reference: take(frameLength))
            }
            preroll.append(samples)
            if let handler = handler.current { handler(frame) } else { queue.push(frame) }
        }
    }

    private func take(_ count: Int) -> [Int16] {
        [Int16](unsafeUninitializedCapacity: count) { buffer, initialized in
            let n = sampleRing.readAvailable(into: buffer)
            // The capture thread writes a frame's samples before its record, so they are all there.
            precondition(n == count, "frame ring out of step: \(n) of \(count) samples")
            initialized = n
        }
    }
}

/// The engine owner's frame handler (``AudioEngine/deliverFrames(to:)``), read by the pump per frame.
///
/// The closure lives in a class box: a bare function type in `Mutex`'s generic storage is reabstracted
/// on every `withLock` access and written back wrapped in two more thunks, so each read deepened the
/// chain a call walks (per frame: quadratic CPU, memory growing by the hour, and at last a stack overflow).
final class FrameHandlerSlot: Sendable {
    private final class Box: Sendable {
        let handler: @Sendable (MicFrame) -> Void
        init(_ handler: @escaping @Sendable (MicFrame) -> Void) { self.handler = handler }
    }

    private let slot = Mutex<Box?>(nil)
    var current: (@Sendable (MicFrame) -> Void)? { slot.withLock { $0 }?.handler }
    func set(_ handler: (@Sendable (MicFrame) -> Void)?) { slot.withLock { $0 = handler.map(Box.init) } }
}
