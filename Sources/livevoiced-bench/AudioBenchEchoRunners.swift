// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

import AudioFrontEnd
import Foundation
import SpeexDSP
import TestKit

/// A canceller the `aec` bench runs on the corpus.
enum EchoVariant: CustomStringConvertible {
    /// speexdsp as its own example uses it: 10 ms frames, a 2048-tap filter, the preprocessor attached with
    /// its defaults, the sampling rate set; the reference given as played (`toldDelay` false) or delayed by
    /// the condition's unannounced delay.
    case rawSpeex(toldDelay: Bool)
    /// `AudioFrontEnd` with a configuration; `toldDelay` replaces its reference delay by a fixed one of
    /// the condition's unannounced delay.
    case frontEnd(name: String, FrontEndConfiguration, toldDelay: Bool = false, oracleClipping: Bool = false)

    var description: String {
        switch self {
        case .rawSpeex(let told): return told ? "speex told" : "speex"
        case .frontEnd(let name, _, _, _): return name
        }
    }

    /// Parses `speex`, `speex-told`, `front-end` (the defaults) or `NAME:key=value,key=value` overriding
    /// the defaults (keys: see ``FrontEndOverrides``).
    static func parse(_ text: String) throws -> EchoVariant {
        switch text {
        case "speex": return .rawSpeex(toldDelay: false)
        case "speex-told": return .rawSpeex(toldDelay: true)
        case "front-end": return .frontEnd(name: "front end", FrontEndConfiguration())
        default:
            let parts = text.split(separator: ":", maxSplits: 1).map(String.init)
            guard parts.count == 2 else {
                throw EchoBenchError("variant '\(text)': use speex, speex-told, front-end or NAME:key=value,...")
            }
            var configuration = FrontEndConfiguration()
            var told = false
            var oracle = false
            for assignment in parts[1].split(separator: ",") {
                let pair = assignment.split(separator: "=", maxSplits: 1).map(String.init)
                guard pair.count == 2 else { throw EchoBenchError("variant '\(text)': '\(assignment)' is not key=value") }
                if pair == ["delay", "told"] {
                    told = true
                    continue
                }
                if pair == ["oracle", "clip"] {
                    oracle = true
                    continue
                }
                try FrontEndOverrides.apply(key: pair[0], value: pair[1], to: &configuration)
            }
            return .frontEnd(name: parts[0], configuration, toldDelay: told, oracleClipping: oracle)
        }
    }
}

/// A bench failure with what to change.
struct EchoBenchError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// `key=value` settings a bench variant can change from the front end's defaults.
enum FrontEndOverrides {
    static let keys = [
        "frameMs", "filterMs", "delay (auto, told or ms)", "noise", "echo", "echoActive", "doubleTalk (dB or off)",
        "vadStart", "vadContinue", "vadMargin", "vadHangover", "saturation (on or off)", "gate (dB or off)",
    ]

    static func apply(key: String, value: String, to configuration: inout FrontEndConfiguration) throws {
        func int() throws -> Int {
            guard let number = Int(value) else { throw EchoBenchError("\(key)=\(value): expected a whole number") }
            return number
        }
        func double() throws -> Double {
            guard let number = Double(value) else { throw EchoBenchError("\(key)=\(value): expected a number") }
            return number
        }
        switch key {
        case "frameMs":
            guard let duration = FrontEndConfiguration.FrameDuration(rawValue: try int()) else {
                throw EchoBenchError("frameMs must be 10 or 20")
            }
            configuration.frameDuration = duration
        case "filterMs": configuration.filterLengthMilliseconds = try int()
        case "delay":
            configuration.referenceDelay = value == "auto" ? .automatic : .fixed(milliseconds: try int())
        case "noise": configuration.noiseSuppressionDecibels = try int()
        case "echo": configuration.echoSuppressionDecibels = try int()
        case "echoActive": configuration.echoSuppressionActiveDecibels = try int()
        case "doubleTalk": configuration.doubleTalkThresholdDecibels = value == "off" ? nil : try double()
        case "vadStart": configuration.vadStartProbability = try int()
        case "vadContinue": configuration.vadContinueProbability = try int()
        case "vadMargin": configuration.vadLevelMarginDecibels = try double()
        case "vadHangover": configuration.vadHangoverMilliseconds = try int()
        case "gate": configuration.echoGateDecibels = value == "off" ? nil : try double()
        case "saturation": configuration.saturationCompensation = value == "on"
        default: throw EchoBenchError("unknown setting '\(key)'; known: \(keys.joined(separator: ", "))")
        }
    }
}

/// One variant's run over one recording.
struct EchoRun {
    /// Time-aligned with the microphone.
    var output: [Int16]
    /// Per 10 ms, when the variant has a VAD.
    var vad: [Bool]?
    /// Thread CPU time of the processing alone.
    var cpu: Duration
    /// 10 ms units processed.
    var units: Int
    /// What the front end did about the delay (auto mode), for the notes under the table.
    var note: String?

    var microsecondsPer10Milliseconds: Double {
        let parts = cpu.components
        return (Double(parts.seconds) * 1e6 + Double(parts.attoseconds) / 1e12) / Double(max(units, 1))
    }
}

enum EchoRunner {
    static func run(_ variant: EchoVariant, on recording: EchoRecording) throws -> EchoRun {
        switch variant {
        case .rawSpeex(let told):
            let delay = told ? recording.condition.bulkDelayMilliseconds * 16 : 0
            return try rawSpeex(recording, delay: delay)
        case .frontEnd(_, var configuration, let told, let oracle):
            if told { configuration.referenceDelay = .fixed(milliseconds: recording.condition.bulkDelayMilliseconds) }
            var reference = recording.reference
            if oracle {
                let clipping = SpeakerModel(clipping: recording.condition.speaker.clipping)
                if ProcessInfo.processInfo.environment["ORACLE16"] != nil {
                    reference = AudioSignal.int16(clipping.apply(AudioSignal.float(recording.reference), sampleRate: 16_000))
                } else {
                    let clipped = clipping.apply(AudioSignal.float(recording.farEnd24k), sampleRate: 24_000)
                    reference = AudioSignal.resampled(AudioSignal.int16(clipped), from: 24_000, to: 16_000, quality: 5)
                }
            }
            return try frontEnd(recording, reference: reference, configuration: configuration)
        }
    }

    /// The reference delayed by `delay` samples (zeros in front), as long as the microphone.
    private static func delayed(_ reference: [Int16], by delay: Int, count: Int) -> [Int16] {
        let shifted = [Int16](repeating: 0, count: delay) + reference
        return Array(shifted.prefix(count)) + [Int16](repeating: 0, count: max(0, count - shifted.count))
    }

    private static func rawSpeex(_ recording: EchoRecording, delay: Int) throws -> EchoRun {
        let frame = 160
        let canceller = try EchoCanceller(frameSize: frame, filterLength: 2_048, sampleRate: 16_000)
        let preprocessor = try Preprocessor(frameSize: frame, sampleRate: 16_000)
        try preprocessor.attach(canceller)
        let count = recording.microphone.count / frame * frame
        let reference = delayed(recording.reference, by: delay, count: count + frame)
        let microphone = recording.microphone + [Int16](repeating: 0, count: frame)
        var output = [Int16](repeating: 0, count: count + frame)
        let start = ThreadClock.now()
        microphone.withUnsafeBufferPointer { mic in
            reference.withUnsafeBufferPointer { ref in
                output.withUnsafeMutableBufferPointer { out in
                    for offset in stride(from: 0, to: count + frame, by: frame) {
                        let range = offset..<offset + frame
                        let destination = UnsafeMutableBufferPointer(rebasing: out[range])
                        canceller.cancel(
                            microphone: UnsafeBufferPointer(rebasing: mic[range]),
                            reference: UnsafeBufferPointer(rebasing: ref[range]), output: destination)
                        preprocessor.process(destination)
                    }
                }
            }
        }
        let cpu = ThreadClock.now() - start
        // The preprocessor's output lags one frame.
        return EchoRun(output: Array(output[frame..<frame + count]), vad: nil, cpu: cpu, units: count / 160 + 1, note: nil)
    }

    private static func frontEnd(
        _ recording: EchoRecording, reference given: [Int16], configuration: FrontEndConfiguration
    ) throws -> EchoRun {
        let frontEnd = try AudioFrontEnd(configuration: configuration)
        let frame = frontEnd.frameSize
        let lagFrames = frontEnd.latency / frame
        let count = recording.microphone.count / frame * frame
        let frames = count / frame + lagFrames
        let microphone = recording.microphone + [Int16](repeating: 0, count: frames * frame - recording.microphone.count)
        let reference = delayed(given, by: 0, count: frames * frame)
        var output = [Int16](repeating: 0, count: frames * frame)
        var speech = [Bool](repeating: false, count: frames)
        var realignedAt: [Double] = []
        var delay = frontEnd.delaySamples
        let start = ThreadClock.now()
        microphone.withUnsafeBufferPointer { mic in
            reference.withUnsafeBufferPointer { ref in
                output.withUnsafeMutableBufferPointer { out in
                    for index in 0..<frames {
                        let range = index * frame..<(index + 1) * frame
                        let analysis = frontEnd.process(
                            microphone: UnsafeBufferPointer(rebasing: mic[range]),
                            reference: UnsafeBufferPointer(rebasing: ref[range]),
                            output: UnsafeMutableBufferPointer(rebasing: out[range]))
                        speech[index] = analysis.isSpeech
                        if frontEnd.delaySamples != delay {
                            delay = frontEnd.delaySamples
                            realignedAt.append(Double((index + 1) * frame) / 16_000)
                        }
                    }
                }
            }
        }
        let cpu = ThreadClock.now() - start
        let lag = frontEnd.latency
        let perFrame = frame / 160
        let vad = speech[lagFrames...].flatMap { [Bool](repeating: $0, count: perFrame) }
        var note: String?
        if case .automatic = configuration.referenceDelay {
            let estimate = frontEnd.estimatedEchoDelayMilliseconds.map { String(format: "%.1f ms", $0) } ?? "none"
            note = "echo found at \(estimate) (true \(String(format: "%.1f", recording.condition.echoDelayMilliseconds)) ms), "
                + "\(frontEnd.realignments) re-alignment\(frontEnd.realignments == 1 ? "" : "s")"
                + (realignedAt.isEmpty ? "" : " at " + realignedAt.map { String(format: "%.2f s", $0) }.joined(separator: ", "))
        }
        if let saturation = frontEnd.speakerSaturation {
            note = (note.map { $0 + "; " } ?? "") + String(format: "saturation level %.2f softness %.2f", saturation.level, saturation.softness)
        }
        return EchoRun(
            output: Array(output[lag..<lag + count]), vad: vad, cpu: cpu, units: frames * perFrame, note: note)
    }
}
