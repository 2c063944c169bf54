// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// What the front end says about one processed microphone frame.
public struct MicFrameAnalysis: Sendable, Hashable, BitwiseCopyable {
    /// Whether the frame holds near-end speech (after echo cancellation).
    public var isSpeech: Bool
    /// The front end's speech probability, 0...1.
    public var speechProbability: Float
    /// The processed frame's RMS level in dBFS (0 is a full-scale square wave; silence is -96 or lower).
    public var levelDBFS: Float
    /// Whether the echo canceller has converged: the speaker's echo is removed well enough that the VAD
    /// no longer takes it for speech. Always false without a canceller (the mic must then be shut while
    /// the speaker plays).
    public var echoCancellerConverged: Bool

    /// Creates an analysis.
    public init(isSpeech: Bool, speechProbability: Float, levelDBFS: Float, echoCancellerConverged: Bool = false) {
        self.isSpeech = isSpeech
        self.speechProbability = speechProbability
        self.levelDBFS = levelDBFS
        self.echoCancellerConverged = echoCancellerConverged
    }
}

/// The seam between the audio engine and the microphone front end (echo cancellation, noise suppression,
/// VAD), at 16 kHz mono.
///
/// **This is where the real front end plugs in.** The `AudioFrontEnd` module's front end is adapted to
/// this protocol by the daemon (or by `AudioFrontEnd` itself); until then ``PassThroughProcessor`` stands
/// in. The engine creates one processor per `start()` through the factory it was given and calls it only
/// from its capture thread, so implementations need not be thread-safe (and need not be `Sendable`), but
/// ``process(mic:reference:output:)`` runs on a real-time thread: no allocation, no locks, no logging.
///
/// ## What the reference is
/// `reference` is the far-end signal *as the speaker played it* during the microphone frame's time window,
/// at 16 kHz: exactly the samples the engine handed to the playback device, resampled, and placed in time
/// with the playback and capture delays alsa-lib reports (`snd_pcm_delay` on both devices). What the engine
/// cannot measure (the acoustic path, converter and USB latencies, and a deliberate slack) is left in it:
/// ``setBaseDelay(samples:)`` gives that remaining delay, and the front end delays the reference by it
/// (plus whatever its own delay estimation adds) before cancelling. After a playback flush (barge-in) the
/// samples that were dropped before reaching the speaker come through as zeros, so the canceller never
/// sees a far end that was not played.
public protocol MicProcessor: AnyObject {
    /// Samples per frame at 16 kHz: 160 (10 ms) or 320 (20 ms).
    var frameLength: Int { get }

    /// Processes one frame. `mic`, `reference` and `output` each hold ``frameLength`` samples; `output`
    /// is the cleaned microphone signal, time-aligned with `mic` as closely as the front end can.
    func process(
        mic: UnsafeBufferPointer<Int16>,
        reference: UnsafeBufferPointer<Int16>,
        output: UnsafeMutableBufferPointer<Int16>
    ) -> MicFrameAnalysis

    /// The delay, in 16 kHz samples, by which the front end should still delay `reference` before
    /// comparing it with `mic` (see "What the reference is"). Called on the capture thread before the first
    /// frame and whenever the value changes.
    func setBaseDelay(samples: Int)
}

/// A stand-in front end: copies the microphone to the output unchanged and calls a frame speech when its
/// level is above a threshold (an energy gate, not a voice activity detector).
public final class PassThroughProcessor: MicProcessor {
    /// Samples per frame.
    public let frameLength: Int
    /// Frames at or above this level (dBFS) count as speech.
    public let speechThresholdDBFS: Float
    /// The last base delay the engine gave (for tests and diagnostics).
    public private(set) var baseDelaySamples = 0

    /// Creates a pass-through processor for frames of `frameLength` samples.
    public init(frameLength: Int = 160, speechThresholdDBFS: Float = -40) {
        precondition(frameLength > 0, "frame length must be positive")
        self.frameLength = frameLength
        self.speechThresholdDBFS = speechThresholdDBFS
    }

    /// Copies `mic` to `output` and measures its level; `reference` is ignored.
    public func process(
        mic: UnsafeBufferPointer<Int16>,
        reference: UnsafeBufferPointer<Int16>,
        output: UnsafeMutableBufferPointer<Int16>
    ) -> MicFrameAnalysis {
        let n = min(mic.count, output.count)
        if n > 0 { output.baseAddress!.update(from: mic.baseAddress!, count: n) }
        let level = SignalLevel.dBFS(UnsafeBufferPointer(rebasing: mic[0..<n]))
        let probability = min(1, max(0, (level - speechThresholdDBFS + 10) / 20))
        return MicFrameAnalysis(isSpeech: level >= speechThresholdDBFS, speechProbability: probability, levelDBFS: level)
    }

    /// Remembers the delay (there is no canceller to give it to).
    public func setBaseDelay(samples: Int) {
        baseDelaySamples = samples
    }
}

@available(*, unavailable)
extension PassThroughProcessor: Sendable {}

/// Signal level helpers (allocation-free).
public enum SignalLevel {
    /// The RMS level of `samples` in dBFS, relative to a full-scale square wave; -120 for silence.
    public static func dBFS(_ samples: UnsafeBufferPointer<Int16>) -> Float {
        guard !samples.isEmpty else { return -120 }
        var sum: Double = 0
        for sample in samples {
            let value = Double(sample)
            sum += value * value
        }
        let rms = (sum / Double(samples.count)).squareRoot()
        return rms < 1e-3 ? -120 : Float(20 * log10(rms / 32768))
    }
}
