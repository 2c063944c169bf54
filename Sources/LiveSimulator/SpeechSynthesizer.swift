// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Makes a speech-like signal for a reply text: voiced syllables (a glottal-pulse-like harmonic series on a
/// falling pitch contour, shaped by two vowel formants) with attack/decay envelopes, short consonant noise
/// bursts, gaps between words and longer pauses at punctuation.
///
/// It is not intelligible speech, but it has what the client's audio path cares about: a real, non-silent,
/// speech-band signal whose length grows with the text (about 0.07 s per character), so playback, echo
/// cancellation and barge-in see something realistic. Deterministic: the same text gives the same samples.
public enum SpeechSynthesizer {
    /// Output sample rate of the Live API (`audio/pcm;rate=24000`).
    public static let sampleRate = 24_000

    /// Mono 16-bit samples for `text` at ``sampleRate``. Empty text still gives a short syllable, because
    /// the model never answers with silence.
    public static func samples(for text: String) -> [Int16] {
        var builder = Builder()
        let words = text.split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "\t" })
        if words.isEmpty { builder.syllable(vowel: "a", accent: 0, position: 0.5) }
        for (wordIndex, word) in words.enumerated() {
            let vowels = syllableVowels(of: word)
            for (syllableIndex, vowel) in vowels.enumerated() {
                let position = (Double(wordIndex) + Double(syllableIndex) / Double(vowels.count)) / Double(max(words.count, 1))
                let accent = syllableIndex == 0 && wordIndex % 3 == 0 ? 1.0 : 0.0
                builder.syllable(vowel: vowel, accent: accent, position: position)
            }
            if let last = word.last, ".!?".contains(last) {
                builder.pause(seconds: 0.25)
            } else if let last = word.last, ",;:".contains(last) {
                builder.pause(seconds: 0.15)
            } else {
                builder.pause(seconds: 0.05)
            }
        }
        return builder.finish()
    }

    /// The samples as little-endian bytes (`audio/pcm;rate=24000` payload).
    public static func pcmBytes(for text: String) -> [UInt8] {
        let samples = samples(for: text)
        var bytes = [UInt8]()
        bytes.reserveCapacity(samples.count * 2)
        for sample in samples {
            let bits = UInt16(bitPattern: sample)
            bytes.append(UInt8(truncatingIfNeeded: bits))
            bytes.append(UInt8(truncatingIfNeeded: bits >> 8))
        }
        return bytes
    }

    /// One vowel per syllable: each run of vowel letters in the word is a syllable; a word with none (a
    /// number, an acronym) gets one syllable per two characters.
    static func syllableVowels(of word: Substring) -> [Character] {
        var vowels: [Character] = []
        var previousWasVowel = false
        for character in word.lowercased() {
            let isVowel = "aeiouy".contains(character)
            if isVowel && !previousWasVowel { vowels.append(character) }
            previousWasVowel = isVowel
        }
        if vowels.isEmpty {
            let letters = word.filter { $0.isLetter || $0.isNumber }
            vowels = Array(repeating: "e", count: max(1, (letters.count + 1) / 2))
        }
        return vowels
    }

    private struct Builder {
        var output: [Double] = []
        var noiseState: UInt32 = 0x1234_5678

        mutating func pause(seconds: Double) {
            output.append(contentsOf: repeatElement(0, count: Int(seconds * Double(sampleRate))))
        }

        /// A deterministic white-noise sample in -1…1 (a linear congruential generator).
        mutating func noise() -> Double {
            noiseState = noiseState &* 1_664_525 &+ 1_013_904_223
            return Double(Int32(bitPattern: noiseState)) / Double(Int32.max)
        }

        mutating func syllable(vowel: Character, accent: Double, position: Double) {
            let rate = Double(sampleRate)
            // Consonant onset: 25 ms of soft band-limited noise.
            let burst = Int(0.025 * rate)
            var smoothed = 0.0
            for index in 0..<burst {
                smoothed = 0.6 * smoothed + 0.4 * noise()
                let envelope = sin(Double.pi * Double(index) / Double(burst))
                output.append(0.08 * envelope * smoothed)
            }
            // Vowel: 170 ms, pitch falling over the utterance, raised on accented syllables.
            let (f1, f2) = formants(of: vowel)
            let count = Int(0.17 * rate)
            let basePitch = 150.0 - 35.0 * position + 25.0 * accent
            // Harmonic gains from the formant resonances, computed once per syllable (the pitch glide is small).
            var gains: [Double] = []
            while Double(gains.count + 1) * basePitch < 4_000 {
                let harmonic = Double(gains.count + 1)
                let frequency = harmonic * basePitch
                let d1 = (frequency - f1) / 90.0
                let d2 = (frequency - f2) / 120.0
                gains.append(1.0 / (1.0 + d1 * d1) + 0.6 / (1.0 + d2 * d2) + 0.15 / harmonic)
            }
            // One pitch period of the waveform as a table, read at the gliding pitch (cheap per sample).
            let tableSize = 1_024
            var table = [Double](repeating: 0, count: tableSize + 1)
            for slot in 0...tableSize {
                let angle = 2.0 * Double.pi * Double(slot) / Double(tableSize)
                var sum = 0.0
                for (offset, gain) in gains.enumerated() { sum += gain * sin(Double(offset + 1) * angle) }
                table[slot] = sum
            }
            var phase = 0.0  // in periods, 0..<1
            let attack = Int(0.02 * rate)
            let release = Int(0.04 * rate)
            for index in 0..<count {
                let t = Double(index) / Double(count)
                let pitch = basePitch * (1.0 + 0.06 * (0.5 - t))
                phase += pitch / rate
                if phase >= 1 { phase -= 1 }
                let position = phase * Double(tableSize)
                let slot = Int(position)
                let fraction = position - Double(slot)
                let value = table[slot] + fraction * (table[slot + 1] - table[slot])
                var envelope = 1.0
                if index < attack { envelope = 0.5 - 0.5 * cos(Double.pi * Double(index) / Double(attack)) }
                if index >= count - release {
                    envelope = 0.5 - 0.5 * cos(Double.pi * Double(count - index) / Double(release))
                }
                output.append(value * envelope)
            }
        }

        func formants(of vowel: Character) -> (Double, Double) {
            switch vowel {
            case "a": (730, 1_090)
            case "e": (530, 1_840)
            case "i": (300, 2_250)
            case "o": (570, 840)
            case "u": (320, 900)
            default: (420, 1_900)
            }
        }

        func finish() -> [Int16] {
            let peak = output.reduce(0.0) { max($0, abs($1)) }
            let scale = peak > 0 ? 0.4 * 32_767.0 / peak : 0
            return output.map { Int16(($0 * scale).rounded()) }
        }
    }
}

/// A simple energy voice-activity detector on 16-bit mono PCM: 20 ms blocks whose RMS exceeds a threshold
/// are speech; after speech, a run of quiet blocks as long as the silence duration ends the utterance.
struct EnergyDetector {
    enum Event: Equatable {
        case speechStarted
        case speechEnded
    }

    let threshold: Double
    let silenceMilliseconds: Int
    private(set) var inSpeech = false
    private var silentMilliseconds = 0
    private var blockSum = 0.0
    private var blockCount = 0
    private var blockSize = 320
    private var pendingByte: UInt8?

    init(threshold: Double, silenceMilliseconds: Int) {
        self.threshold = threshold
        self.silenceMilliseconds = silenceMilliseconds
    }

    /// Feeds little-endian s16 bytes recorded at `sampleRate`; returns the events they caused.
    mutating func feed(_ bytes: [UInt8], sampleRate: Int) -> [Event] {
        blockSize = max(1, sampleRate / 50)
        var events: [Event] = []
        var index = 0
        if let low = pendingByte, !bytes.isEmpty {
            process(Int16(bitPattern: UInt16(low) | UInt16(bytes[0]) << 8), events: &events)
            pendingByte = nil
            index = 1
        }
        while index + 1 < bytes.count {
            process(Int16(bitPattern: UInt16(bytes[index]) | UInt16(bytes[index + 1]) << 8), events: &events)
            index += 2
        }
        if index < bytes.count { pendingByte = bytes[index] }
        return events
    }

    mutating func reset() {
        inSpeech = false
        silentMilliseconds = 0
        blockSum = 0
        blockCount = 0
    }

    private mutating func process(_ sample: Int16, events: inout [Event]) {
        let value = Double(sample)
        blockSum += value * value
        blockCount += 1
        guard blockCount >= blockSize else { return }
        let rms = (blockSum / Double(blockCount)).squareRoot()
        blockSum = 0
        blockCount = 0
        if rms >= threshold {
            silentMilliseconds = 0
            if !inSpeech {
                inSpeech = true
                events.append(.speechStarted)
            }
        } else if inSpeech {
            silentMilliseconds += 20
            if silentMilliseconds >= silenceMilliseconds {
                inSpeech = false
                silentMilliseconds = 0
                events.append(.speechEnded)
            }
        }
    }
}
