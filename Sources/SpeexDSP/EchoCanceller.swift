// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

internal import CSpeexDSP

/// An acoustic echo canceller: owns one speexdsp `SpeexEchoState` (multi-delay block frequency-domain
/// adaptive filter) and frees it in `deinit`.
///
/// Feed it, frame by frame, the microphone signal and the far-end signal that was played, already aligned
/// so that the echo in the microphone arrives between 0 and ``filterLength`` samples after the matching
/// reference sample. It subtracts its running estimate of the echo. Its output has no lag relative to the
/// microphone input, but it applies a DC notch and pre-/de-emphasis, so it is not bit-identical to the
/// input even with a silent reference.
///
/// Not `Sendable`: speexdsp state must be used from one thread at a time. ``cancel(microphone:reference:output:)``
/// never allocates.
public final class EchoCanceller {
    /// The `SpeexEchoState *`; module-internal so a ``Preprocessor`` can attach it.
    let state: OpaquePointer
    /// Samples per frame handed to ``cancel(microphone:reference:output:)``.
    public let frameSize: Int
    /// Length of the adaptive filter in samples (the echo tail it can model).
    public let filterLength: Int
    /// The sampling rate the canceller was told (`SPEEX_ECHO_SET_SAMPLING_RATE`).
    public let sampleRate: Int

    /// Creates an echo canceller.
    ///
    /// - Parameters:
    ///   - frameSize: samples per frame, for example 160 (10 ms at 16 kHz) or 320 (20 ms).
    ///   - filterLength: samples of echo tail to model, at least one frame (2048 = 128 ms at 16 kHz suits a
    ///     small speaker box).
    ///   - sampleRate: the signal's rate in Hz. speexdsp assumes 8 kHz unless told, which mistunes its
    ///     adaptation at 16 kHz; this always sets it (`SPEEX_ECHO_SET_SAMPLING_RATE`).
    /// - Throws: ``SpeexDSPError/Kind-swift.struct/invalidArgument`` for sizes outside those ranges.
    ///   The corresponding C call is `speex_echo_state_init`.
    public init(frameSize: Int, filterLength: Int, sampleRate: Int = 16_000) throws(SpeexDSPError) {
        guard (16...4096).contains(frameSize) else {
            throw SpeexDSPError(.invalidArgument, "echo canceller frame size \(frameSize) is outside 16...4096 samples (use 160 or 320 at 16 kHz)")
        }
        guard filterLength >= frameSize, filterLength <= 65_536 else {
            throw SpeexDSPError(.invalidArgument, "echo canceller filter length \(filterLength) must be between the frame size (\(frameSize)) and 65536 samples (2048 = 128 ms at 16 kHz is a good start)")
        }
        guard (8_000...96_000).contains(sampleRate) else {
            throw SpeexDSPError(.invalidArgument, "echo canceller sampling rate \(sampleRate) Hz is outside 8000...96000 Hz")
        }
        guard let state = speex_echo_state_init(Int32(frameSize), Int32(filterLength)) else {
            throw SpeexDSPError(.outOfMemory, "speex_echo_state_init(\(frameSize), \(filterLength)) failed: out of memory")
        }
        self.state = state
        self.frameSize = frameSize
        self.filterLength = filterLength
        self.sampleRate = sampleRate
        var rate = Int32(sampleRate)
        guard speex_echo_ctl(state, SPEEX_ECHO_SET_SAMPLING_RATE, &rate) == 0 else {
            speex_echo_state_destroy(state)
            throw SpeexDSPError(.controlRejected, "speexdsp refused sampling rate \(sampleRate) Hz for the echo canceller")
        }
    }

    deinit {
        speex_echo_state_destroy(state)
    }

    /// Removes the echo of `reference` from `microphone` and writes the result to `output`.
    ///
    /// All three buffers must hold exactly ``frameSize`` samples; `output` may not overlap the inputs.
    /// The corresponding C call is `speex_echo_cancellation`. Never allocates.
    public func cancel(
        microphone: UnsafeBufferPointer<Int16>, reference: UnsafeBufferPointer<Int16>,
        output: UnsafeMutableBufferPointer<Int16>
    ) {
        precondition(
            microphone.count == frameSize && reference.count == frameSize && output.count == frameSize,
            "EchoCanceller.cancel needs \(frameSize) samples in each buffer")
        speex_echo_cancellation(state, microphone.baseAddress, reference.baseAddress, output.baseAddress)
    }

    /// Forgets the learned echo path (`speex_echo_state_reset`), for example after the reference alignment
    /// jumped. The canceller re-converges within a few seconds of far-end speech.
    public func reset() {
        // The reset keeps the sampling-rate-derived settings (checked in mdf.c).
        speex_echo_state_reset(state)
    }

    /// Taps in ``impulseResponse(into:)``'s result (`SPEEX_ECHO_GET_IMPULSE_RESPONSE_SIZE`): the filter
    /// length rounded up to whole frames.
    public var impulseResponseLength: Int {
        var size: Int32 = 0
        guard speex_echo_ctl(state, SPEEX_ECHO_GET_IMPULSE_RESPONSE_SIZE, &size) == 0 else { return 0 }
        return Int(size)
    }

    /// What one unit of ``impulseResponse(into:)`` is worth as a linear gain: speexdsp reports the taps
    /// scaled by 32767 × its FFT size (two frames), so a tap of ``impulseResponseScale`` means the echo
    /// repeats the reference at full amplitude.
    public var impulseResponseScale: Double { 32_767 * Double(2 * frameSize) }

    /// Writes the filter's current impulse response estimate (`SPEEX_ECHO_GET_IMPULSE_RESPONSE`), one value
    /// per tap (see ``impulseResponseScale``), into `taps`, which must hold ``impulseResponseLength``
    /// values. Never allocates; costs about one frame's cancellation (one inverse FFT per filter block).
    public func impulseResponse(into taps: UnsafeMutableBufferPointer<Int32>) {
        precondition(taps.count >= impulseResponseLength, "EchoCanceller.impulseResponse(into:) needs \(impulseResponseLength) values")
        _ = speex_echo_ctl(state, SPEEX_ECHO_GET_IMPULSE_RESPONSE, taps.baseAddress)
    }

    /// The filter's current impulse response estimate (`SPEEX_ECHO_GET_IMPULSE_RESPONSE`), one value per
    /// tap, for diagnostics such as locating the direct path. Allocates; not for real-time threads.
    public func impulseResponse() -> [Int32] {
        var size: Int32 = 0
        guard speex_echo_ctl(state, SPEEX_ECHO_GET_IMPULSE_RESPONSE_SIZE, &size) == 0, size > 0 else { return [] }
        var taps = [Int32](repeating: 0, count: Int(size))
        let result = taps.withUnsafeMutableBufferPointer { speex_echo_ctl(state, SPEEX_ECHO_GET_IMPULSE_RESPONSE, $0.baseAddress) }
        return result == 0 ? taps : []
    }
}

@available(*, unavailable, message: "speexdsp state must be used from one thread at a time")
extension EchoCanceller: Sendable {}
