// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

internal import SpeexDSP

extension AudioSignal {
    /// `samples` converted from `inputRate` to `outputRate` by speexdsp's resampler at `quality`, with the
    /// filter delay removed (`speex_resampler_skip_zeros`) and the tail flushed, so output sample `n` is the
    /// input at time `n / outputRate` and the result lasts as long as the input.
    ///
    /// Quality 5 with 16-bit samples is exactly what the engine's `ReferenceResampler` does to the far end;
    /// quality 10 stands in for the analogue path (a DAC and an ADC).
    public static func resampled(_ samples: [Float], from inputRate: Int, to outputRate: Int, quality: Int = 10) -> [Float] {
        float(resampled(int16(samples), from: inputRate, to: outputRate, quality: quality))
    }

    /// The same conversion on 16-bit samples.
    public static func resampled(_ samples: [Int16], from inputRate: Int, to outputRate: Int, quality: Int = 10) -> [Int16] {
        if inputRate == outputRate { return samples }
        guard let resampler = try? Resampler(inputRate: inputRate, outputRate: outputRate, quality: quality) else {
            preconditionFailure("speexdsp refused \(inputRate) Hz → \(outputRate) Hz at quality \(quality)")
        }
        resampler.skipZeros()
        let input = samples + [Int16](repeating: 0, count: resampler.inputLatency + 1)
        var output = [Int16](repeating: 0, count: resampler.maximumOutputCount(forInputCount: input.count))
        var consumed = 0
        var produced = 0
        input.withUnsafeBufferPointer { source in
            output.withUnsafeMutableBufferPointer { destination in
                while consumed < source.count {
                    let step = resampler.process(
                        input: UnsafeBufferPointer(rebasing: source[consumed...]),
                        output: UnsafeMutableBufferPointer(rebasing: destination[produced...]))
                    if step.consumed == 0 && step.produced == 0 { break }
                    consumed += step.consumed
                    produced += step.produced
                }
            }
        }
        let wanted = samples.count * outputRate / inputRate
        return Array(output[0..<min(produced, wanted)])
    }
}
