// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Echo return loss enhancement (ERLE): how much quieter the processed output is than the microphone
/// over the frames the caller selects, normally those where the far end plays and the near end is silent
/// (so everything in the microphone is echo and noise).
///
/// ERLE = 10·log10(Σ microphone² / Σ output²) over the selected frames, energies summed first (loud
/// frames weigh more, as the ear hears them). Compare each output frame with the microphone frame it came
/// from (``AudioFrontEnd/latency`` earlier).
public struct EchoMetrics: Sendable, Equatable {
    /// Frames accumulated.
    public private(set) var frames = 0
    /// Sum of squared microphone samples (full scale = 32768).
    public private(set) var microphoneEnergy: Double = 0
    /// Sum of squared output samples.
    public private(set) var outputEnergy: Double = 0

    /// An empty accumulator.
    public init() {}

    /// Adds one frame: the microphone samples and the processed samples made from them.
    public mutating func add(microphone: UnsafeBufferPointer<Int16>, output: UnsafeBufferPointer<Int16>) {
        add(microphoneEnergy: Self.energy(microphone), outputEnergy: Self.energy(output))
    }

    /// Adds one frame given as energies (sums of squared samples).
    public mutating func add(microphoneEnergy: Double, outputEnergy: Double) {
        frames += 1
        self.microphoneEnergy += microphoneEnergy
        self.outputEnergy += outputEnergy
    }

    /// ERLE in dB, or `nil` before any frame with energy. A silent output counts as 1 LSB² per frame, so
    /// the figure stays finite.
    public var erle: Double? {
        guard frames > 0, microphoneEnergy > 0 else { return nil }
        return 10 * log10(microphoneEnergy / max(outputEnergy, Double(frames)))
    }

    /// Sum of squared samples. Never allocates.
    public static func energy(_ samples: UnsafeBufferPointer<Int16>) -> Double {
        var sum: Double = 0
        for sample in samples {
            let value = Double(sample)
            sum += value * value
        }
        return sum
    }

    /// RMS level in dBFS of `count` samples whose squares sum to `energy`; -120 for silence.
    public static func decibelsFullScale(energy: Double, count: Int) -> Double {
        guard count > 0, energy > 0 else { return -120 }
        let meanSquare = energy / Double(count) / (32_768.0 * 32_768.0)
        return max(-120, 10 * log10(meanSquare))
    }

    /// RMS level in dBFS of `samples`; -120 for silence.
    public static func level(_ samples: UnsafeBufferPointer<Int16>) -> Double {
        decibelsFullScale(energy: energy(samples), count: samples.count)
    }
}
