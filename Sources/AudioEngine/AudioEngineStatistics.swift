// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

public import RingBuffer
import Synchronization

/// A snapshot of the engine's counters, for the status page and `livevoiced audio` commands.
public struct AudioEngineStatistics: Sendable {
    /// What a device thread is doing.
    public enum StreamState: Int, Sendable {
        /// Not started, or stopped.
        case stopped
        /// Transferring audio.
        case running
        /// The device was lost; the thread is trying to reopen it (with backoff).
        case reopening
    }

    /// One device's figures.
    public struct Stream: Sendable {
        /// The PCM name.
        public var device: String
        /// What the thread is doing.
        public var state: StreamState
        /// The rate the device actually runs at (0 before it was opened).
        public var sampleRate: Int
        /// Frames per device period.
        public var periodFrames: Int
        /// Frames in the device buffer.
        public var bufferFrames: Int
        /// The last `snd_pcm_delay`, in milliseconds, when known.
        public var delayMilliseconds: Double?
        /// xruns recovered with `snd_pcm_recover` (overruns on capture, underruns on playback).
        public var xruns: Int
        /// Suspends recovered.
        public var suspends: Int
        /// Times the device failed for good (unplugged) while running.
        public var deviceLosses: Int
        /// Times it was reopened after a loss.
        public var reopens: Int
        /// Whether a clock paces the device (false: the engine paces a null/file device itself).
        public var clockedByDevice: Bool
        /// Whether the thread got SCHED_FIFO; nil before it tried (or when not asked to).
        public var realtime: Bool?
        /// The last device problem, for the status page.
        public var lastProblem: String?
        /// Advances while the device thread works (or waits to reopen its device); stuck: it hangs.
        public var heartbeats: UInt64 = 0
    }

    /// The microphone.
    public var capture: Stream
    /// The speaker, when the engine has one.
    public var playback: Stream?
    /// Frames the front end processed since start.
    public var framesProcessed: UInt64
    /// Frames dropped because the engine's frame ring was full (the frame pump fell behind).
    public var framesDroppedInEngine: Int
    /// Frames dropped because the consumer of ``AudioEngine/frames`` fell more than the frame queue
    /// behind.
    public var framesDroppedByConsumer: Int
    /// 24 kHz audio waiting in the playback sink, in milliseconds.
    public var playbackBufferedMilliseconds: Double
    /// The fullest the playback sink has been, in milliseconds.
    public var playbackHighWaterMilliseconds: Double
    /// Gaps in playback: the sink ran dry during a reply and data came again within 200 ms.
    public var playbackUnderruns: Int
    /// Samples offered to the full playback sink (the writer kept them and waited: backpressure).
    public var playbackRejectedSamples: Int
    /// Playback flushes (barge-in).
    public var flushes: Int
    /// When the playback thread last silenced the device for a flush (monotonic ns, word-sized: it wraps
    /// on 32-bit boards); 0 before the first.
    public var lastFlushHandled: UInt
    /// Times the reference aligner locked onto the playback timeline.
    public var referenceLocks: Int
    /// Small drift corrections of the reference alignment.
    public var referenceSlews: Int
    /// Reference samples that had not been played yet when a microphone frame needed them (zeros given).
    public var referenceLateSamples: Int
    /// Reference samples the playback thread could not store because the capture side did not take them.
    public var referenceDroppedSamples: Int
    /// The delay handed to the front end (the positive part of the configured offset), in milliseconds.
    public var baseDelayMilliseconds: Int
    /// The pre-roll ring.
    public var preroll: PrerollRing.Statistics
    /// The capture thread's processed-frame ring to the frame pump: its capacity and the most frames it
    /// ever held (near the capacity, the pump falls behind and frames are dropped in the engine).
    public var micRingCapacityFrames: Int = 0
    public var micRingHighWaterFrames: Int = 0
    /// The playback thread's reference ring to the capture thread, in samples (capacity, most held).
    public var referenceRingCapacitySamples: Int = 0
    public var referenceRingHighWaterSamples: Int = 0
}

/// Live counters of one device thread: written by that thread, read by ``AudioEngine/statistics``.
final class StreamCounters: Sendable {
    let device: String
    let state = Atomic<Int>(AudioEngineStatistics.StreamState.stopped.rawValue)
    let sampleRate = Atomic<Int>(0)
    let periodFrames = Atomic<Int>(0)
    let bufferFrames = Atomic<Int>(0)
    /// Last snd_pcm_delay in frames, -1 when unknown.
    let delayFrames = Atomic<Int>(-1)
    /// xruns and suspends of PCMs closed after a loss.
    let xrunsBefore = Atomic<Int>(0)
    let suspendsBefore = Atomic<Int>(0)
    let xruns = Atomic<Int>(0)
    let suspends = Atomic<Int>(0)
    let losses = Atomic<Int>(0)
    let reopens = Atomic<Int>(0)
    let clocked = Atomic<Bool>(true)
    /// -1 not tried, 0 refused, 1 granted.
    let realtime = Atomic<Int>(-1)
    /// Bumped every period the thread moves audio, and while it waits to reopen a lost device: a value
    /// that stops moving means the thread hangs (the watchdog's test).
    let heartbeat = Atomic<UInt>(0)
    /// Written only on the recovery path (never on the hot path).
    let lastProblem = Mutex<String?>(nil)

    init(device: String) {
        self.device = device
    }

    var snapshot: AudioEngineStatistics.Stream {
        let rate = sampleRate.load(ordering: .relaxed)
        let delay = delayFrames.load(ordering: .relaxed)
        let rt = realtime.load(ordering: .relaxed)
        return AudioEngineStatistics.Stream(
            device: device,
            state: AudioEngineStatistics.StreamState(rawValue: state.load(ordering: .relaxed)) ?? .stopped,
            sampleRate: rate,
            periodFrames: periodFrames.load(ordering: .relaxed),
            bufferFrames: bufferFrames.load(ordering: .relaxed),
            delayMilliseconds: delay >= 0 && rate > 0 ? Double(delay) * 1000 / Double(rate) : nil,
            xruns: xruns.load(ordering: .relaxed),
            suspends: suspends.load(ordering: .relaxed),
            deviceLosses: losses.load(ordering: .relaxed),
            reopens: reopens.load(ordering: .relaxed),
            clockedByDevice: clocked.load(ordering: .relaxed),
            realtime: rt < 0 ? nil : rt == 1,
            lastProblem: lastProblem.withLock { $0 },
            heartbeats: UInt64(heartbeat.load(ordering: .relaxed)))
    }
}
