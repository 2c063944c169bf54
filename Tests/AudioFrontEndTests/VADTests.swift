// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

import AudioFrontEnd
import Foundation
import Testing
import TestKit

@Suite("Voice activity detection")
struct VADTests {
    @Test("frame accuracy ≥ 0.90 on speech in 10 dB pink noise", arguments: FrontEndConfiguration.FrameDuration.allCases)
    func accuracyInPinkNoise(frameDuration: FrontEndConfiguration.FrameDuration) throws {
        let sentences = Array(farEndSentences.prefix(5) + nearEndSentences)
        let clean = try speech(sentences, voice: "en-gb+f3", rate: 16_000, pause: 0.8)
        // 1.5 s of noise first, so the noise estimate settles before the first word.
        let talker = AudioSignal.scaled(
            AudioSignal.silence(seconds: 1.5, sampleRate: 16_000) + clean,
            toRMS: AudioSignal.amplitude(decibels: -26), active: true)
        var random = SeededRandom(seed: 3)
        let noise = AudioSignal.pinkNoise(count: talker.count, rms: AudioSignal.amplitude(decibels: -36), random: &random)
        let microphone = AudioSignal.int16(AudioSignal.mix(talker, noise))

        var configuration = FrontEndConfiguration()
        configuration.frameDuration = frameDuration
        let processed = try process(microphone, reference: [Int16](repeating: 0, count: microphone.count), configuration: configuration)

        // Labels from the clean talker: frames within 35 dB of the loudest, with gaps of up to 100 ms
        // between words counted as speech (stop closures and word joins are part of an utterance).
        let frame = configuration.frameSize
        let energies = AudioSignal.frameEnergies(talker, frameSize: frame)
        let loudest = energies.max() ?? 0
        var labels = energies.map { $0 >= loudest * pow(10, -3.5) }
        let bridge = 100 / frameDuration.rawValue
        var last: Int?
        for index in labels.indices where labels[index] {
            if let last, index - last - 1 <= bridge { for gap in last..<index { labels[gap] = true } }
            last = index
        }
        var correct = 0
        var total = 0
        var truePositives = 0
        var detections = 0
        var speechFrames = 0
        for index in labels.indices where index < processed.analyses.count && Double(index * frame) >= 1.0 * 16_000 {
            let detected = processed.analyses[index].isSpeech
            total += 1
            if detected == labels[index] { correct += 1 }
            if detected { detections += 1 }
            if labels[index] { speechFrames += 1 }
            if detected && labels[index] { truePositives += 1 }
        }
        let accuracy = Double(correct) / Double(total)
        print("VAD \(frameDuration.rawValue) ms: accuracy \(accuracy), precision \(Double(truePositives) / Double(detections)), recall \(Double(truePositives) / Double(speechFrames)), speech \(Double(speechFrames) / Double(total))")
        #expect(accuracy >= 0.90)
    }
}
