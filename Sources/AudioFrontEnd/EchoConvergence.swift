// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Decides, frame by frame, whether the echo canceller has converged: while the far end plays and nobody
/// near talks, the processed output must stay well below the microphone (a smoothed echo return loss
/// enhancement of at least ``onDecibels`` over at least ``minimumFarEndSeconds`` of far-end audio).
/// Below ``offDecibels`` (the echo path changed) it counts as unconverged again. Allocation-free.
struct EchoConvergence: Sendable {
    /// ERLE at or above which the canceller counts as converged.
    let onDecibels: Double
    /// ERLE below which it no longer does (hysteresis).
    let offDecibels: Double
    /// Far-end activity needed after a (re)start before convergence can be declared.
    let minimumFarEndSeconds: Double
    private let frameSeconds: Double
    private let smoothing: Double
    private var microphoneEnergy: Double = 0
    private var outputEnergy: Double = 0
    private var farEndSeconds: Double = 0
    private(set) var isConverged = false

    init(frameLength: Int, sampleRate: Int = 16_000, onDecibels: Double = 12, offDecibels: Double = 6,
         minimumFarEndSeconds: Double = 1.0, timeConstantSeconds: Double = 0.5) {
        self.onDecibels = onDecibels
        self.offDecibels = offDecibels
        self.minimumFarEndSeconds = minimumFarEndSeconds
        frameSeconds = Double(frameLength) / Double(sampleRate)
        smoothing = min(1, frameSeconds / timeConstantSeconds)
    }

    /// Feeds one frame: the energies of the microphone and of the output that holds that microphone
    /// audio, whether the far end was active for it, and whether the near end was judged to talk.
    mutating func observe(microphoneEnergy mic: Double, outputEnergy output: Double, farEndActive: Bool, nearEndSpeech: Bool) {
        guard farEndActive, !nearEndSpeech else { return }
        microphoneEnergy += smoothing * (mic - microphoneEnergy)
        outputEnergy += smoothing * (output - outputEnergy)
        farEndSeconds += frameSeconds
        guard farEndSeconds >= minimumFarEndSeconds else { return }
        let erle = 10 * log10((microphoneEnergy + 1) / (outputEnergy + 1))
        if isConverged {
            if erle < offDecibels { isConverged = false }
        } else if erle >= onDecibels {
            isConverged = true
        }
    }

    /// The canceller restarted (a realignment): it has to converge again.
    mutating func reset() {
        microphoneEnergy = 0
        outputEnergy = 0
        farEndSeconds = 0
        isConverged = false
    }
}
