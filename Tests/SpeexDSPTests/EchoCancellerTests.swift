// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

import Foundation
import SpeexDSP
import Testing
import TestKit

/// Runs `canceller` over whole signals frame by frame and returns its output.
func cancel(_ canceller: EchoCanceller, microphone: [Int16], reference: [Int16]) -> [Int16] {
    let frame = canceller.frameSize
    let count = min(microphone.count, reference.count) / frame * frame
    var output = [Int16](repeating: 0, count: count)
    microphone.withUnsafeBufferPointer { mic in
        reference.withUnsafeBufferPointer { ref in
            output.withUnsafeMutableBufferPointer { out in
                for start in stride(from: 0, to: count, by: frame) {
                    canceller.cancel(
                        microphone: UnsafeBufferPointer(rebasing: mic[start..<start + frame]),
                        reference: UnsafeBufferPointer(rebasing: ref[start..<start + frame]),
                        output: UnsafeMutableBufferPointer(rebasing: out[start..<start + frame]))
                }
            }
        }
    }
    return output
}

/// ERLE in dB between two stretches of samples.
func erle(_ microphone: ArraySlice<Int16>, _ output: ArraySlice<Int16>) -> Double {
    let m = microphone.reduce(0.0) { $0 + Double($1) * Double($1) }
    let o = output.reduce(0.0) { $0 + Double($1) * Double($1) }
    return 10 * log10(m / max(o, 1))
}

/// White noise played through a short echo path: a direct tap 40 samples late and two reflections.
func noiseEcho(seconds: Int, seed: UInt64 = 1) -> (reference: [Int16], microphone: [Int16]) {
    var random = SeededRandom(seed: seed)
    let reference = AudioSignal.whiteNoise(count: seconds * 16_000, rms: 0.1, random: &random)
    var echo = [Float](repeating: 0, count: reference.count)
    for (delay, gain) in [(40, Float(0.5)), (75, -0.2), (300, 0.1)] {
        for index in delay..<reference.count { echo[index] += gain * reference[index - delay] }
    }
    return (AudioSignal.int16(reference), AudioSignal.int16(echo))
}

@Suite("EchoCanceller")
struct EchoCancellerTests {
    @Test("impossible sizes are refused with the reason")
    func sizes() {
        #expect(throws: SpeexDSPError.self) { try EchoCanceller(frameSize: 0, filterLength: 1_024) }
        #expect(throws: SpeexDSPError.self) { try EchoCanceller(frameSize: 320, filterLength: 100) }
        #expect(throws: SpeexDSPError.self) { try EchoCanceller(frameSize: 160, filterLength: 2_048, sampleRate: 4_000) }
        do {
            _ = try EchoCanceller(frameSize: 320, filterLength: 100)
        } catch {
            #expect(error.kind == .invalidArgument)
            #expect(error.message.contains("filter length 100"))
        }
    }

    @Test("removes the echo of noise through a short path")
    func cancelsNoiseEcho() throws {
        let signal = noiseEcho(seconds: 4)
        let canceller = try EchoCanceller(frameSize: 160, filterLength: 1_024)
        #expect(canceller.sampleRate == 16_000)
        let output = cancel(canceller, microphone: signal.microphone, reference: signal.reference)
        let lastSecond = 3 * 16_000..<output.count
        #expect(erle(signal.microphone[lastSecond], output[lastSecond]) > 25)
        // The learned path peaks at the direct tap.
        let response = canceller.impulseResponse()
        #expect(response.count >= 1_024)
        let peak = response.indices.max { abs(response[$0]) < abs(response[$1]) }
        #expect(peak == 40)
    }

    @Test("reset forgets the learned path")
    func reset() throws {
        let signal = noiseEcho(seconds: 3)
        let canceller = try EchoCanceller(frameSize: 160, filterLength: 1_024)
        _ = cancel(canceller, microphone: signal.microphone, reference: signal.reference)
        let converged = cancel(canceller, microphone: Array(signal.microphone[0..<1_600]), reference: Array(signal.reference[0..<1_600]))
        canceller.reset()
        let fresh = cancel(canceller, microphone: Array(signal.microphone[0..<1_600]), reference: Array(signal.reference[0..<1_600]))
        #expect(erle(signal.microphone[800..<1_600], converged[800..<1_600]) > 20)
        #expect(erle(signal.microphone[800..<1_600], fresh[800..<1_600]) < 10)
    }
}

@Suite("Preprocessor")
struct PreprocessorTests {
    @Test("settings read back as set, in speexdsp's conventions")
    func settings() throws {
        let preprocessor = try Preprocessor(frameSize: 320)
        #expect(preprocessor.denoise)
        #expect(!preprocessor.automaticGainControl)
        #expect(!preprocessor.voiceActivityDetection)
        preprocessor.noiseSuppression = -25
        #expect(preprocessor.noiseSuppression == -25)
        preprocessor.noiseSuppression = 30  // attenuation is always negative
        #expect(preprocessor.noiseSuppression == -30)
        preprocessor.echoSuppression = -60
        preprocessor.echoSuppressionActive = -30
        #expect(preprocessor.echoSuppression == -60)
        #expect(preprocessor.echoSuppressionActive == -30)
        preprocessor.speechProbabilityStart = 90
        preprocessor.speechProbabilityContinue = 140
        #expect(preprocessor.speechProbabilityStart == 90)
        #expect(preprocessor.speechProbabilityContinue == 100)
        preprocessor.automaticGainControl = true
        preprocessor.automaticGainControlLevel = 12_000
        preprocessor.automaticGainControlMaximumGain = 20
        #expect(preprocessor.automaticGainControl)
        #expect(preprocessor.automaticGainControlLevel == 12_000)
        #expect(preprocessor.automaticGainControlMaximumGain == 20)
        preprocessor.denoise = false
        #expect(!preprocessor.denoise)
    }

    @Test("the output lags the input by one frame", arguments: [160, 320])
    func latency(frameSize: Int) throws {
        let preprocessor = try Preprocessor(frameSize: frameSize)
        preprocessor.denoise = false
        #expect(preprocessor.latency == frameSize)
        var random = SeededRandom(seed: 2)
        let input = AudioSignal.int16(AudioSignal.whiteNoise(count: 16_000, rms: 0.1, random: &random))
        var output = input
        output.withUnsafeMutableBufferPointer { buffer in
            for start in stride(from: 0, to: buffer.count - frameSize + 1, by: frameSize) {
                preprocessor.process(UnsafeMutableBufferPointer(rebasing: buffer[start..<start + frameSize]))
            }
        }
        let lag = AudioMeasurement.bestLag(original: AudioSignal.float(input), delayed: AudioSignal.float(output), maximumLag: 2 * frameSize)
        #expect(lag == frameSize)
    }

    @Test("speech is more probable on speech than on noise")
    func speechProbability() throws {
        let spoken = try SpeechSynthesizer.synthesize("The quick brown fox jumps over the lazy dog.")
        // espeak-ng speaks at 22050 Hz; the preprocessor is told so.
        let preprocessor = try Preprocessor(frameSize: 441, sampleRate: spoken.sampleRate)
        var random = SeededRandom(seed: 6)
        let noise = AudioSignal.whiteNoise(count: spoken.samples.count, rms: 0.003, random: &random)
        let lead = AudioSignal.whiteNoise(count: 4 * spoken.sampleRate, rms: 0.003, random: &random)
        let speech = AudioSignal.scaled(spoken.samples, toRMS: 0.05, active: true)
        var signal = AudioSignal.int16(lead + AudioSignal.mix(speech, noise))
        var probabilities: [Int] = []
        signal.withUnsafeMutableBufferPointer { buffer in
            for start in stride(from: 0, to: buffer.count - 441 + 1, by: 441) {
                preprocessor.process(UnsafeMutableBufferPointer(rebasing: buffer[start..<start + 441]))
                probabilities.append(preprocessor.speechProbability)
            }
        }
        #expect(probabilities.allSatisfy { (0...100).contains($0) })
        // speexdsp's noise estimate needs a couple of seconds to settle; judge the fourth second.
        let noiseOnly = probabilities[150..<200]
        let active = AudioSignal.frameEnergies(speech, frameSize: 441).enumerated().filter { $0.element > 1e-3 }.map { $0.offset + 200 + 1 }
        let duringSpeech = active.filter { $0 < probabilities.count }.map { probabilities[$0] }
        let meanNoise = Double(noiseOnly.reduce(0, +)) / Double(noiseOnly.count)
        let meanSpeech = Double(duringSpeech.reduce(0, +)) / Double(duringSpeech.count)
        #expect(meanSpeech > 80)
        #expect(meanNoise < 50)
    }

    @Test("a canceller of another frame size cannot be attached")
    func attach() throws {
        let preprocessor = try Preprocessor(frameSize: 320)
        #expect(throws: SpeexDSPError.self) { try preprocessor.attach(EchoCanceller(frameSize: 160, filterLength: 2_048)) }
        try preprocessor.attach(EchoCanceller(frameSize: 320, filterLength: 2_048))
        try preprocessor.attach(nil)
    }
}

@Suite("Resampler")
struct ResamplerTests {
    @Test("rates and qualities outside speexdsp's range are refused")
    func refusals() {
        #expect(throws: SpeexDSPError.self) { try Resampler(inputRate: 0, outputRate: 16_000) }
        #expect(throws: SpeexDSPError.self) { try Resampler(inputRate: 24_000, outputRate: 1_000_000) }
        #expect(throws: SpeexDSPError.self) { try Resampler(inputRate: 24_000, outputRate: 16_000, quality: -1) }
    }

    @Test("24 kHz to 16 kHz at quality 5 delays 2.5 ms; quality 3, 1.5 ms")
    func latency() throws {
        let desktop = try Resampler(inputRate: 24_000, outputRate: 16_000, quality: 5)
        #expect(desktop.inputLatency == 60)
        #expect(desktop.outputLatency == 40)
        let voip = try Resampler(inputRate: 24_000, outputRate: 16_000, quality: 3)
        #expect(voip.outputLatency == 24)
    }

    @Test("an impulse comes out after the stated latency, or at once after skipZeros")
    func impulse() throws {
        for skip in [false, true] {
            let resampler = try Resampler(inputRate: 24_000, outputRate: 16_000)
            if skip { resampler.skipZeros() }
            var input = [Int16](repeating: 0, count: 2_400)
            input[300] = 20_000  // 12.5 ms = output sample 200
            var output = [Int16](repeating: 0, count: resampler.maximumOutputCount(forInputCount: input.count))
            let result = input.withUnsafeBufferPointer { source in
                output.withUnsafeMutableBufferPointer { resampler.process(input: source, output: $0) }
            }
            #expect(result.consumed == input.count)
            let peak = output[0..<result.produced].indices.max { abs(output[$0]) < abs(output[$1]) }
            #expect(peak == 200 + (skip ? 0 : resampler.outputLatency))
        }
    }
}
