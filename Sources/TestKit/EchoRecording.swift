// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

import Foundation

/// One rendered ``EchoCondition``: what the front end is given (the far end as played and the microphone)
/// and what only the scorer knows (the echo, the near end and the noise apart, and the truth per 10 ms).
///
/// The timeline: the assistant talks from 0.4 s to 70 % of the length, with short pauses between
/// sentences and an abrupt end (as when it is interrupted); the user talks over it twice (at about 23 % and
/// 47 % of the length) and once more alone after it stopped.
public struct EchoRecording: Sendable {
    /// Samples per second of everything at 16 kHz.
    public static let sampleRate = 16_000
    /// Samples of the 10 ms scoring grid.
    public static let gridSamples = 160

    /// The condition rendered.
    public let condition: EchoCondition
    /// The far end as the Live API sends it (24 kHz).
    public let farEnd24k: [Int16]
    /// The far end at 16 kHz as the engine hands it to the front end: `farEnd24k` through speexdsp's
    /// resampler at quality 5 (like `ReferenceResampler`), not delayed.
    public let reference: [Int16]
    /// What the microphone records: echo, near end and noise.
    public let microphone: [Int16]
    /// The echo alone at the microphone.
    public let echo: [Float]
    /// The near-end talker alone at the microphone.
    public let nearEnd: [Float]
    /// The noise alone at the microphone.
    public let noise: [Float]
    /// The truth on the 10 ms grid.
    public let truth: EchoTruth

    /// Renders `condition`. Needs espeak-ng (`scripts/bootstrap`).
    public static func make(_ condition: EchoCondition) throws -> EchoRecording {
        let rate = sampleRate
        let length = Int(condition.seconds * Double(rate))
        var random = SeededRandom(seed: condition.seed)
        let material = condition.material

        // The far end, made at 24 kHz as the Live API sends it.
        let farEndSeconds = 0.7 * condition.seconds
        var far24k: [Float] = AudioSignal.silence(seconds: 0.4, sampleRate: 24_000)
        let sentences = EchoCorpusSpeech.farEndSentences(material)
        var sentence = Int(condition.seed % UInt64(sentences.count))
        while Double(far24k.count) < farEndSeconds * 24_000 {
            let spoken = try EchoCorpusSpeech.speak(sentences[sentence % sentences.count], voice: EchoCorpusSpeech.farEndVoice(material))
            far24k += AudioSignal.resampled(spoken.samples, from: spoken.sampleRate, to: 24_000)
            far24k += AudioSignal.silence(seconds: Double.random(in: 0.25...0.7, using: &random), sampleRate: 24_000)
            sentence += 1
        }
        let farEndEnd = Int(farEndSeconds * 24_000)
        far24k = Array(far24k.prefix(farEndEnd))
        for index in 0..<240 where farEndEnd - 1 - index >= 0 { far24k[farEndEnd - 1 - index] *= Float(index) / 240 }
        far24k = AudioSignal.scaled(far24k, toRMS: AudioSignal.amplitude(decibels: -16), active: true)
        far24k += [Float](repeating: 0, count: max(0, length * 3 / 2 - far24k.count))
        let farEnd24k = AudioSignal.int16(far24k)
        let reference = AudioSignal.resampled(farEnd24k, from: 24_000, to: rate, quality: 5)

        // The echo: the speaker at 24 kHz, the analogue path to 16 kHz, the room, the unannounced delay.
        let played = condition.speaker.apply(AudioSignal.float(farEnd24k), sampleRate: 24_000)
        let atMicrophone = AudioSignal.resampled(played, from: 24_000, to: rate, quality: 10)
        var echo = FastConvolution.apply(atMicrophone, impulseResponse: condition.room.samples())
        let bulk = condition.bulkDelayMilliseconds * rate / 1000
        if bulk > 0 { echo = [Float](repeating: 0, count: bulk) + echo.dropLast(bulk) }
        echo = AudioSignal.scaled(Array(echo.prefix(length)), toRMS: AudioSignal.amplitude(decibels: -26), active: true)
        echo += [Float](repeating: 0, count: max(0, length - echo.count))
        let echoLevel = AudioSignal.activeRMS(echo)

        // The near end: three utterances, two over the far end and one after it.
        let nearSentences = EchoCorpusSpeech.nearEndSentences(material)
        let voices = EchoCorpusSpeech.nearEndVoices(material)
        let voice = voices[Int(condition.seed % UInt64(voices.count))]
        let starts = [0.23 * condition.seconds, 0.47 * condition.seconds, farEndSeconds + 1.2].map {
            $0 + Double.random(in: -0.3...0.3, using: &random)
        }
        var near = [Float](repeating: 0, count: length)
        var first = Int(condition.seed / 3 % UInt64(nearSentences.count))
        for start in starts {
            let spoken = try EchoCorpusSpeech.speak(nearSentences[first % nearSentences.count], voice: voice, wordsPerMinute: 170)
            let utterance = AudioSignal.resampled(spoken.samples, from: spoken.sampleRate, to: rate)
            let offset = Int(start * Double(rate))
            for index in utterance.indices where offset + index < length { near[offset + index] += utterance[index] }
            first += 1
        }
        let nearLevel = echoLevel * AudioSignal.amplitude(decibels: Float(condition.speechToEchoDecibels))
        near = AudioSignal.scaled(near, toRMS: nearLevel, active: true)

        let noiseLevel = nearLevel * AudioSignal.amplitude(decibels: Float(-condition.signalToNoiseDecibels))
        var noiseRandom = SeededRandom(seed: condition.seed &* 7_919)
        let noise: [Float]
        switch condition.noise {
        case .white: noise = AudioSignal.whiteNoise(count: length, rms: noiseLevel, random: &noiseRandom)
        case .pink: noise = AudioSignal.pinkNoise(count: length, rms: noiseLevel, random: &noiseRandom)
        case .babble: noise = AudioSignal.scaled(try babble(count: length, random: &noiseRandom), toRMS: noiseLevel)
        }
        let microphone = AudioSignal.int16(AudioSignal.mix(AudioSignal.mix(echo, near), noise))
        return EchoRecording(
            condition: condition, farEnd24k: Array(farEnd24k.prefix(length * 3 / 2)),
            reference: Array(reference.prefix(length)), microphone: microphone, echo: echo, nearEnd: near, noise: noise,
            truth: EchoTruth(echo: echo, nearEnd: near))
    }

    /// Ten talkers reading continuously, each from a random point and at its own level, summed.
    private static func babble(count: Int, random: inout SeededRandom) throws -> [Float] {
        var sum = [Float](repeating: 0, count: count)
        let sentences = EchoCorpusSpeech.babbleSentences
        for voice in EchoCorpusSpeech.babbleVoices {
            var talker: [Float] = []
            var index = Int.random(in: 0..<sentences.count, using: &random)
            while talker.count < count + sampleRate {
                let spoken = try EchoCorpusSpeech.speak(sentences[index % sentences.count], voice: voice)
                talker += AudioSignal.resampled(spoken.samples, from: spoken.sampleRate, to: sampleRate)
                talker += AudioSignal.silence(seconds: Double.random(in: 0.05...0.3, using: &random), sampleRate: sampleRate)
                index += 1
            }
            let start = Int.random(in: 0..<sampleRate, using: &random)
            let level = AudioSignal.amplitude(decibels: Float.random(in: -4...0, using: &random))
            for sample in 0..<count { sum[sample] += level * talker[start + sample] }
        }
        return sum
    }
}

/// What is true of an ``EchoRecording`` on the 10 ms grid, from its separate parts.
public struct EchoTruth: Sendable {
    /// The near-end talker is speaking: frames within 35 dB of the talker's loudest, gaps of up to 100 ms
    /// between words bridged (a VAD should hold through them).
    public let nearEndSpeech: [Bool]
    /// Any near-end signal at all, widened by 50 ms on each side.
    public let nearEndPresent: [Bool]
    /// The echo is audible: within 30 dB of the echo's active level.
    public let echoActive: [Bool]

    /// Labels the grid from the echo and the near end alone.
    public init(echo: [Float], nearEnd: [Float]) {
        let grid = EchoRecording.gridSamples
        let nearEnergies = AudioSignal.frameEnergies(nearEnd, frameSize: grid)
        let loudest = nearEnergies.max() ?? 0
        var speech = nearEnergies.map { loudest > 0 && $0 >= loudest * pow(10, -3.5) }
        var last: Int?
        for index in speech.indices where speech[index] {
            if let last, index - last - 1 <= 10 { for gap in last..<index { speech[gap] = true } }
            last = index
        }
        nearEndSpeech = speech
        let present = nearEnergies.map { $0 > 1e-12 }
        nearEndPresent = present.indices.map { index in
            present[max(0, index - 5)...min(present.count - 1, index + 5)].contains(true)
        }
        let echoLevel = Double(AudioSignal.activeRMS(echo, frameSize: grid))
        let echoThreshold = echoLevel * echoLevel * pow(10, -3.0)
        echoActive = AudioSignal.frameEnergies(echo, frameSize: grid).map { $0 >= echoThreshold }
    }

    /// Frames on the grid.
    public var count: Int { min(nearEndSpeech.count, echoActive.count) }

    /// Far-end-only frames from `start` on: echo audible, no near end at all.
    public func farEndOnly(from start: Int) -> [Int] {
        (start..<count).filter { echoActive[$0] && !nearEndPresent[$0] }
    }

    /// Double-talk frames from `start` on: the near end talks while the echo is audible.
    public func doubleTalk(from start: Int) -> [Int] {
        (start..<count).filter { echoActive[$0] && nearEndSpeech[$0] }
    }
}
