// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

internal import CSpeexDSP

/// The speexdsp preprocessor: owns one `SpeexPreprocessState` (noise suppression, residual echo
/// suppression, automatic gain control, speech probability and VAD) and frees it in `deinit`.
///
/// It works in place on frames of ``frameSize`` samples. Its output lags its input by exactly one frame
/// (weighted overlap-add; ``latency`` says so in samples) whatever is enabled, because the analysis always
/// runs to compute the speech probability.
///
/// Not `Sendable`: speexdsp state must be used from one thread at a time. ``process(_:)`` and
/// ``speechProbability`` never allocate.
public final class Preprocessor {
    private let state: OpaquePointer
    /// The echo canceller whose residual-echo estimate is used; held so it outlives this preprocessor.
    private var echoCanceller: EchoCanceller?

    /// Samples per frame handed to ``process(_:)``.
    public let frameSize: Int
    /// The signal's sampling rate in Hz.
    public let sampleRate: Int
    /// Samples by which the output lags the input: one frame (speexdsp 1.2's analysis window is two
    /// frames long and its output is the overlap-add of the previous frame).
    public var latency: Int { frameSize }

    /// Creates a preprocessor with speexdsp's defaults: denoise on, AGC off, VAD off, noise suppression
    /// -15 dB, residual echo suppression -40 dB (-15 dB while the near end talks).
    ///
    /// - Throws: ``SpeexDSPError/Kind-swift.struct/invalidArgument`` when `frameSize` or `sampleRate` is out
    ///   of range. The corresponding C call is `speex_preprocess_state_init`.
    public init(frameSize: Int, sampleRate: Int = 16_000) throws(SpeexDSPError) {
        guard (16...4096).contains(frameSize) else {
            throw SpeexDSPError(.invalidArgument, "preprocessor frame size \(frameSize) is outside 16...4096 samples (use 160 or 320 at 16 kHz)")
        }
        guard (8_000...96_000).contains(sampleRate) else {
            throw SpeexDSPError(.invalidArgument, "preprocessor sampling rate \(sampleRate) Hz is outside 8000...96000 Hz")
        }
        guard let state = speex_preprocess_state_init(Int32(frameSize), Int32(sampleRate)) else {
            throw SpeexDSPError(.outOfMemory, "speex_preprocess_state_init(\(frameSize), \(sampleRate)) failed: out of memory")
        }
        self.state = state
        self.frameSize = frameSize
        self.sampleRate = sampleRate
    }

    deinit {
        // Detach first so the preprocessor never holds a pointer into a freed echo state.
        _ = speex_preprocess_ctl(state, SPEEX_PREPROCESS_SET_ECHO_STATE, nil)
        speex_preprocess_state_destroy(state)
    }

    /// Processes one frame in place and returns the VAD decision: `true` for speech. With
    /// ``voiceActivityDetection`` off speexdsp always answers `true`.
    ///
    /// `frame` must hold exactly ``frameSize`` samples. The corresponding C call is `speex_preprocess_run`.
    /// Never allocates.
    @discardableResult
    public func process(_ frame: UnsafeMutableBufferPointer<Int16>) -> Bool {
        precondition(frame.count == frameSize, "Preprocessor.process needs \(frameSize) samples")
        return speex_preprocess_run(state, frame.baseAddress) != 0
    }

    /// The probability, 0...100 percent, that the last processed frame was speech
    /// (`SPEEX_PREPROCESS_GET_PROB`). Computed on every frame whatever is enabled. Never allocates.
    public var speechProbability: Int { getInt(SPEEX_PREPROCESS_GET_PROB) }

    /// Uses `echoCanceller`'s residual echo estimate to suppress what it left behind
    /// (`SPEEX_PREPROCESS_SET_ECHO_STATE`); `nil` detaches. Both must share frame size and rate. The
    /// canceller is retained for as long as it is attached.
    ///
    /// Residual echo is removed only while ``denoise`` is on (speexdsp applies no gain otherwise); to keep
    /// echo suppression without noise suppression, leave ``denoise`` on and set ``noiseSuppression`` to 0.
    public func attach(_ echoCanceller: EchoCanceller?) throws(SpeexDSPError) {
        if let echoCanceller {
            guard echoCanceller.frameSize == frameSize, echoCanceller.sampleRate == sampleRate else {
                throw SpeexDSPError(.invalidArgument, "echo canceller (\(echoCanceller.frameSize) samples at \(echoCanceller.sampleRate) Hz) and preprocessor (\(frameSize) samples at \(sampleRate) Hz) must use the same frame size and rate")
            }
            guard speex_preprocess_ctl(state, SPEEX_PREPROCESS_SET_ECHO_STATE, UnsafeMutableRawPointer(echoCanceller.state)) == 0 else {
                throw SpeexDSPError(.controlRejected, "speexdsp refused to attach the echo canceller to the preprocessor")
            }
        } else {
            _ = speex_preprocess_ctl(state, SPEEX_PREPROCESS_SET_ECHO_STATE, nil)
        }
        self.echoCanceller = echoCanceller
    }

    /// Spectral noise suppression (`SPEEX_PREPROCESS_SET_DENOISE`); on by default. Also gates residual
    /// echo suppression, which speexdsp applies through the same gain.
    public var denoise: Bool {
        get { getInt(SPEEX_PREPROCESS_GET_DENOISE) != 0 }
        set { setInt(SPEEX_PREPROCESS_SET_DENOISE, newValue ? 1 : 0) }
    }

    /// Maximum attenuation of noise in dB, as a negative number (`SPEEX_PREPROCESS_SET_NOISE_SUPPRESS`);
    /// speexdsp's default is -15, -25 works well after an echo canceller. 0 disables noise attenuation.
    public var noiseSuppression: Int {
        get { getInt(SPEEX_PREPROCESS_GET_NOISE_SUPPRESS) }
        set { setInt(SPEEX_PREPROCESS_SET_NOISE_SUPPRESS, -abs(newValue)) }
    }

    /// Maximum attenuation of residual echo in dB while the near end is silent, negative
    /// (`SPEEX_PREPROCESS_SET_ECHO_SUPPRESS`; default -40).
    public var echoSuppression: Int {
        get { getInt(SPEEX_PREPROCESS_GET_ECHO_SUPPRESS) }
        set { setInt(SPEEX_PREPROCESS_SET_ECHO_SUPPRESS, -abs(newValue)) }
    }

    /// Maximum attenuation of residual echo in dB while the near end talks, negative
    /// (`SPEEX_PREPROCESS_SET_ECHO_SUPPRESS_ACTIVE`; default -15).
    public var echoSuppressionActive: Int {
        get { getInt(SPEEX_PREPROCESS_GET_ECHO_SUPPRESS_ACTIVE) }
        set { setInt(SPEEX_PREPROCESS_SET_ECHO_SUPPRESS_ACTIVE, -abs(newValue)) }
    }

    /// Automatic gain control (`SPEEX_PREPROCESS_SET_AGC`); off by default.
    public var automaticGainControl: Bool {
        get { getInt(SPEEX_PREPROCESS_GET_AGC) != 0 }
        set { setInt(SPEEX_PREPROCESS_SET_AGC, newValue ? 1 : 0) }
    }

    /// The level the AGC aims for, as a linear sample amplitude 1...32768
    /// (`SPEEX_PREPROCESS_SET_AGC_LEVEL`; default 8000).
    public var automaticGainControlLevel: Float {
        get {
            var value: Float = 0
            _ = speex_preprocess_ctl(state, SPEEX_PREPROCESS_GET_AGC_LEVEL, &value)
            return value
        }
        set {
            var value = min(max(newValue, 1), 32_768)
            _ = speex_preprocess_ctl(state, SPEEX_PREPROCESS_SET_AGC_LEVEL, &value)
        }
    }

    /// The most gain the AGC may apply, in dB (`SPEEX_PREPROCESS_SET_AGC_MAX_GAIN`; default 30).
    public var automaticGainControlMaximumGain: Int {
        get { getInt(SPEEX_PREPROCESS_GET_AGC_MAX_GAIN) }
        set { setInt(SPEEX_PREPROCESS_SET_AGC_MAX_GAIN, newValue) }
    }

    /// speexdsp's own VAD decision as the return value of ``process(_:)`` (`SPEEX_PREPROCESS_SET_VAD`).
    ///
    /// It is a threshold with hysteresis on ``speechProbability`` (``speechProbabilityStart`` to enter
    /// speech, ``speechProbabilityContinue`` to stay), and enabling it makes speexdsp print "The VAD has
    /// been replaced by a hack pending a complete rewrite" on standard error, which is harmless (so does
    /// any change of this setting; setting the current value again does nothing).
    public var voiceActivityDetection: Bool {
        get { getInt(SPEEX_PREPROCESS_GET_VAD) != 0 }
        set {
            guard newValue != voiceActivityDetection else { return }
            setInt(SPEEX_PREPROCESS_SET_VAD, newValue ? 1 : 0)
        }
    }

    /// Speech probability in percent above which a silent frame turns into speech
    /// (`SPEEX_PREPROCESS_SET_PROB_START`; speexdsp's default 35 flags almost everything, 90 works). Clamped
    /// to 0...100.
    public var speechProbabilityStart: Int {
        get { getInt(SPEEX_PREPROCESS_GET_PROB_START) }
        set { setInt(SPEEX_PREPROCESS_SET_PROB_START, min(max(newValue, 0), 100)) }
    }

    /// Speech probability in percent above which speech stays speech
    /// (`SPEEX_PREPROCESS_SET_PROB_CONTINUE`; default 20, 80 works). Clamped to 0...100.
    public var speechProbabilityContinue: Int {
        get { getInt(SPEEX_PREPROCESS_GET_PROB_CONTINUE) }
        set { setInt(SPEEX_PREPROCESS_SET_PROB_CONTINUE, min(max(newValue, 0), 100)) }
    }

    /// Dereverberation (`SPEEX_PREPROCESS_SET_DEREVERB`); off by default and unused by speexdsp 1.2.
    public var dereverberation: Bool {
        get { getInt(SPEEX_PREPROCESS_GET_DEREVERB) != 0 }
        set { setInt(SPEEX_PREPROCESS_SET_DEREVERB, newValue ? 1 : 0) }
    }

    // Every request used here is handled by speexdsp 1.2 for any state, so a failure can only mean a
    // programming error (a wrong request constant): those are checked in the tests, not thrown.
    private func getInt(_ request: Int32) -> Int {
        var value: Int32 = 0
        _ = speex_preprocess_ctl(state, request, &value)
        return Int(value)
    }

    private func setInt(_ request: Int32, _ newValue: Int) {
        var value = Int32(clamping: newValue)
        _ = speex_preprocess_ctl(state, request, &value)
    }
}

@available(*, unavailable, message: "speexdsp state must be used from one thread at a time")
extension Preprocessor: Sendable {}
