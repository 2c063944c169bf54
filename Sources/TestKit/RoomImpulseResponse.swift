// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

import Foundation

/// A synthetic loudspeaker-to-microphone impulse response: a direct path, a handful of early reflections
/// and a dense exponentially decaying noise tail (the statistical model of a diffuse reverberant field).
///
/// Unlike ``SyntheticRoom`` (a sparse tail, cheap to apply directly) this one is dense, as real rooms are,
/// so the echo canceller must model every tap of it; apply it with ``FastConvolution``. Reproducible
/// from ``seed``.
public struct RoomImpulseResponse: Sendable, Equatable {
    /// Samples per second.
    public var sampleRate = 16_000
    /// Time from the speaker to the direct sound at the microphone, in ms.
    public var directDelayMilliseconds: Double = 20
    /// Time for the tail to decay by 60 dB (RT60), in ms; the response ends there.
    public var reverberationMilliseconds: Double = 250
    /// Energy of the direct path over the energy of everything after it (reflections and tail), in dB.
    public var directToReverberantDecibels: Double = 3
    /// Early reflections, 1–12 ms after the direct sound.
    public var earlyReflections = 6
    /// Seed for the reflections and the tail.
    public var seed: UInt64 = 1

    /// A 20 ms, 250 ms RT60 response.
    public init() {}

    /// A response with the given delay, reverberation time, direct-to-reverberant ratio and seed.
    public init(
        delayMilliseconds: Double, reverberationMilliseconds: Double, directToReverberantDecibels: Double = 3,
        seed: UInt64
    ) {
        self.directDelayMilliseconds = delayMilliseconds
        self.reverberationMilliseconds = reverberationMilliseconds
        self.directToReverberantDecibels = directToReverberantDecibels
        self.seed = seed
    }

    /// The direct path's position in samples.
    public var directDelaySamples: Int { Int((directDelayMilliseconds * Double(sampleRate) / 1000).rounded()) }

    /// The taps, peak direct-path gain 1 before any level scaling.
    public func samples() -> [Float] {
        var random = SeededRandom(seed: seed ^ 0x5EED_0F_A11)
        let perMillisecond = Double(sampleRate) / 1000
        let direct = directDelaySamples
        let length = direct + Int(reverberationMilliseconds * perMillisecond) + 1
        var response = [Double](repeating: 0, count: length)
        // The direct sound through a small speaker and a microphone port: slightly smeared.
        for (offset, gain) in [(0, 1.0), (1, 0.55), (2, 0.2)] where direct + offset < length {
            response[direct + offset] = gain
        }
        let directEnergy = response.reduce(0) { $0 + $1 * $1 }

        var reverberant = [Double](repeating: 0, count: length)
        for _ in 0..<earlyReflections {
            let delay = direct + Int(Double.random(in: 1...12, using: &random) * perMillisecond)
            guard delay < length else { continue }
            let sign: Double = Bool.random(using: &random) ? 1 : -1
            reverberant[delay] += sign * Double.random(in: 0.3...0.8, using: &random)
        }
        // The diffuse tail: Gaussian noise under an exponential envelope (-60 dB at the RT60), building up
        // over the first 3 ms, slightly low-passed (walls absorb the highs first).
        let onset = direct + Int(2 * perMillisecond)
        var smoothed = 0.0
        for index in onset..<length {
            let milliseconds = Double(index - direct) / perMillisecond
            let envelope = pow(10, -3 * milliseconds / reverberationMilliseconds)
            let buildUp = min(1, (milliseconds - 2) / 3)
            smoothed = 0.6 * Double(random.gaussian()) + 0.4 * smoothed
            reverberant[index] += 0.35 * envelope * buildUp * smoothed
        }
        let reverberantEnergy = reverberant.reduce(0) { $0 + $1 * $1 }
        let wanted = directEnergy / pow(10, directToReverberantDecibels / 10)
        let scale = reverberantEnergy > 0 ? (wanted / reverberantEnergy).squareRoot() : 0
        for index in 0..<length { response[index] += scale * reverberant[index] }
        return response.map { Float($0) }
    }
}
