// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

import AudioFrontEnd
import Foundation

/// A deterministic speech-like test signal for the audio benchmark, so it needs no speech synthesiser:
/// a glottal pulse train through two vowel formants, in syllables with pauses. The far end is made at
/// 24 kHz; the microphone hears it through a small room (20 ms, a 150 ms decaying tail), plus a near-end
/// talker in the second half and low noise.
struct AudioBenchSignal {
    /// The far end as the Live API sends it.
    var reference24k: [Int16]
    /// The far end at 16 kHz (the front end's reference, already aligned).
    var reference16k: [Int16]
    /// The microphone at 16 kHz.
    var microphone: [Int16]

    static func make(seconds: Double) throws -> AudioBenchSignal {
        var random = SplitMix(seed: 1)
        let far24k = speechLike(seconds: seconds, rate: 24_000, pitch: 120, random: &random)
        let reference24k = far24k.map { Int16(max(-32_768, min(32_767, $0 * 32_768))) }
        let resampler = try ReferenceResampler(inputRate: 24_000, outputRate: 16_000)
        var reference16k = [Int16](repeating: 0, count: resampler.maximumOutputCount(forInputCount: reference24k.count) + resampler.latency + 2)
        var produced = 0
        reference16k.withUnsafeMutableBufferPointer { output in
            reference24k.withUnsafeBufferPointer { produced = resampler.resample($0, into: output) }
            produced += resampler.flush(into: UnsafeMutableBufferPointer(rebasing: output[produced...]))
        }
        let count = Int(seconds * 16_000)
        reference16k = Array(reference16k[0..<min(produced, count)]) + [Int16](repeating: 0, count: max(0, count - produced))

        // Room: direct path at 20 ms, then a sparse tail decaying 60 dB over 150 ms.
        var taps: [(Int, Float)] = [(320, 0.5), (321, 0.2)]
        for _ in 0..<150 {
            let milliseconds = Double.random(in: 1...150, using: &random)
            let gain = Float(0.15 * pow(10, -3 * milliseconds / 150)) * (Bool.random(using: &random) ? 1 : -1)
            taps.append((320 + Int(milliseconds * 16), gain))
        }
        var microphone = [Float](repeating: 0, count: count)
        for (delay, gain) in taps where delay < count {
            for index in delay..<count { microphone[index] += gain * Float(reference16k[index - delay]) / 32_768 }
        }
        let near = speechLike(seconds: seconds / 2, rate: 16_000, pitch: 210, random: &random)
        for index in near.indices { microphone[count - near.count + index] += 0.5 * near[index] }
        for index in 0..<count { microphone[index] += Float.random(in: -0.001...0.001, using: &random) }
        return AudioBenchSignal(
            reference24k: reference24k, reference16k: reference16k,
            microphone: microphone.map { Int16(max(-32_768, min(32_767, ($0 * 32_768).rounded()))) })
    }

    /// Syllables of 150–250 ms with random vowels, grouped into phrases separated by pauses.
    private static func speechLike(seconds: Double, rate: Int, pitch: Double, random: inout SplitMix) -> [Float] {
        let count = Int(seconds * Double(rate))
        var output = [Float](repeating: 0, count: count)
        let vowels: [(Double, Double)] = [(730, 1090), (270, 2290), (530, 1840), (300, 870), (640, 1190), (490, 1350)]
        var position = 0
        var phase = 0.0
        var resonators = [(Double, Double, Double, Double)](repeating: (0, 0, 0, 0), count: 2)
        while position < count {
            if Double.random(in: 0..<1, using: &random) < 0.15 {
                position += Int(Double.random(in: 0.2...0.8, using: &random) * Double(rate))
                continue
            }
            let length = Int(Double.random(in: 0.15...0.25, using: &random) * Double(rate))
            let vowel = vowels[Int.random(in: 0..<vowels.count, using: &random)]
            let f0 = pitch * Double.random(in: 0.85...1.15, using: &random)
            var coefficients: [(Double, Double)] = []
            for formant in [vowel.0, vowel.1] {
                let r = exp(-Double.pi * 100 / Double(rate))
                coefficients.append((2 * r * cos(2 * Double.pi * formant / Double(rate)), -r * r))
            }
            for index in 0..<length where position + index < count {
                phase += f0 / Double(rate)
                var excitation = Double.random(in: -0.05...0.05, using: &random)
                if phase >= 1 {
                    phase -= 1
                    excitation += 1
                }
                var signal = excitation
                for stage in 0..<2 {
                    let (a1, a2) = coefficients[stage]
                    let y = signal + a1 * resonators[stage].0 + a2 * resonators[stage].1
                    resonators[stage].1 = resonators[stage].0
                    resonators[stage].0 = y
                    signal = y
                }
                let envelope = sin(Double.pi * Double(index) / Double(length))
                output[position + index] = Float(signal * envelope * envelope * 0.002)
            }
            position += length
        }
        let peak = output.map { abs($0) }.max() ?? 1
        return output.map { $0 / max(peak, 1e-9) * 0.5 }
    }
}

/// SplitMix64, for a reproducible signal.
struct SplitMix: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
