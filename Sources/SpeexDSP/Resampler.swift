// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

internal import CSpeexDSP

/// A mono sample-rate converter: owns one speexdsp `SpeexResamplerState` and frees it in `deinit`.
///
/// Converts any rate pair (24 kHz → 16 kHz for the far-end reference, 16 kHz → 48 kHz for a device that
/// refuses 16 kHz, …) with a windowed-sinc filter whose length grows with ``quality``. The filter delays
/// the signal by ``outputLatency`` samples (``inputLatency`` at the input rate); call ``skipZeros()`` once
/// before the first ``process(input:output:)`` to drop that delay, so output sample `n` lines up with input
/// time `n / outputRate`, and feed ``inputLatency`` zeros at the end to flush the tail.
///
/// Not `Sendable`: the state must be used from one thread at a time. ``process(input:output:)`` never
/// allocates.
public final class Resampler {
    private let state: OpaquePointer
    /// Input sampling rate in Hz.
    public let inputRate: Int
    /// Output sampling rate in Hz.
    public let outputRate: Int
    /// Filter quality, 0 (cheapest, 3 suits VoIP) to 10 (best); 5 is speexdsp's desktop default.
    public let quality: Int

    /// Creates a mono resampler from `inputRate` to `outputRate`.
    ///
    /// - Throws: ``SpeexDSPError/Kind-swift.struct/invalidArgument`` for a rate outside 1000...384000 Hz or
    ///   a quality outside 0...10. The corresponding C call is `speex_resampler_init`.
    public init(inputRate: Int, outputRate: Int, quality: Int = 5) throws(SpeexDSPError) {
        for (name, rate) in [("input", inputRate), ("output", outputRate)] where !(1_000...384_000).contains(rate) {
            throw SpeexDSPError(.invalidArgument, "resampler \(name) rate \(rate) Hz is outside 1000...384000 Hz")
        }
        guard (0...10).contains(quality) else {
            throw SpeexDSPError(.invalidArgument, "resampler quality \(quality) is outside 0...10 (3 for VoIP, 5 for desktop, 10 best)")
        }
        var error: Int32 = 0
        guard let state = speex_resampler_init(1, UInt32(inputRate), UInt32(outputRate), Int32(quality), &error) else {
            throw Self.error(error, "speex_resampler_init(\(inputRate) Hz → \(outputRate) Hz, quality \(quality))")
        }
        self.state = state
        self.inputRate = inputRate
        self.outputRate = outputRate
        self.quality = quality
    }

    deinit {
        speex_resampler_destroy(state)
    }

    /// Samples of delay the filter adds, counted at the input rate (`speex_resampler_get_input_latency`).
    public var inputLatency: Int { Int(speex_resampler_get_input_latency(state)) }

    /// Samples of delay the filter adds, counted at the output rate (`speex_resampler_get_output_latency`).
    public var outputLatency: Int { Int(speex_resampler_get_output_latency(state)) }

    /// The most output samples `inputCount` input samples can produce, for sizing `output`.
    public func maximumOutputCount(forInputCount inputCount: Int) -> Int {
        (inputCount * outputRate + inputRate - 1) / inputRate + 1
    }

    /// Converts as much of `input` as fits into `output`.
    ///
    /// - Returns: how many input samples were consumed and how many output samples were written. With an
    ///   `output` of at least ``maximumOutputCount(forInputCount:)`` samples all input is consumed.
    /// The corresponding C call is `speex_resampler_process_int`. Never allocates.
    public func process(
        input: UnsafeBufferPointer<Int16>, output: UnsafeMutableBufferPointer<Int16>
    ) -> (consumed: Int, produced: Int) {
        guard let outputBase = output.baseAddress, output.count > 0 else { return (0, 0) }
        var inputLength = UInt32(input.count)
        var outputLength = UInt32(output.count)
        let result = speex_resampler_process_int(state, 0, input.baseAddress, &inputLength, outputBase, &outputLength)
        // Errors here mean overlapping or null buffers, which the types above rule out.
        precondition(result == 0, "speex_resampler_process_int failed: \(String(cString: speex_resampler_strerror(result)))")
        return (Int(inputLength), Int(outputLength))
    }

    /// Makes the first output sample correspond to the first input sample, dropping the filter's initial
    /// delay (`speex_resampler_skip_zeros`). Call only before the first ``process(input:output:)`` or right
    /// after ``reset()``.
    public func skipZeros() {
        _ = speex_resampler_skip_zeros(state)
    }

    /// Clears the filter memory (`speex_resampler_reset_mem`), as if no sample had been processed.
    public func reset() {
        _ = speex_resampler_reset_mem(state)
    }

    private static func error(_ code: Int32, _ what: String) -> SpeexDSPError {
        let text = String(cString: speex_resampler_strerror(code))
        if code == Int32(RESAMPLER_ERR_ALLOC_FAILED) {
            return SpeexDSPError(.outOfMemory, "\(what) failed: \(text)", resamplerCode: Int(code))
        }
        return SpeexDSPError(.resampler, "\(what) failed: \(text)", resamplerCode: Int(code))
    }
}

@available(*, unavailable, message: "speexdsp state must be used from one thread at a time")
extension Resampler: Sendable {}
