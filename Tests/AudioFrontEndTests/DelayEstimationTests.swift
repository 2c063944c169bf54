// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

import AudioFrontEnd
import Foundation
import Testing
import TestKit

@Suite("Automatic reference delay")
struct DelayEstimationTests {
    @Test("an unannounced extra 120 ms is found and the aligned ERLE reached within 5 s of far-end speech")
    func unannouncedDelay() throws {
        let extra = 120 * 16
        let scenario = try EchoScenario.make(extraDelay: extra)
        var configuration = FrontEndConfiguration()
        configuration.referenceDelay = .automatic
        let automatic = try process(scenario.microphone, reference: scenario.reference, configuration: configuration)
        configuration.referenceDelay = .fixed(milliseconds: 120)
        let aligned = try process(scenario.microphone, reference: scenario.reference, configuration: configuration)
        configuration.referenceDelay = .fixed(milliseconds: 0)
        let uncompensated = try process(scenario.microphone, reference: scenario.reference, configuration: configuration)

        let labels = EchoLabels(scenario, frameSize: configuration.frameSize)
        let afterFiveSeconds = labels.timeAfterFarEndSpeech(5)
        let frames = labels.farEndOnly(in: afterFiveSeconds..<16)
        #expect(frames.count > 100)
        let erleAutomatic = EchoLabels.erle(scenario, automatic, frames: frames, frameSize: configuration.frameSize)
        let erleAligned = EchoLabels.erle(scenario, aligned, frames: frames, frameSize: configuration.frameSize)
        let erleUncompensated = EchoLabels.erle(scenario, uncompensated, frames: frames, frameSize: configuration.frameSize)
        let estimate = try #require(automatic.frontEnd.estimatedEchoDelayMilliseconds)
        print("5 s of far-end speech by \(afterFiveSeconds) s; ERLE from then on: automatic \(erleAutomatic) dB, aligned \(erleAligned) dB, uncompensated \(erleUncompensated) dB; echo found at \(estimate) ms")

        // The room's direct path is at 20 ms, so the echo arrives 140 ms after the reference.
        #expect(abs(estimate - 140) <= 1)
        #expect(erleAutomatic >= 18)
        #expect(erleAutomatic >= erleAligned - 1)
        // Without compensation speex cannot model the echo at all.
        #expect(erleUncompensated < erleAligned - 10)
        // The re-alignment happened before the measurement started.
        let realignedBy = automatic.delays.firstIndex { $0 > 100 }.map { Double($0 * configuration.frameSize) / 16_000 }
        #expect(try #require(realignedBy) < afterFiveSeconds)
    }

    @Test("the estimate follows a change of the echo path")
    func delayChange() throws {
        let early = try EchoScenario.make(extraDelay: 120 * 16, nearEndStart: 1_000)
        let late = try EchoScenario.make(extraDelay: 40 * 16, nearEndStart: 1_000)
        let splice = 20 * EchoScenario.rate
        let microphone = Array(early.microphone[..<splice] + late.microphone[splice...])
        let processed = try process(microphone, reference: early.reference, configuration: FrontEndConfiguration())
        let estimate = try #require(processed.frontEnd.estimatedEchoDelayMilliseconds)
        print("delay after the change: \(processed.frontEnd.delayMilliseconds) ms (echo at \(estimate) ms), \(processed.frontEnd.realignments) re-alignments")
        #expect(abs(estimate - 60) <= 1)
        #expect(processed.frontEnd.realignments >= 2)
        let atSplice = processed.delays[splice / 320]
        #expect(atSplice > 130)
    }

    @Test("a pure delay in noise is found to a quarter of a millisecond")
    func pureDelay() throws {
        var random = SeededRandom(seed: 5)
        let reference = AudioSignal.int16(AudioSignal.whiteNoise(count: 5 * EchoScenario.rate, rms: 0.05, random: &random))
        let lag = 2_345
        let microphone = [Int16](repeating: 0, count: lag) + reference.prefix(reference.count - lag).map { $0 / 2 }
        let processed = try process(microphone, reference: reference, configuration: FrontEndConfiguration())
        let estimate = try #require(processed.frontEnd.estimatedEchoDelayMilliseconds)
        #expect(abs(estimate - Double(lag) / 16) <= 0.25)
    }

    @Test("no far-end audio, or a reference the microphone never heard, moves nothing")
    func nothingToFind() throws {
        let scenario = try EchoScenario.make()
        // The near end alone (speaker muted), with and without a reference that was "played".
        let nearOnly = AudioSignal.int16(scenario.nearEnd)
        for reference in [[Int16](repeating: 0, count: nearOnly.count), scenario.reference] {
            let processed = try process(nearOnly, reference: reference, configuration: FrontEndConfiguration())
            #expect(processed.frontEnd.realignments == 0)
            #expect(processed.frontEnd.estimatedEchoDelayMilliseconds == nil)
            #expect(processed.frontEnd.delayMilliseconds == 0)
        }
    }
}
