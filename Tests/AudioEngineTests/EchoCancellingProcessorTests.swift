// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

import AudioEngine
import AudioFrontEnd
import TestKit
import Testing
import Foundation

/// The real front end behind the engine's `MicProcessor` seam, fed the way the capture thread feeds it.
@Suite("EchoCancellingProcessor")
struct EchoCancellingProcessorTests {
    @Test("the base delay from the engine lines the reference up, and the echo is removed")
    func cancelsDelayedEcho() throws {
        var random = SeededRandom(seed: 7)
        // Five seconds of pink noise as the far end (16 kHz), and a mic that hears it 30 ms later at half level.
        let delay = 480
        let far = AudioSignal.int16(AudioSignal.pinkNoise(count: 16_000 * 5, rms: 0.1, random: &random))
        var mic = [Int16](repeating: 0, count: far.count)
        for index in delay..<far.count { mic[index] = far[index - delay] / 2 }

        var configuration = FrontEndConfiguration()
        configuration.referenceDelay = .fixed(milliseconds: 0)
        configuration.noiseSuppression = false
        let processor = try EchoCancellingProcessor(configuration: configuration)
        processor.setBaseDelay(samples: delay)
        #expect(processor.frameLength == 320)

        var output = [Int16](repeating: 0, count: processor.frameLength)
        var micEnergy = 0.0, outputEnergy = 0.0
        for start in stride(from: 0, to: far.count - processor.frameLength + 1, by: processor.frameLength) {
            let range = start..<(start + processor.frameLength)
            _ = mic[range].withUnsafeBufferPointer { m in
                far[range].withUnsafeBufferPointer { r in
                    output.withUnsafeMutableBufferPointer { processor.process(mic: m, reference: r, output: $0) }
                }
            }
            if start >= 16_000 * 3 {  // after convergence
                micEnergy += mic[range].reduce(0.0) { $0 + Double($1) * Double($1) }
                outputEnergy += output.reduce(0.0) { $0 + Double($1) * Double($1) }
            }
        }
        let erle = 10 * log10(micEnergy / max(outputEnergy, 1))
        #expect(erle > 20, "ERLE \(erle) dB")
        #expect(processor.frontEnd.delaySamples == delay)
    }

    @Test("speexdsp's converter streams 24 kHz to 16 kHz chunk by chunk with its latency reported")
    func speexConverter() throws {
        let converter = try SpeexSampleRateConverter(inputRate: 24_000, outputRate: 16_000)
        #expect(converter.latency > 0)
        // A 500 Hz tone in 10 ms chunks: the output keeps the tone's frequency and about 2/3 of the samples.
        var produced: [Int16] = []
        var output = [Int16](repeating: 0, count: 164)
        for chunk in 0..<100 {
            let input = (0..<240).map { Int16(8000 * sin(2 * Double.pi * 500 * Double(chunk * 240 + $0) / 24_000)) }
            let count = input.withUnsafeBufferPointer { i in output.withUnsafeMutableBufferPointer { converter.process(i, into: $0) } }
            produced += output.prefix(count)
        }
        #expect(abs(produced.count - 16_000) <= converter.latency + 2)
        let steady = Array(produced.suffix(8000))
        var crossings = 0
        for index in 1..<steady.count where (steady[index - 1] < 0) != (steady[index] < 0) { crossings += 1 }
        #expect(abs(crossings - 500) <= 4)  // 0.5 s of 500 Hz: 500 zero crossings
    }
}
