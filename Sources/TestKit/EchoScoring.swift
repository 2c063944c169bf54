// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

import Foundation

/// How well an echo canceller did on one ``EchoRecording``.
public struct EchoScore: Sendable, Equatable {
    /// Echo return loss enhancement over the far-end-only frames after the start: microphone energy over
    /// output energy, energies summed first, in dB. Noise counts as part of what should go.
    public var erle: Double
    /// The 10 ms frames ERLE was measured over.
    public var erleFrames: Int
    /// Signal-to-distortion ratio of the output against the clean near end over the double-talk frames,
    /// after the best 32-tap linear fit, in dB; `nil` without double talk.
    public var doubleTalkSDR: Double?
    /// The 10 ms frames of double talk.
    public var doubleTalkFrames: Int
    /// Share of 10 ms frames after the start where the VAD agreed with the near end's truth; `nil` when
    /// the canceller has no VAD.
    public var vadAccuracy: Double?
    /// Share of the near end's speech frames (after the start) the VAD missed.
    public var vadMissRate: Double?
    /// Share of the frames without near-end speech (after the start) the VAD called speech.
    public var vadFalseAlarmRate: Double?

    /// A score; see the properties.
    public init(
        erle: Double, erleFrames: Int, doubleTalkSDR: Double?, doubleTalkFrames: Int, vadAccuracy: Double?,
        vadMissRate: Double? = nil, vadFalseAlarmRate: Double? = nil
    ) {
        self.erle = erle
        self.erleFrames = erleFrames
        self.doubleTalkSDR = doubleTalkSDR
        self.doubleTalkFrames = doubleTalkFrames
        self.vadAccuracy = vadAccuracy
        self.vadMissRate = vadMissRate
        self.vadFalseAlarmRate = vadFalseAlarmRate
    }
}

/// The corpus's scoring, the same for every canceller, so every table compares like with like.
public enum EchoScoring {
    /// Frames before this (2 s) are left out of ERLE and VAD accuracy: any canceller needs a start.
    public static let startFrames = 200
    /// Taps of the linear fit from the clean near end to the output in the double-talk SDR.
    public static let fitTaps = 32

    /// Scores `output` (time-aligned with the microphone: any processing lag already removed) and, if the
    /// canceller has one, its VAD decision per 10 ms frame.
    public static func score(_ recording: EchoRecording, output: [Int16], vad: [Bool]?) -> EchoScore {
        let grid = EchoRecording.gridSamples
        let truth = recording.truth
        let frames = min(truth.count, output.count / grid)

        var microphoneEnergy: Double = 0
        var outputEnergy: Double = 0
        let erleFrames = truth.farEndOnly(from: startFrames).filter { $0 < frames }
        for frame in erleFrames {
            for index in frame * grid..<(frame + 1) * grid {
                let m = Double(recording.microphone[index]), o = Double(output[index])
                microphoneEnergy += m * m
                outputEnergy += o * o
            }
        }
        let erle = 10 * log10(max(microphoneEnergy, 1) / max(outputEnergy, Double(max(1, erleFrames.count))))

        let doubleTalk = truth.doubleTalk(from: 0).filter { $0 < frames }
        var ranges: [Range<Int>] = []
        for frame in doubleTalk {
            let range = frame * grid..<(frame + 1) * grid
            if let last = ranges.last, last.upperBound == range.lowerBound {
                ranges[ranges.count - 1] = last.lowerBound..<range.upperBound
            } else {
                ranges.append(range)
            }
        }
        let sdr = AudioMeasurement.signalToDistortionRatio(
            output: AudioSignal.float(output), reference: recording.nearEnd, ranges: ranges, taps: fitTaps)

        var accuracy: Double?
        var missRate: Double?
        var falseAlarmRate: Double?
        if let vad {
            let judged = startFrames..<min(frames, vad.count)
            let correct = judged.filter { vad[$0] == truth.nearEndSpeech[$0] }.count
            accuracy = judged.isEmpty ? nil : Double(correct) / Double(judged.count)
            let speech = judged.filter { truth.nearEndSpeech[$0] }
            let silence = judged.filter { !truth.nearEndSpeech[$0] }
            if !speech.isEmpty { missRate = Double(speech.filter { !vad[$0] }.count) / Double(speech.count) }
            if !silence.isEmpty { falseAlarmRate = Double(silence.filter { vad[$0] }.count) / Double(silence.count) }
        }
        return EchoScore(
            erle: erle, erleFrames: erleFrames.count, doubleTalkSDR: sdr, doubleTalkFrames: doubleTalk.count,
            vadAccuracy: accuracy, vadMissRate: missRate, vadFalseAlarmRate: falseAlarmRate)
    }
}
