// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

import CSysShims
import RingBuffer

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The non-real-time side of the capture path, on its own thread: it sleeps on an eventfd, and when the
/// capture thread signals it, moves the processed frames out of the rings into the pre-roll ring and the
/// engine's `AsyncStream`. The playback thread signals the same eventfd when writers wait for room in the
/// sink; the pump resumes them. Allocating, locking and logging are fine here.
final class FramePump: @unchecked Sendable {
    // @unchecked Sendable: only the pump thread calls `run()`; the members are Sendable or immutable.

    private let sampleRing: SPSCRing<Int16>
    private let recordRing: SPSCRing<FrameRecord>
    private let frameLength: Int
    private let diagnostics: Bool
    private let continuation: AsyncStream<MicFrame>.Continuation
    private let preroll: PrerollRing
    private let sink: PlaybackSink?
    private let wakeDescriptor: Int32
    private let stop: StopFlag
    let droppedByConsumer: AtomicCounter

    init(
        sampleRing: SPSCRing<Int16>, recordRing: SPSCRing<FrameRecord>, frameLength: Int, diagnostics: Bool,
        continuation: AsyncStream<MicFrame>.Continuation, preroll: PrerollRing, sink: PlaybackSink?,
        wakeDescriptor: Int32, stop: StopFlag, droppedByConsumer: AtomicCounter
    ) {
        self.sampleRing = sampleRing
        self.recordRing = recordRing
        self.frameLength = frameLength
        self.diagnostics = diagnostics
        self.continuation = continuation
        self.preroll = preroll
        self.sink = sink
        self.wakeDescriptor = wakeDescriptor
        self.stop = stop
        self.droppedByConsumer = droppedByConsumer
    }

    /// The pump thread's body: runs until the stop flag is raised (and the eventfd signalled), then
    /// delivers what is left and finishes the stream.
    func run() {
        var descriptor = pollfd(fd: wakeDescriptor, events: Int16(POLLIN), revents: 0)
        while true {
            let stopping = stop.isRaised
            _ = poll(&descriptor, 1, stopping ? 0 : 200)
            _ = csys_eventfd_drain(wakeDescriptor)
            deliverFrames()
            sink?.resumeWaiters()
            if stopping { break }
        }
        deliverFrames()
        continuation.finish()
        sink?.close()
    }

    private func deliverFrames() {
        var record = FrameRecord(sequence: 0, captureTime: 0, analysis: MicFrameAnalysis(isSpeech: false, speechProbability: 0, levelDBFS: -120))
        while withUnsafeMutablePointer(to: &record, { recordRing.readAvailable(into: UnsafeMutableBufferPointer(start: $0, count: 1)) }) == 1 {
            let samples = take(frameLength)
            var frame = MicFrame(samples: samples, analysis: record.analysis, sequence: record.sequence,
                                 captureTime: record.captureTime, diagnostics: nil)
            if diagnostics {
                frame.diagnostics = MicFrame.Diagnostics(mic: take(frameLength), reference: take(frameLength))
            }
            preroll.append(samples)
            if case .dropped = continuation.yield(frame) {
                _ = droppedByConsumer.increment()
            }
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
