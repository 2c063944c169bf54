// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

import AudioEngine
import Testing

@Suite("Loopback analysis")
struct LoopbackAnalysisTests {
    /// The test signal made at 16 kHz, standing in for the reference the engine hands the front end.
    static let reference = LoopbackSignal.make(seconds: 2, sampleRate: 16000)

    @Test("the test signal is silent for 500 ms, then bursts at about -20 dBFS")
    func signal() {
        let signal = LoopbackSignal.make(seconds: 2, sampleRate: 24000)
        #expect(signal.count == 48000)
        #expect(signal[0..<12000].allSatisfy { $0 == 0 })
        let burst = Array(signal[12000..<(12000 + 7200)])
        let level = burst.withUnsafeBufferPointer { SignalLevel.dBFS($0) }
        #expect(abs(level - -20) < 0.5)
        #expect(signal[(12000 + 7200)..<(12000 + 12000)].allSatisfy { $0 == 0 }, "200 ms gap")
    }

    @Test("finds a known echo delay, the echo's loss and the canceller's enhancement")
    func knownEcho() {
        let delay = 437  // 27.3 ms
        let reference = Self.reference
        // Echo: 0.25 × the reference, 437 samples late, plus a little noise; the "canceller" leaves 1/10.
        var noise: UInt32 = 7
        let mic: [Int16] = reference.indices.map { i in
            noise = noise &* 1_103_515_245 &+ 12345
            let echo = i >= delay ? Double(reference[i - delay]) * 0.25 : 0
            return Int16(clamping: Int(echo) + Int(noise >> 27) - 16)
        }
        let output = mic.map { $0 / 10 }
        let analysis = LoopbackAnalysis.analyze(mic: mic, reference: reference, output: output)
        #expect(analysis.delaySamples == delay)
        #expect(analysis.correlation > 0.9)
        #expect(abs((analysis.echoReturnLossDB ?? 0) - 12.0) < 0.5)  // 20·log10(4)
        #expect(abs((analysis.erleDB ?? 0) - 20.0) < 0.5)
        #expect(analysis.activeFrames > 50)
    }

    @Test("a reference that arrives after its echo shows as a negative delay")
    func negativeDelay() {
        let reference = Self.reference
        let mic = Array(reference.dropFirst(100)) + [Int16](repeating: 0, count: 100)
        let analysis = LoopbackAnalysis.analyze(mic: mic, reference: reference, output: mic)
        #expect(analysis.delaySamples == -100)
        #expect(analysis.erleDB.map { abs($0) < 0.01 } == true, "pass-through: no enhancement")
    }

    @Test("no echo at all: no delay is claimed")
    func noEcho() {
        let silence = [Int16](repeating: 0, count: Self.reference.count)
        let analysis = LoopbackAnalysis.analyze(mic: silence, reference: Self.reference, output: silence)
        #expect(analysis.delaySamples == nil)
        #expect(analysis.correlation < 0.1)
        #expect(analysis.echoReturnLossDB == nil)
    }
}
