// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

import AudioFrontEnd
import Foundation
import SpeexDSP
import TestKit

/// Converts `samples` between rates with speexdsp at the given quality, time-aligned (filter delay removed)
/// and as long as the input in time.
func resample(_ samples: [Float], from inputRate: Int, to outputRate: Int, quality: Int = 10) throws -> [Float] {
    if inputRate == outputRate { return samples }
    let resampler = try Resampler(inputRate: inputRate, outputRate: outputRate, quality: quality)
    resampler.skipZeros()
    let input = AudioSignal.int16(samples) + [Int16](repeating: 0, count: resampler.inputLatency + 1)
    var output = [Int16](repeating: 0, count: resampler.maximumOutputCount(forInputCount: input.count))
    var consumed = 0
    var produced = 0
    input.withUnsafeBufferPointer { source in
        output.withUnsafeMutableBufferPointer { destination in
            while consumed < source.count {
                let step = resampler.process(
                    input: UnsafeBufferPointer(rebasing: source[consumed...]),
                    output: UnsafeMutableBufferPointer(rebasing: destination[produced...]))
                if step.consumed == 0 && step.produced == 0 { break }
                consumed += step.consumed
                produced += step.produced
            }
        }
    }
    let wanted = samples.count * outputRate / inputRate
    return AudioSignal.float(Array(output[0..<min(produced, wanted)]))
}

/// Speech at a given rate, with pauses of `pause` seconds between the sentences.
func speech(_ sentences: [String], voice: String, rate: Int, pause: Double = 0.5, wordsPerMinute: Int = 160) throws -> [Float] {
    var output: [Float] = []
    for sentence in sentences {
        let spoken = try SpeechSynthesizer.synthesize(sentence, voice: voice, wordsPerMinute: wordsPerMinute)
        output += try resample(spoken.samples, from: spoken.sampleRate, to: rate)
        output += AudioSignal.silence(seconds: pause, sampleRate: rate)
    }
    return output
}

let farEndSentences = [
    "Sure, here is the weather for today.",
    "It will be mostly sunny in the morning, with clouds building up in the afternoon.",
    "The temperature will reach twenty three degrees around three o'clock.",
    "There is a small chance of rain in the evening, so you may want to take an umbrella.",
    "Tomorrow looks cooler, with a strong wind from the north west.",
    "Would you like me to set a reminder for your walk?",
    "I can also turn on the lights in the living room when you get home.",
    "Let me know if there is anything else I can help you with today.",
    "By the way, your package is expected to arrive on Thursday morning.",
]

let nearEndSentences = [
    "Wait, stop, what about the weekend?",
    "I am going hiking on Saturday with my brother.",
    "Can you check the forecast for the mountains?",
]

/// One synthetic echo scenario at 16 kHz: the far end played from 0 s, the near end talking over it in
/// a window, the microphone hearing both through a synthetic room, plus pink noise.
struct EchoScenario {
    static let rate = 16_000
    /// The far end as the Live API sends it: espeak-ng's 22.05 kHz resampled to 24 kHz.
    var farEnd24k: [Int16]
    /// The front end's reference: `farEnd24k` through ``ReferenceResampler`` (aligned).
    var reference: [Int16]
    /// What the microphone records.
    var microphone: [Int16]
    /// The echo alone at the microphone.
    var echo: [Float]
    /// The near-end talker alone at the microphone.
    var nearEnd: [Float]

    /// - Parameters:
    ///   - extraDelay: samples of unannounced delay between playback and capture, on top of the room.
    ///   - nearEndStart: where the near end starts talking, in seconds.
    ///   - nearEndLevel: the near end's active speech level relative to the echo's, in dB.
    static func make(
        room: SyntheticRoom = SyntheticRoom(), extraDelay: Int = 0, nearEndStart: Double = 16, nearEndLevel: Float = -6
    ) throws -> EchoScenario {
        let far24k = AudioSignal.scaled(try Cache.farEnd(), toRMS: AudioSignal.amplitude(decibels: -18), active: true)
        let farEnd24k = AudioSignal.int16(far24k)

        let converter = try ReferenceResampler(inputRate: 24_000, outputRate: rate)
        var reference = [Int16](repeating: 0, count: converter.maximumOutputCount(forInputCount: farEnd24k.count) + converter.latency + 2)
        var produced = 0
        reference.withUnsafeMutableBufferPointer { out in
            farEnd24k.withUnsafeBufferPointer { produced = converter.resample($0, into: out) }
            produced += converter.flush(into: UnsafeMutableBufferPointer(rebasing: out[produced...]))
        }
        reference = Array(reference[0..<min(produced, farEnd24k.count * 2 / 3)])

        // The speaker path: a different (better) resampler than the reference's, then the room.
        let played = try resample(AudioSignal.float(farEnd24k), from: 24_000, to: rate, quality: 10)
        var echo = room.apply(played)
        if extraDelay > 0 {
            echo = [Float](repeating: 0, count: extraDelay) + echo.dropLast(extraDelay)
        }
        let length = echo.count
        var random = SeededRandom(seed: 42)
        var near = try Cache.nearEnd()
        near = AudioSignal.scaled(near, toRMS: AudioSignal.activeRMS(echo) * AudioSignal.amplitude(decibels: nearEndLevel), active: true)
        let nearEnd = AudioSignal.placed(near, at: Int(nearEndStart * Double(rate)), length: length)
        let noise = AudioSignal.pinkNoise(count: length, rms: AudioSignal.amplitude(decibels: -62), random: &random)
        let microphone = AudioSignal.int16(AudioSignal.mix(AudioSignal.mix(echo, nearEnd), noise))
        return EchoScenario(
            farEnd24k: farEnd24k, reference: Array(reference[0..<min(reference.count, length)]),
            microphone: microphone, echo: echo, nearEnd: nearEnd)
    }

    /// Synthesised once per test process.
    enum Cache {
        private static let far = Result { try speech(farEndSentences, voice: "en-us", rate: 24_000, pause: 0.6) }
        private static let near = Result { try speech(nearEndSentences, voice: "en-gb+f3", rate: 16_000, pause: 0.4, wordsPerMinute: 170) }
        static func farEnd() throws -> [Float] { try far.get() }
        static func nearEnd() throws -> [Float] { try near.get() }
    }
}

/// The front end's output for a whole signal, time-aligned with the input (its one-frame lag removed),
/// with one analysis per input frame.
struct ProcessedSignal {
    var output: [Int16]
    var analyses: [FrameAnalysis]
    var frontEnd: AudioFrontEnd
    /// The delay in ms after each frame.
    var delays: [Double]
}

func process(_ microphone: [Int16], reference: [Int16], configuration: FrontEndConfiguration) throws -> ProcessedSignal {
    let frontEnd = try AudioFrontEnd(configuration: configuration)
    let frame = frontEnd.frameSize
    let frames = microphone.count / frame + frontEnd.latency / frame
    var output = [Int16](repeating: 0, count: frames * frame)
    var analyses: [FrameAnalysis] = []
    var delays: [Double] = []
    let paddedMic = microphone + [Int16](repeating: 0, count: frames * frame - microphone.count)
    let paddedRef = reference + [Int16](repeating: 0, count: max(0, frames * frame - reference.count))
    paddedMic.withUnsafeBufferPointer { mic in
        paddedRef.withUnsafeBufferPointer { ref in
            output.withUnsafeMutableBufferPointer { out in
                for index in 0..<frames {
                    let range = index * frame..<(index + 1) * frame
                    let analysis = frontEnd.process(
                        microphone: UnsafeBufferPointer(rebasing: mic[range]),
                        reference: UnsafeBufferPointer(rebasing: ref[range]),
                        output: UnsafeMutableBufferPointer(rebasing: out[range]))
                    analyses.append(analysis)
                    delays.append(frontEnd.delayMilliseconds)
                }
            }
        }
    }
    let lag = frontEnd.latency
    let lagFrames = lag / frame
    return ProcessedSignal(
        output: Array(output[lag..<lag + microphone.count / frame * frame]),
        analyses: Array(analyses[lagFrames...]), frontEnd: frontEnd, delays: delays)
}
