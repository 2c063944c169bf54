// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

import AudioFrontEnd
import Foundation
import Testing
import TestKit

@Suite("Front end basics")
struct FrontEndTests {
    private func plain(_ frameDuration: FrontEndConfiguration.FrameDuration) -> FrontEndConfiguration {
        var configuration = FrontEndConfiguration()
        configuration.frameDuration = frameDuration
        configuration.echoCancellation = false
        configuration.noiseSuppression = false
        return configuration
    }

    @Test("the output lags the microphone by exactly one frame", arguments: FrontEndConfiguration.FrameDuration.allCases)
    func latency(frameDuration: FrontEndConfiguration.FrameDuration) throws {
        var random = SeededRandom(seed: 9)
        let microphone = AudioSignal.int16(AudioSignal.whiteNoise(count: 16_000, rms: 0.1, random: &random))
        let frontEnd = try AudioFrontEnd(configuration: plain(frameDuration))
        #expect(frontEnd.latency == frontEnd.frameSize)
        var output = [Int16](repeating: 0, count: microphone.count)
        let silence = [Int16](repeating: 0, count: frontEnd.frameSize)
        microphone.withUnsafeBufferPointer { mic in
            silence.withUnsafeBufferPointer { reference in
                output.withUnsafeMutableBufferPointer { out in
                    for start in stride(from: 0, to: mic.count, by: frontEnd.frameSize) {
                        let range = start..<start + frontEnd.frameSize
                        _ = frontEnd.process(
                            microphone: UnsafeBufferPointer(rebasing: mic[range]), reference: reference,
                            output: UnsafeMutableBufferPointer(rebasing: out[range]))
                    }
                }
            }
        }
        let lag = AudioMeasurement.bestLag(
            original: AudioSignal.float(microphone), delayed: AudioSignal.float(output), maximumLag: 2 * frontEnd.frameSize)
        #expect(lag == frontEnd.latency)
        // With nothing enabled the overlap-add reconstructs the input.
        let sdr = AudioMeasurement.signalToDistortionRatio(
            output: AudioSignal.float(output), reference: AudioSignal.float(microphone), range: 2_000..<15_000,
            lag: lag, taps: 1, lead: 0)
        #expect(sdr > 30)
    }

    @Test("level is the output's RMS in dBFS")
    func level() throws {
        let tone = (0..<16_000).map { Float(0.1 * 2.0.squareRoot() * sin(2 * Double.pi * 1_000 * Double($0) / 16_000)) }
        let processed = try process(
            AudioSignal.int16(tone), reference: [Int16](repeating: 0, count: tone.count), configuration: plain(.milliseconds20))
        for analysis in processed.analyses.dropFirst(3).dropLast(2) {
            #expect(abs(analysis.level - -20) < 0.3)
            #expect(!analysis.farEndActive)
        }
        let silent = try process(
            [Int16](repeating: 0, count: 3_200), reference: [Int16](repeating: 0, count: 3_200), configuration: plain(.milliseconds20))
        #expect(silent.analyses.allSatisfy { $0.level == -120 && !$0.isSpeech })
    }

    @Test("far-end activity follows the reference through the fixed delay")
    func farEndActivity() throws {
        var random = SeededRandom(seed: 4)
        var reference = [Int16](repeating: 0, count: 3 * 16_000)
        let burst = AudioSignal.int16(AudioSignal.whiteNoise(count: 8_000, rms: 0.05, random: &random))
        reference.replaceSubrange(16_000..<24_000, with: burst)
        var configuration = plain(.milliseconds10)
        configuration.echoCancellation = true
        configuration.referenceDelay = .fixed(milliseconds: 100)
        let processed = try process([Int16](repeating: 0, count: reference.count), reference: reference, configuration: configuration)
        let active = processed.analyses.indices.filter { processed.analyses[$0].farEndActive }
        // The burst spans frames 100..<150 of the reference; 100 ms later that is frames 110..<160.
        #expect(active == Array(110..<160))
        #expect(processed.frontEnd.delayMilliseconds == 100)
    }

    @Test("settings out of range are refused, naming the setting")
    func validation() {
        func message(_ change: (inout FrontEndConfiguration) -> Void) -> String? {
            var configuration = FrontEndConfiguration()
            change(&configuration)
            do {
                _ = try AudioFrontEnd(configuration: configuration)
                return nil
            } catch {
                #expect(error.kind == .invalidConfiguration)
                return error.message
            }
        }
        #expect(message { $0.filterLengthMilliseconds = 5 }?.contains("filter length 5 ms") == true)
        #expect(message { $0.referenceDelay = .fixed(milliseconds: 600) }?.contains("reference delay 600 ms") == true)
        #expect(message { $0.delayOffsetMilliseconds = -1 }?.contains("delay offset -1 ms") == true)
        #expect(message { $0.vadStartProbability = 101 }?.contains("VAD start probability 101") == true)
        #expect(message { $0.noiseSuppressionDecibels = 10 }?.contains("noise suppression 10 dB") == true)
        #expect(message { $0.maximumDelayMilliseconds = 5_000 }?.contains("maximum delay 5000 ms") == true)
        #expect(message { $0.doubleTalkThresholdDecibels = 3 }?.contains("double-talk threshold 3.0 dB") == true)
        #expect(message { _ in } == nil)
    }

    @Test("the delay offset is applied on top of the fixed delay")
    func offset() throws {
        var configuration = FrontEndConfiguration()
        configuration.delayOffsetMilliseconds = 30
        configuration.referenceDelay = .fixed(milliseconds: 20)
        let frontEnd = try AudioFrontEnd(configuration: configuration)
        #expect(frontEnd.delaySamples == 800)
        #expect(frontEnd.delayMilliseconds == 50)
    }
}

@Suite("Echo metrics")
struct EchoMetricsTests {
    @Test("ERLE is the ratio of summed energies in dB")
    func erle() {
        var metrics = EchoMetrics()
        #expect(metrics.erle == nil)
        metrics.add(microphoneEnergy: 1_000_000, outputEnergy: 10_000)
        metrics.add(microphoneEnergy: 1_000_000, outputEnergy: 10_000)
        #expect(metrics.frames == 2)
        #expect(abs(metrics.erle! - 20) < 1e-9)
        metrics.add(microphoneEnergy: 0, outputEnergy: 0)
        #expect(abs(metrics.erle! - 20) < 1e-9)

        var silentOutput = EchoMetrics()
        silentOutput.add(microphoneEnergy: 1e8, outputEnergy: 0)
        #expect(abs(silentOutput.erle! - 80) < 1e-9)
    }

    @Test("levels in dBFS")
    func levels() {
        let fullScale = [Int16](repeating: Int16.max, count: 160) + [Int16](repeating: Int16.min, count: 160)
        fullScale.withUnsafeBufferPointer { #expect(abs(EchoMetrics.level($0)) < 0.01) }
        [Int16](repeating: 0, count: 160).withUnsafeBufferPointer { #expect(EchoMetrics.level($0) == -120) }
        [Int16](repeating: 328, count: 160).withUnsafeBufferPointer { #expect(abs(EchoMetrics.level($0) - -40) < 0.01) }
    }
}

@Suite("Reference resampler")
struct ReferenceResamplerTests {
    @Test("24 kHz to 16 kHz keeps a tone's level and timing")
    func tone() throws {
        let seconds = 1.0
        let input = AudioSignal.int16((0..<Int(24_000 * seconds)).map { Float(0.5 * sin(2 * Double.pi * 1_000 * Double($0) / 24_000)) })
        let expected = (0..<Int(16_000 * seconds)).map { Float(0.5 * sin(2 * Double.pi * 1_000 * Double($0) / 16_000)) }
        let resampler = try ReferenceResampler()
        #expect(resampler.latency == 40)
        var output = [Int16](repeating: 0, count: resampler.maximumOutputCount(forInputCount: input.count) + resampler.latency + 2)
        var produced = 0
        output.withUnsafeMutableBufferPointer { out in
            input.withUnsafeBufferPointer { produced = resampler.resample($0, into: out) }
            produced += resampler.flush(into: UnsafeMutableBufferPointer(rebasing: out[produced...]))
        }
        #expect(abs(produced - expected.count) <= 1)
        let converted = AudioSignal.float(Array(output[0..<min(produced, expected.count)]))
        let sdr = AudioMeasurement.signalToDistortionRatio(
            output: converted, reference: expected, range: 400..<15_000, lag: 0, taps: 1, lead: 0)
        #expect(sdr > 40)
    }

    @Test("chunked resampling gives the same samples as one call")
    func chunks() throws {
        var random = SeededRandom(seed: 8)
        let input = AudioSignal.int16(AudioSignal.whiteNoise(count: 24_000, rms: 0.1, random: &random))
        func run(chunk: Int) throws -> [Int16] {
            let resampler = try ReferenceResampler()
            var output: [Int16] = []
            var buffer = [Int16](repeating: 0, count: resampler.maximumOutputCount(forInputCount: chunk))
            try #require(!buffer.isEmpty)
            input.withUnsafeBufferPointer { source in
                buffer.withUnsafeMutableBufferPointer { out in
                    for start in stride(from: 0, to: source.count, by: chunk) {
                        let produced = resampler.resample(UnsafeBufferPointer(rebasing: source[start..<min(start + chunk, source.count)]), into: out)
                        output += out[0..<produced]
                    }
                }
            }
            return output
        }
        let whole = try run(chunk: input.count)
        #expect(try run(chunk: 240) == whole)
        #expect(try run(chunk: 77) == whole)
    }

    @Test("unsupported rates are refused")
    func rates() {
        #expect(throws: AudioFrontEndError.self) { try ReferenceResampler(inputRate: 0) }
        #expect(throws: AudioFrontEndError.self) { try ReferenceResampler(quality: 11) }
    }
}
