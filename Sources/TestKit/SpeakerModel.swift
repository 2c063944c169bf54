// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

import Foundation

/// What a cheap loudspeaker does to the far-end signal before it reaches the room: the amplifier clips
/// (hard or soft) and the small driver band-limits. Applied at the playback rate, so clipping products
/// above the microphone's band alias or get filtered as they would on a board.
public struct SpeakerModel: Sendable, Equatable, CustomStringConvertible {
    /// The amplifier's saturation.
    public enum Clipping: Sendable, Equatable {
        /// A linear amplifier.
        case none
        /// Hard clipping at ±level (full scale 1).
        case hard(level: Float)
        /// Soft clipping: level·tanh(x / level).
        case soft(level: Float)
    }

    /// The amplifier's saturation.
    public var clipping: Clipping
    /// A small driver's response: a resonant high-pass at 300 Hz and a low-pass at 6 kHz.
    public var smallDriver: Bool

    /// A speaker with the given clipping and response.
    public init(clipping: Clipping = .none, smallDriver: Bool = false) {
        self.clipping = clipping
        self.smallDriver = smallDriver
    }

    public var description: String {
        var parts: [String] = []
        switch clipping {
        case .none: break
        case .hard(let level): parts.append("hard clip \(String(format: "%.2f", level))")
        case .soft(let level): parts.append("soft clip \(String(format: "%.2f", level))")
        }
        if smallDriver { parts.append("small driver") }
        return parts.isEmpty ? "linear" : parts.joined(separator: ", ")
    }

    /// `signal` (at `sampleRate`) as the speaker plays it.
    public func apply(_ signal: [Float], sampleRate: Int) -> [Float] {
        var output: [Float]
        switch clipping {
        case .none: output = signal
        case .hard(let level): output = signal.map { max(-level, min(level, $0)) }
        case .soft(let level): output = signal.map { level * tanh($0 / level) }
        }
        if smallDriver {
            var highPass = Biquad.highPass(frequency: 300, q: 1.1, sampleRate: Double(sampleRate))
            var lowPass = Biquad.lowPass(frequency: 6_000, q: 0.7, sampleRate: Double(sampleRate))
            output = output.map { lowPass.process(highPass.process($0)) }
        }
        return output
    }
}

/// A second-order IIR section (RBJ audio EQ cookbook), direct form I in double precision.
struct Biquad {
    private var b0, b1, b2, a1, a2: Double
    private var x1 = 0.0, x2 = 0.0, y1 = 0.0, y2 = 0.0

    private init(b0: Double, b1: Double, b2: Double, a0: Double, a1: Double, a2: Double) {
        self.b0 = b0 / a0
        self.b1 = b1 / a0
        self.b2 = b2 / a0
        self.a1 = a1 / a0
        self.a2 = a2 / a0
    }

    static func highPass(frequency: Double, q: Double, sampleRate: Double) -> Biquad {
        let w = 2 * Double.pi * frequency / sampleRate
        let alpha = sin(w) / (2 * q)
        let c = cos(w)
        return Biquad(b0: (1 + c) / 2, b1: -(1 + c), b2: (1 + c) / 2, a0: 1 + alpha, a1: -2 * c, a2: 1 - alpha)
    }

    static func lowPass(frequency: Double, q: Double, sampleRate: Double) -> Biquad {
        let w = 2 * Double.pi * frequency / sampleRate
        let alpha = sin(w) / (2 * q)
        let c = cos(w)
        return Biquad(b0: (1 - c) / 2, b1: 1 - c, b2: (1 - c) / 2, a0: 1 + alpha, a1: -2 * c, a2: 1 - alpha)
    }

    mutating func process(_ sample: Float) -> Float {
        let x = Double(sample)
        let y = b0 * x + b1 * x1 + b2 * x2 - a1 * y1 - a2 * y2
        x2 = x1
        x1 = x
        y2 = y1
        y1 = y
        return Float(y)
    }
}
