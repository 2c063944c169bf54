// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

/// Settings of the microphone front end (``AudioFrontEnd``). The defaults are the daemon's: chosen on the
/// echo corpus's tuning conditions (`livevoiced-bench aec`: rooms of 5–40 ms and 100–300 ms RT60, clipping
/// and small speakers, white, pink and babble noise at 5–20 dB SNR, echo up to 5 dB louder than the
/// talker) and checked on its held-out ones (issue 14).
public struct FrontEndConfiguration: Sendable, Equatable {
    /// How long one frame handed to ``AudioFrontEnd/process(microphone:reference:output:)`` is.
    public enum FrameDuration: Int, Sendable, CaseIterable {
        /// 10 ms, 160 samples at 16 kHz.
        case milliseconds10 = 10
        /// 20 ms, 320 samples at 16 kHz: more echo reduction and less CPU per 10 ms than 10 ms frames.
        case milliseconds20 = 20
    }

    /// How far the far-end reference is delayed before the echo canceller sees it, on top of
    /// ``delayOffsetMilliseconds``.
    public enum ReferenceDelay: Sendable, Equatable {
        /// A known delay in milliseconds (0 when the caller already aligned the reference).
        case fixed(milliseconds: Int)
        /// Estimated continuously by cross-correlating reference and microphone while the far end talks;
        /// the reference is re-aligned (and the canceller restarted) when the estimate moves.
        case automatic
    }

    /// The only sampling rate the front end runs at, in Hz.
    public static let sampleRate = 16_000

    /// Frame length; 20 ms by default (on the echo corpus about 5 dB more ERLE than 10 ms frames, and
    /// fewer instructions per 10 ms).
    public var frameDuration: FrameDuration = .milliseconds20
    /// Echo tail the canceller models, in ms; 128 (2048 taps) by default. Longer filters converge more
    /// slowly: on the echo corpus 192 and 256 ms gained in 300 ms rooms and lost more in the others.
    public var filterLengthMilliseconds = 128
    /// Run the echo canceller (and residual echo suppression); on by default.
    public var echoCancellation = true
    /// Learn how the speaker clips and clip the reference the same way before the canceller (see the
    /// front end's notes); on by default. Without it a speaker clipping at half scale costs about 20 dB
    /// of echo reduction.
    public var saturationCompensation = true
    /// Attenuate stationary noise; on by default. Residual echo is still suppressed when this is off.
    public var noiseSuppression = true
    /// Most noise attenuation in dB (negative); -25 by default. -35 added about 1 dB of ERLE on the echo
    /// corpus (the noise under the echo) and changed nothing else it measures; it stays at -25 because a
    /// deeper suppressor distorts the near end talking alone, which the corpus does not score.
    public var noiseSuppressionDecibels = -25
    /// Most residual echo attenuation in dB while the near end is silent (negative); -60 by default.
    public var echoSuppressionDecibels = -60
    /// Most residual echo attenuation in dB while the near end talks (negative); -30 by default.
    public var echoSuppressionActiveDecibels = -30
    /// Attenuation in dB (negative) of output frames while the far end plays (and 300 ms after) and
    /// nothing near-end is heard: neither the VAD nor a more sensitive check (one frame 6 dB over the
    /// background, held 200 ms). What the canceller and the suppressor leave of the echo, and the room's
    /// noise under it, is then not sent on, so the far end's own voice cannot trigger a barge-in, while a
    /// talker starting to speak opens it within a frame. `nil` turns it off; -20 by default (on the echo
    /// corpus: about +10 dB ERLE, double-talk SDR unchanged).
    public var echoGateDecibels: Double? = -20
    /// Automatic gain control of the processed signal; off by default.
    public var automaticGainControl = false
    /// AGC target as a linear sample amplitude (1...32768); 8000 by default.
    public var automaticGainControlLevel = 8_000
    /// Speech probability (percent) that starts a speech segment; 90 by default.
    public var vadStartProbability = 90
    /// Speech probability (percent) that keeps a speech segment going; 80 by default.
    public var vadContinueProbability = 80
    /// A frame starts near-end speech only if the echo-cancelled signal (smoothed over about 100 ms) stands
    /// this far above its background level, in dB; 10 by default, 0 turns the check off. Other people
    /// talking in the room sound speech-like too, but quieter than the user at the device (on the echo
    /// corpus this took VAD accuracy in babble from about 0.45 to 0.9).
    public var vadLevelMarginDecibels = 10.0
    /// How long speech continues after its last speech frame, bridging gaps between words, in ms; 40 by
    /// default.
    public var vadHangoverMilliseconds = 40
    /// While the far end plays, a frame counts as near-end speech only if the processed output keeps at
    /// least this share of the microphone's energy, in dB; -15 by default, `nil` turns the check off.
    ///
    /// The preprocessor's speech probability also rises on the residual echo the canceller leaves (tens of
    /// dB above a quiet room's noise), so on its own the VAD fires on most frames of the assistant's
    /// voice. Once the canceller has converged, echo-only frames come out 20 dB or more below the
    /// microphone, while a near-end talker (double talk) passes within a few dB.
    public var doubleTalkThresholdDecibels: Double? = -15
    /// How the reference is aligned with the microphone; automatic by default.
    public var referenceDelay = ReferenceDelay.automatic
    /// A delay always applied to the reference, in ms (for example a measured device buffer delay); the
    /// fixed or estimated delay comes on top. 0 by default.
    public var delayOffsetMilliseconds = 0
    /// The longest total delay the front end can apply (and search, when automatic), in ms; 500 by default.
    public var maximumDelayMilliseconds = 500
    /// Reference level (dBFS RMS) above which a frame counts as far-end active; -50 by default.
    public var farEndThresholdDecibels = -50.0

    /// The defaults.
    public init() {}

    /// Samples per frame at 16 kHz.
    public var frameSize: Int { Self.sampleRate / 1000 * frameDuration.rawValue }

    /// Checks every setting, throwing an error that names the offending one and its valid range.
    public func validate() throws(AudioFrontEndError) {
        func check(_ condition: Bool, _ message: @autoclosure () -> String) throws(AudioFrontEndError) {
            if !condition { throw AudioFrontEndError(.invalidConfiguration, message()) }
        }
        try check(
            (frameDuration.rawValue...1_000).contains(filterLengthMilliseconds),
            "filter length \(filterLengthMilliseconds) ms must be between the frame length (\(frameDuration.rawValue) ms) and 1000 ms (128 suits a small speaker box)")
        try check((-100...0).contains(noiseSuppressionDecibels), "noise suppression \(noiseSuppressionDecibels) dB must be between -100 and 0")
        try check((-100...0).contains(echoSuppressionDecibels), "echo suppression \(echoSuppressionDecibels) dB must be between -100 and 0")
        try check((-100...0).contains(echoSuppressionActiveDecibels), "active echo suppression \(echoSuppressionActiveDecibels) dB must be between -100 and 0")
        try check((1...32_768).contains(automaticGainControlLevel), "AGC level \(automaticGainControlLevel) must be between 1 and 32768")
        try check((0...100).contains(vadStartProbability), "VAD start probability \(vadStartProbability) must be between 0 and 100 percent")
        try check((0...100).contains(vadContinueProbability), "VAD continue probability \(vadContinueProbability) must be between 0 and 100 percent")
        try check((20...2_000).contains(maximumDelayMilliseconds), "maximum delay \(maximumDelayMilliseconds) ms must be between 20 and 2000 ms")
        try check(
            (0...maximumDelayMilliseconds).contains(delayOffsetMilliseconds),
            "delay offset \(delayOffsetMilliseconds) ms must be between 0 and the maximum delay (\(maximumDelayMilliseconds) ms)")
        if case .fixed(let milliseconds) = referenceDelay {
            try check(
                milliseconds >= 0 && milliseconds + delayOffsetMilliseconds <= maximumDelayMilliseconds,
                "reference delay \(milliseconds) ms plus offset \(delayOffsetMilliseconds) ms must be between 0 and the maximum delay (\(maximumDelayMilliseconds) ms)")
        }
        if let echoGateDecibels {
            try check((-100...0).contains(echoGateDecibels), "echo gate \(echoGateDecibels) dB must be between -100 and 0")
        }
        try check((0...40).contains(vadLevelMarginDecibels), "VAD level margin \(vadLevelMarginDecibels) dB must be between 0 and 40")
        try check((0...1_000).contains(vadHangoverMilliseconds), "VAD hangover \(vadHangoverMilliseconds) ms must be between 0 and 1000")
        if let doubleTalkThresholdDecibels {
            try check((-60...0).contains(doubleTalkThresholdDecibels), "double-talk threshold \(doubleTalkThresholdDecibels) dB must be between -60 and 0")
        }
        try check(farEndThresholdDecibels < 0 && farEndThresholdDecibels > -120, "far-end threshold \(farEndThresholdDecibels) dBFS must be between -120 and 0")
    }
}

/// A front-end failure: a setting out of range or speexdsp refusing one, with what to change.
public struct AudioFrontEndError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What kind of failure this is. A struct over a private enum, so kinds can be added later.
    public struct Kind: Hashable, Sendable, CustomStringConvertible {
        private enum Value: Hashable, Sendable {
            case invalidConfiguration, signalProcessing
        }
        private let value: Value

        /// A ``FrontEndConfiguration`` value is out of range.
        public static let invalidConfiguration = Kind(value: .invalidConfiguration)
        /// speexdsp could not create or configure a state.
        public static let signalProcessing = Kind(value: .signalProcessing)

        public var description: String { "\(value)" }
    }

    /// What kind of failure this is.
    public var kind: Kind
    /// Human-readable explanation naming the setting and its valid range.
    public var message: String

    /// Creates an error of `kind` with a message for the user.
    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }
}
