// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

import Foundation

/// A synthetic speaker-to-microphone path for echo tests: a mildly saturating speaker, a bulk delay, a
/// direct path with a little low-pass, a few early reflections and a sparse exponentially decaying tail.
///
/// Reproducible from ``seed``. The tail is sparse (about two reflections per ms) so applying it stays
/// cheap in debug builds, yet it is long and dense enough that the canceller must model it.
public struct SyntheticRoom: Sendable {
    /// Samples per second of the signals the room is applied to.
    public var sampleRate = 16_000
    /// Time from the speaker to the direct sound at the microphone, in ms.
    public var delayMilliseconds: Double = 20
    /// Time for the tail to decay by 60 dB, in ms (also the tail's length).
    public var reverberationMilliseconds: Double = 250
    /// Gain of the direct path (speaker level at the microphone).
    public var directGain: Float = 0.5
    /// Tail level at its start relative to the direct path.
    public var tailGain: Float = 0.25
    /// Reflections per ms in the tail.
    public var reflectionsPerMillisecond: Double = 2
    /// Speaker saturation drive: the speaker plays tanh(drive·x)/drive; 0 is linear.
    public var saturationDrive: Float = 1.5
    /// Seed for the reflections.
    public var seed: UInt64 = 7

    /// A room with the defaults (20 ms, 250 ms tail, mild saturation).
    public init() {}

    /// The impulse response as (delay in samples, gain) taps.
    public func taps() -> [(delay: Int, gain: Float)] {
        var random = SeededRandom(seed: seed)
        let perMillisecond = Double(sampleRate) / 1000
        let direct = Int((delayMilliseconds * perMillisecond).rounded())
        var taps: [(delay: Int, gain: Float)] = [
            (direct, directGain * 0.55), (direct + 1, directGain * 0.3), (direct + 2, directGain * 0.15),
        ]
        // Early reflections off the box and the table: 1 to 10 ms after the direct sound.
        for _ in 0..<6 {
            let delay = direct + Int(Double.random(in: 1...10, using: &random) * perMillisecond)
            let sign: Float = Bool.random(using: &random) ? 1 : -1
            taps.append((delay, sign * directGain * Float.random(in: 0.15...0.4, using: &random)))
        }
        let count = Int(reverberationMilliseconds * reflectionsPerMillisecond)
        for _ in 0..<count {
            let milliseconds = Double.random(in: 2...reverberationMilliseconds, using: &random)
            let envelope = Float(pow(10, -3 * milliseconds / reverberationMilliseconds))
            let delay = direct + Int(milliseconds * perMillisecond)
            taps.append((delay, directGain * tailGain * envelope * random.gaussian()))
        }
        return taps
    }

    /// Plays `signal` through the speaker into the room; the result has the same length.
    public func apply(_ signal: [Float]) -> [Float] {
        let played: [Float]
        if saturationDrive > 0 {
            let drive = saturationDrive
            played = signal.map { tanh(drive * $0) / drive }
        } else {
            played = signal
        }
        var output = [Float](repeating: 0, count: signal.count)
        let taps = taps()
        played.withUnsafeBufferPointer { input in
            output.withUnsafeMutableBufferPointer { out in
                for tap in taps where tap.delay < input.count {
                    let gain = tap.gain
                    let count = input.count - tap.delay
                    let source = input.baseAddress!
                    let destination = out.baseAddress! + tap.delay
                    for index in 0..<count { destination[index] += gain * source[index] }
                }
            }
        }
        return output
    }
}
