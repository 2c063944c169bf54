// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

#if canImport(Glibc)
import Glibc
#endif

/// The echo corpus's figures for `livevoiced audio process`, measured while streaming (fixed memory):
/// ERLE over far-end-only 10 ms frames after a 2 s start and, given the clean near end, the double-talk
/// SDR after a 32-tap least-squares fit and the VAD's accuracy on the 10 ms grid.
///
/// The rules are the corpus scorer's (TestKit's `EchoScoring`): near-end speech is a frame within 35 dB
/// of the near end's loudest frame, gaps of up to 100 ms bridged; "no near end" means no near-end signal
/// within 50 ms. Two differences follow from having recordings rather than their parts: the far end
/// counts as active where the front end's aligned reference is and for 150 ms after (the corpus asks
/// where its echo is audible), and without a near-end file the VAD's "no speech" stands in for "no near
/// end".
struct AudioProcessScore {
    static let gridSamples = 160
    static let startFrames = 200
    static let taps = 32
    static let lead = 8
    /// Frames a decision waits for: the 100 ms bridge looks 10 frames ahead.
    private static let lookahead = 12
    private static let ring = 16
    /// 150 ms: a 300 ms reverberation time's first 30 dB, what the corpus counts as audible echo.
    private static let tailFrames = 15

    struct Figures: Equatable {
        var erle: Double?
        var erleFrames: Int
        var doubleTalkSDR: Double?
        var doubleTalkFrames: Int
        var vadAccuracy: Double?
        var vadMissRate: Double?
        var vadFalseAlarmRate: Double?
        var usedNearEnd: Bool
    }

    private struct Frame {
        var microphoneEnergy: Double = 0
        var outputEnergy: Double = 0
        var vad = false
        var farEnd = false
        var above = false
        var present = false
    }

    private let speechThreshold: Double?
    private var frames = [Frame](repeating: Frame(), count: AudioProcessScore.ring)
    private var outputs = [Double](repeating: 0, count: AudioProcessScore.ring * AudioProcessScore.gridSamples)
    private var nearEnd = [Double](repeating: 0, count: AudioProcessScore.ring * AudioProcessScore.gridSamples)
    private var added = 0
    private var farEndHold = 0
    private var decided = 0
    private var lastAbove = Int.min / 2
    private var lastPresent = Int.min / 2

    private var microphoneSum: Double = 0
    private var outputSum: Double = 0
    private var erleFrames = 0
    private var matrix = [Double](repeating: 0, count: AudioProcessScore.taps * AudioProcessScore.taps)
    private var vector = [Double](repeating: 0, count: AudioProcessScore.taps)
    private var targetEnergy: Double = 0
    private var doubleTalkFrames = 0
    private var lagged = [Double](repeating: 0, count: AudioProcessScore.taps)
    private var judged = 0
    private var correct = 0
    private var speechFrames = 0
    private var missed = 0
    private var silentFrames = 0
    private var falseAlarms = 0

    /// - Parameter nearEndLoudest: the clean near end's loudest 10 ms frame energy (sum of squares), or
    ///   `nil` without a near-end file.
    init(nearEndLoudest: Double?) {
        speechThreshold = nearEndLoudest.map { $0 * pow(10, -3.5) }
    }

    /// Adds one 10 ms frame: the microphone and the time-aligned output (`count` ≤ 160 samples; a short
    /// last frame is padded with silence), the VAD decision and far-end activity for it, and the clean
    /// near end for the same samples when there is one.
    mutating func add(
        microphone: UnsafeBufferPointer<Int16>, output: UnsafeBufferPointer<Int16>, nearEnd near: UnsafeBufferPointer<Int16>?,
        vad: Bool, farEndActive: Bool
    ) {
        let slot = added % Self.ring
        // The echo rings on after the reference stops: count its tail as far-end audio too.
        if farEndActive { farEndHold = Self.tailFrames } else if farEndHold > 0 { farEndHold -= 1 }
        var frame = Frame(vad: vad, farEnd: farEndActive || farEndHold > 0)
        var nearEnergy: Double = 0
        for index in 0..<Self.gridSamples {
            let m = index < microphone.count ? Double(microphone[index]) : 0
            let o = index < output.count ? Double(output[index]) : 0
            let n = near.map { index < $0.count ? Double($0[index]) : 0 } ?? 0
            frame.microphoneEnergy += m * m
            frame.outputEnergy += o * o
            nearEnergy += n * n
            outputs[slot * Self.gridSamples + index] = o
            nearEnd[slot * Self.gridSamples + index] = n
        }
        if let speechThreshold {
            frame.above = nearEnergy >= speechThreshold && nearEnergy > 0
            frame.present = nearEnergy > 1e-12 * Double(Self.gridSamples) * 32_768 * 32_768
        }
        frames[slot] = frame
        added += 1
        while added - decided > Self.lookahead { decideOldest(final: false) }
    }

    /// Decides the frames still waiting and returns the figures.
    mutating func finish() -> Figures {
        while decided < added { decideOldest(final: true) }
        let usedNearEnd = speechThreshold != nil
        var erle: Double?
        if erleFrames > 0, microphoneSum > 0 {
            erle = 10 * log10(microphoneSum / max(outputSum, Double(erleFrames)))
        }
        var accuracy: Double?, missRate: Double?, falseAlarmRate: Double?
        if usedNearEnd, judged > 0 {
            accuracy = Double(correct) / Double(judged)
            missRate = speechFrames > 0 ? Double(missed) / Double(speechFrames) : nil
            falseAlarmRate = silentFrames > 0 ? Double(falseAlarms) / Double(silentFrames) : nil
        }
        return Figures(
            erle: erle, erleFrames: erleFrames, doubleTalkSDR: usedNearEnd ? signalToDistortionRatio() : nil,
            doubleTalkFrames: doubleTalkFrames, vadAccuracy: accuracy, vadMissRate: missRate,
            vadFalseAlarmRate: falseAlarmRate, usedNearEnd: usedNearEnd)
    }

    private func frame(_ index: Int) -> Frame? {
        index >= 0 && index < added && added - index <= Self.ring ? frames[index % Self.ring] : nil
    }

    private mutating func decideOldest(final: Bool) {
        let index = decided
        guard let current = frame(index) else { return }
        decided += 1
        var speech = false
        var present = false
        if speechThreshold != nil {
            var nextAbove: Int?
            var nextPresent: Int?
            for ahead in 1...10 where index + ahead < added {
                guard let later = frame(index + ahead) else { break }
                if nextAbove == nil && later.above { nextAbove = index + ahead }
                if nextPresent == nil && ahead <= 5 && later.present { nextPresent = index + ahead }
            }
            if current.above {
                speech = true
            } else if let nextAbove, nextAbove - lastAbove - 1 <= 10 {
                speech = true
            }
            present = current.present || index - lastPresent <= 5 || nextPresent != nil
            if current.above { lastAbove = index }
            if current.present { lastPresent = index }
        } else {
            // Without the near end, the front end's own VAD says where it is.
            speech = current.vad
            present = current.vad
        }

        if index >= Self.startFrames {
            if current.farEnd && !present {
                microphoneSum += current.microphoneEnergy
                outputSum += current.outputEnergy
                erleFrames += 1
            }
            if speechThreshold != nil {
                judged += 1
                if current.vad == speech { correct += 1 }
                if speech {
                    speechFrames += 1
                    if !current.vad { missed += 1 }
                } else {
                    silentFrames += 1
                    if current.vad { falseAlarms += 1 }
                }
            }
        }
        if speechThreshold != nil && current.farEnd && speech {
            doubleTalkFrames += 1
            accumulateFit(frame: index)
        }
    }

    /// Adds the frame's samples to the normal equations of the fit output[n] ≈ Σ h[j]·near[n + lead − j].
    private mutating func accumulateFit(frame index: Int) {
        let samples = Self.gridSamples
        for offset in 0..<samples {
            let time = index * samples + offset
            guard time + Self.lead - (Self.taps - 1) >= 0 else { continue }
            for j in 0..<Self.taps {
                let source = time + Self.lead - j
                let sourceFrame = source / samples
                guard frame(sourceFrame) != nil else { return }
                lagged[j] = nearEnd[(sourceFrame % Self.ring) * samples + source % samples]
            }
            let target = outputs[(index % Self.ring) * samples + offset]
            targetEnergy += target * target
            for j in 0..<Self.taps {
                vector[j] += lagged[j] * target
                for k in j..<Self.taps { matrix[j * Self.taps + k] += lagged[j] * lagged[k] }
            }
        }
    }

    /// SDR from the normal equations: signal hᵀRh, error Σy² − 2hᵀp + hᵀRh.
    private func signalToDistortionRatio() -> Double? {
        let size = Self.taps
        var full = matrix
        var trace: Double = 0
        for j in 0..<size {
            for k in 0..<j { full[j * size + k] = full[k * size + j] }
            trace += full[j * size + j]
        }
        guard trace > 0 else { return nil }
        for j in 0..<size { full[j * size + j] += 1e-9 * trace / Double(size) }
        guard let filter = Self.solve(full, vector, size: size) else { return nil }
        var signal: Double = 0
        var cross: Double = 0
        for j in 0..<size {
            cross += filter[j] * vector[j]
            for k in 0..<size { signal += filter[j] * full[j * size + k] * filter[k] }
        }
        let error = max(targetEnergy - 2 * cross + signal, 1e-30)
        guard signal > 0 else { return nil }
        return 10 * log10(signal / error)
    }

    /// Cholesky solve of a symmetric positive definite system.
    private static func solve(_ matrix: [Double], _ vector: [Double], size: Int) -> [Double]? {
        var lower = [Double](repeating: 0, count: size * size)
        for i in 0..<size {
            for j in 0...i {
                var sum = matrix[i * size + j]
                for k in 0..<j { sum -= lower[i * size + k] * lower[j * size + k] }
                if i == j {
                    guard sum > 0 else { return nil }
                    lower[i * size + i] = sum.squareRoot()
                } else {
                    lower[i * size + j] = sum / lower[j * size + j]
                }
            }
        }
        var y = [Double](repeating: 0, count: size)
        for i in 0..<size {
            var sum = vector[i]
            for k in 0..<i { sum -= lower[i * size + k] * y[k] }
            y[i] = sum / lower[i * size + i]
        }
        var x = [Double](repeating: 0, count: size)
        for i in stride(from: size - 1, through: 0, by: -1) {
            var sum = y[i]
            for k in i + 1..<size { sum -= lower[k * size + i] * x[k] }
            x[i] = sum / lower[i * size + i]
        }
        return x
    }
}
