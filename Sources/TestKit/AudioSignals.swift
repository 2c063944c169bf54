// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

import Foundation

/// A reproducible random number generator (SplitMix64), so generated test audio is the same every run.
public struct SeededRandom: RandomNumberGenerator, Sendable {
    private var state: UInt64

    /// Starts the sequence at `seed`.
    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A standard normal sample (Box–Muller).
    public mutating func gaussian() -> Float {
        let u1 = Double.random(in: Double.ulpOfOne..<1, using: &self)
        let u2 = Double.random(in: 0..<1, using: &self)
        return Float((-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2))
    }
}

/// Signal helpers for audio tests: noise, levels, conversions. Samples are `Float`, full scale ±1.
public enum AudioSignal {
    /// Gaussian white noise with the given RMS.
    public static func whiteNoise(count: Int, rms: Float, random: inout SeededRandom) -> [Float] {
        (0..<count).map { _ in random.gaussian() * rms }
    }

    /// Pink (1/f) noise with the given RMS, from Paul Kellet's filter on white noise.
    public static func pinkNoise(count: Int, rms: Float, random: inout SeededRandom) -> [Float] {
        var b0: Float = 0, b1: Float = 0, b2: Float = 0, b3: Float = 0, b4: Float = 0, b5: Float = 0, b6: Float = 0
        var output = [Float](repeating: 0, count: count)
        for index in 0..<count {
            let white = random.gaussian()
            b0 = 0.99886 * b0 + white * 0.0555179
            b1 = 0.99332 * b1 + white * 0.0750759
            b2 = 0.96900 * b2 + white * 0.1538520
            b3 = 0.86650 * b3 + white * 0.3104856
            b4 = 0.55000 * b4 + white * 0.5329522
            b5 = -0.7616 * b5 - white * 0.0168980
            output[index] = b0 + b1 + b2 + b3 + b4 + b5 + b6 + white * 0.5362
            b6 = white * 0.115926
        }
        return scaled(output, toRMS: rms)
    }

    /// RMS of `samples` (optionally of a range).
    public static func rms(_ samples: [Float], in range: Range<Int>? = nil) -> Float {
        let range = range ?? 0..<samples.count
        guard !range.isEmpty else { return 0 }
        var sum: Double = 0
        for index in range { sum += Double(samples[index]) * Double(samples[index]) }
        return Float((sum / Double(range.count)).squareRoot())
    }

    /// RMS over the active frames only: those within `floorDecibels` of the loudest 10 ms frame, as
    /// speech levels are usually quoted (ITU-T P.56 in spirit).
    public static func activeRMS(_ samples: [Float], frameSize: Int = 160, floorDecibels: Float = 30) -> Float {
        let energies = frameEnergies(samples, frameSize: frameSize)
        guard let loudest = energies.max(), loudest > 0 else { return 0 }
        let threshold = loudest * Double(pow(10, -floorDecibels / 10))
        let active = energies.filter { $0 >= threshold }
        return Float((active.reduce(0, +) / Double(active.count)).squareRoot())
    }

    /// Mean square of each frame of `frameSize` samples (the last partial frame is dropped).
    public static func frameEnergies(_ samples: [Float], frameSize: Int) -> [Double] {
        stride(from: 0, to: samples.count - frameSize + 1, by: frameSize).map { start in
            var sum: Double = 0
            for index in start..<start + frameSize { sum += Double(samples[index]) * Double(samples[index]) }
            return sum / Double(frameSize)
        }
    }

    /// `samples` multiplied so that their RMS (or active RMS) is `rms`.
    public static func scaled(_ samples: [Float], toRMS rms: Float, active: Bool = false) -> [Float] {
        let current = active ? activeRMS(samples) : self.rms(samples)
        guard current > 0 else { return samples }
        let gain = rms / current
        return samples.map { $0 * gain }
    }

    /// Linear amplitude for a level in dBFS.
    public static func amplitude(decibels: Float) -> Float { pow(10, decibels / 20) }

    /// Level in dBFS for an RMS amplitude.
    public static func decibels(_ rms: Float) -> Float { rms > 0 ? 20 * log10(rms) : -200 }

    /// `count` zeros: `seconds` of silence at `sampleRate`.
    public static func silence(seconds: Double, sampleRate: Int) -> [Float] {
        [Float](repeating: 0, count: Int(seconds * Double(sampleRate)))
    }

    /// Element-wise sum; the result is as long as the longer input.
    public static func mix(_ a: [Float], _ b: [Float]) -> [Float] {
        var output = a.count >= b.count ? a : b
        let other = a.count >= b.count ? b : a
        for index in other.indices { output[index] += other[index] }
        return output
    }

    /// `samples` placed at `offset` in a signal of `length` samples of silence.
    public static func placed(_ samples: [Float], at offset: Int, length: Int) -> [Float] {
        var output = [Float](repeating: 0, count: length)
        for index in samples.indices where offset + index < length && offset + index >= 0 {
            output[offset + index] = samples[index]
        }
        return output
    }

    /// Quantises to 16-bit with clipping.
    public static func int16(_ samples: [Float]) -> [Int16] {
        samples.map { Int16(max(-32_768, min(32_767, ($0 * 32_768).rounded()))) }
    }

    /// Converts 16-bit samples to full scale ±1.
    public static func float(_ samples: [Int16]) -> [Float] {
        samples.map { Float($0) / 32_768 }
    }
}
