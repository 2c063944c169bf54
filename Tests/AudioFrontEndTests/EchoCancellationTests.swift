// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

import AudioFrontEnd
import Foundation
import Testing
import TestKit

/// Frame labels of an ``EchoScenario`` (10 ms or 20 ms frames) and the measurements made with them.
struct EchoLabels {
    let frameSize: Int
    /// The echo is audible (above -45 dBFS).
    let echoActive: [Bool]
    /// Some near-end speech is present (the near end's signal is not digital silence).
    let nearEndPresent: [Bool]
    /// The near end is clearly talking (above -50 dBFS).
    let nearEndActive: [Bool]

    init(_ scenario: EchoScenario, frameSize: Int) {
        self.frameSize = frameSize
        echoActive = AudioMeasurement.activity(scenario.echo, frameSize: frameSize, thresholdDecibels: -45)
        nearEndPresent = AudioMeasurement.activity(scenario.nearEnd, frameSize: frameSize, thresholdDecibels: -100)
        nearEndActive = AudioMeasurement.activity(scenario.nearEnd, frameSize: frameSize, thresholdDecibels: -50)
    }

    func seconds(_ frame: Int) -> Double { Double(frame * frameSize) / Double(EchoScenario.rate) }

    /// Far-end-only frames (echo audible, no near end at all) starting within `window` seconds.
    func farEndOnly(in window: Range<Double>) -> [Int] {
        (0..<echoActive.count).filter { echoActive[$0] && !nearEndPresent[$0] && window.contains(seconds($0)) }
    }

    /// The time by which `seconds` of far-end speech (echo-active frames) have been played.
    func timeAfterFarEndSpeech(_ seconds: Double) -> Double {
        var active = 0.0
        for index in echoActive.indices where echoActive[index] {
            active += Double(frameSize) / Double(EchoScenario.rate)
            if active >= seconds { return self.seconds(index + 1) }
        }
        return .infinity
    }

    /// ERLE over `frames` (microphone against the time-aligned output).
    static func erle(_ scenario: EchoScenario, _ processed: ProcessedSignal, frames: [Int], frameSize: Int) -> Double {
        var metrics = EchoMetrics()
        scenario.microphone.withUnsafeBufferPointer { microphone in
            processed.output.withUnsafeBufferPointer { output in
                for index in frames where (index + 1) * frameSize <= output.count {
                    let range = index * frameSize..<(index + 1) * frameSize
                    metrics.add(
                        microphone: UnsafeBufferPointer(rebasing: microphone[range]),
                        output: UnsafeBufferPointer(rebasing: output[range]))
                }
            }
        }
        return metrics.erle ?? 0
    }
}

/// The rooms the canceller is tried in.
enum TestRoom: String, CaseIterable, CustomTestStringConvertible {
    /// 8 ms to the microphone, a 150 ms tail.
    case smallBox = "small box"
    /// 20 ms, a 250 ms tail (the default ``SyntheticRoom``).
    case shelf
    /// 35 ms, a 300 ms tail with stronger reflections.
    case livingRoom = "living room"

    var room: SyntheticRoom {
        var room = SyntheticRoom()
        switch self {
        case .smallBox:
            room.delayMilliseconds = 8
            room.reverberationMilliseconds = 150
        case .shelf:
            break
        case .livingRoom:
            room.delayMilliseconds = 35
            room.reverberationMilliseconds = 300
            room.tailGain = 0.3
            room.seed = 11
        }
        return room
    }

    var testDescription: String { rawValue }
}

@Suite("Echo cancellation on synthesised speech")
struct EchoCancellationTests {
    @Test(
        "aligned reference: ERLE ≥ 18 dB on far-end-only speech, near end kept in double talk (SDR ≥ 8 dB)",
        arguments: [
            (TestRoom.shelf, FrontEndConfiguration.FrameDuration.milliseconds20),
            (TestRoom.shelf, .milliseconds10),
            (TestRoom.smallBox, .milliseconds20),
            (TestRoom.livingRoom, .milliseconds20),
        ])
    func alignedReference(room: TestRoom, frameDuration: FrontEndConfiguration.FrameDuration) throws {
        let scenario = try EchoScenario.make(room: room.room)
        var configuration = FrontEndConfiguration()
        configuration.frameDuration = frameDuration
        // The reference is what the speaker played; only the room's own delay lies between them.
        configuration.referenceDelay = .fixed(milliseconds: 0)
        let processed = try process(scenario.microphone, reference: scenario.reference, configuration: configuration)
        let labels = EchoLabels(scenario, frameSize: configuration.frameSize)

        // After 8 s of convergence, until the near end starts at 16 s.
        let farEndOnly = labels.farEndOnly(in: 8..<16)
        #expect(farEndOnly.count * configuration.frameSize >= 4 * EchoScenario.rate)
        let erle = EchoLabels.erle(scenario, processed, frames: farEndOnly, frameSize: configuration.frameSize)
        // Double talk: the near end over the far end, measured against the clean near end after the best
        // short FIR fit, so the canceller's DC notch and any fixed lag cost nothing.
        let doubleTalk = 16 * EchoScenario.rate..<16 * EchoScenario.rate + (try EchoScenario.Cache.nearEnd()).count
        let sdr = AudioMeasurement.signalToDistortionRatio(
            output: AudioSignal.float(processed.output), reference: scenario.nearEnd, range: doubleTalk, lag: 0)
        print("\(room.rawValue), \(frameDuration.rawValue) ms frames: ERLE \(erle) dB over \(farEndOnly.count) frames, double-talk SDR \(sdr) dB")
        #expect(erle >= 18)
        #expect(sdr >= 8)
    }

    @Test("without the canceller the echo stays (the measurement is not trivially met)")
    func noCanceller() throws {
        let scenario = try EchoScenario.make()
        var configuration = FrontEndConfiguration()
        configuration.echoCancellation = false
        let processed = try process(scenario.microphone, reference: scenario.reference, configuration: configuration)
        let labels = EchoLabels(scenario, frameSize: configuration.frameSize)
        let erle = EchoLabels.erle(scenario, processed, frames: labels.farEndOnly(in: 8..<16), frameSize: configuration.frameSize)
        #expect(erle < 6)
    }

    @Test("the VAD ignores the assistant's echo and hears the near end talking over it")
    func vadDuringEcho() throws {
        let scenario = try EchoScenario.make()
        let configuration = FrontEndConfiguration()
        let processed = try process(scenario.microphone, reference: scenario.reference, configuration: configuration)
        let labels = EchoLabels(scenario, frameSize: configuration.frameSize)
        // Once converged (the automatic delay needs a couple of seconds of far-end speech first).
        let echoFrames = labels.farEndOnly(in: 5..<60)
        let falseAlarms = echoFrames.filter { processed.analyses[$0].isSpeech }.count
        let talking = labels.nearEndActive.indices.filter { labels.nearEndActive[$0] && $0 < processed.analyses.count }
        let heard = talking.filter { processed.analyses[$0].isSpeech }.count
        let falseAlarmRate = Double(falseAlarms) / Double(echoFrames.count)
        let recall = Double(heard) / Double(talking.count)
        print("VAD on echo-only frames: \(falseAlarmRate); on near-end frames during double talk: \(recall)")
        #expect(falseAlarmRate <= 0.10)
        #expect(recall >= 0.6)
    }
}
