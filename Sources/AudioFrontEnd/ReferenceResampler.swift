// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

internal import SpeexDSP

/// Converts the far-end audio as played (24 kHz from the Live API) to the front end's 16 kHz reference,
/// chunk by chunk, as the playback path hands it over.
///
/// The filter delays its output by ``latency`` samples at 16 kHz. With `alignOutput` (the default) that
/// delay is removed at the start (`speex_resampler_skip_zeros`), so output sample `n` is the input at time
/// `n / 16000` s, and the last ``latency`` samples come out only after ``flush(into:)`` (offline use) or
/// with the next chunk (streaming). Without it, callers add ``latency`` to the delay they expect.
///
/// Not `Sendable`; use it from one thread. ``resample(_:into:)`` never allocates.
public final class ReferenceResampler {
    private let resampler: Resampler
    private let zeros: UnsafeMutablePointer<Int16>
    private let zeroCount: Int
    /// Input rate in Hz.
    public let inputRate: Int
    /// Output rate in Hz (16 kHz for the front end).
    public let outputRate: Int
    /// Whether the filter delay was removed at the start.
    public let alignsOutput: Bool

    /// Creates a resampler from `inputRate` to `outputRate`.
    ///
    /// - Parameters:
    ///   - quality: speexdsp quality 0...10; 5 costs about 2 µs per 10 ms and delays 2.5 ms.
    ///   - alignOutput: remove the filter delay from the start of the output (see the type's notes).
    /// - Throws: ``AudioFrontEndError`` for unsupported rates or quality.
    public init(
        inputRate: Int = 24_000, outputRate: Int = FrontEndConfiguration.sampleRate, quality: Int = 5,
        alignOutput: Bool = true
    ) throws(AudioFrontEndError) {
        do throws(SpeexDSPError) {
            resampler = try Resampler(inputRate: inputRate, outputRate: outputRate, quality: quality)
        } catch {
            throw AudioFrontEndError(.invalidConfiguration, error.message)
        }
        self.inputRate = inputRate
        self.outputRate = outputRate
        alignsOutput = alignOutput
        zeroCount = resampler.inputLatency + 1
        zeros = .allocate(capacity: zeroCount)
        zeros.initialize(repeating: 0, count: zeroCount)
        if alignOutput { resampler.skipZeros() }
    }

    deinit {
        zeros.deallocate()
    }

    /// Filter delay in output samples (what ``flush(into:)`` yields when `alignOutput` is on).
    public var latency: Int { resampler.outputLatency }

    /// The largest output `inputCount` input samples can produce; size `output` with it.
    public func maximumOutputCount(forInputCount inputCount: Int) -> Int {
        resampler.maximumOutputCount(forInputCount: inputCount)
    }

    /// Resamples all of `input` into the start of `output` and returns how many samples were written.
    /// `output` must hold at least ``maximumOutputCount(forInputCount:)`` samples. Never allocates.
    public func resample(_ input: UnsafeBufferPointer<Int16>, into output: UnsafeMutableBufferPointer<Int16>) -> Int {
        precondition(
            output.count >= maximumOutputCount(forInputCount: input.count),
            "ReferenceResampler.resample: output holds \(output.count) samples, needs \(maximumOutputCount(forInputCount: input.count))")
        var consumed = 0
        var produced = 0
        while consumed < input.count {
            let result = resampler.process(
                input: UnsafeBufferPointer(rebasing: input[consumed...]),
                output: UnsafeMutableBufferPointer(rebasing: output[produced...]))
            if result.consumed == 0 && result.produced == 0 { break }
            consumed += result.consumed
            produced += result.produced
        }
        return produced
    }

    /// Pushes the samples still inside the filter out by feeding silence, and returns how many were
    /// written (about ``latency``). For the end of a file. `output` needs ``latency`` + 2 samples.
    public func flush(into output: UnsafeMutableBufferPointer<Int16>) -> Int {
        resample(UnsafeBufferPointer(start: zeros, count: zeroCount - 1), into: output)
    }
}

@available(*, unavailable, message: "speexdsp state must be used from one thread at a time")
extension ReferenceResampler: Sendable {}
