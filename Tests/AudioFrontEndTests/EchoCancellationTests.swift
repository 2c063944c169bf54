// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

import AudioFrontEnd
import Foundation
import Testing
import TestKit

/// Frame-level labels and measurements of one processed echo scenario.
struct EchoReport {
    var erle: Double
    var erleFrames: Int
    var doubleTalkSDR: Double

    /// ERLE over far-end-only frames (echo active, near end silent) whose start lies in `window` (seconds).
    static func erle(_ scenario: EchoScenario, _ processed: ProcessedSignal, window: Range<Double>) -> (Double, Int) {
        let frame = 160
        let echoActive = AudioMeasurement.activity(scenario.echo, frameSize: frame, thresholdDecibels: -45)
        let nearActive = AudioMeasurement.activity(scenario.nearEnd, frameSize: frame, thresholdDecibels: -70)
        var metrics = EchoMetrics()
        let count = min(echoActive.count, processed.output.count / frame)
        scenario.microphone.withUnsafeBufferPointer { mic in
            processed.output.withUnsafeBufferPointer { out in
                for index in 0..<count where echoActive[index] && !nearActive[index] {
                    let seconds = Double(index * frame) / 16_000
                    guard window.contains(seconds) else { continue }
                    let range = index * frame..<(index + 1) * frame
                    metrics.add(microphone: UnsafeBufferPointer(rebasing: mic[range]), output: UnsafeBufferPointer(rebasing: out[range]))
                }
            }
        }
        return (metrics.erle ?? 0, metrics.frames)
    }
}

@Suite("Echo cancellation on synthesised speech")
struct EchoCancellationTests {
    @Test("explore")
    func explore() throws {
        for (level, tail, drive) in [(Float(0), Float(0.25), Float(1.5)), (-6, 0.25, 1.5), (-10, 0.25, 1.5), (-6, 0.4, 1.5), (-6, 0.25, 3)] {
        var room = SyntheticRoom()
        room.tailGain = tail
        room.saturationDrive = drive
        let scenario = try EchoScenario.make(room: room, nearEndLevel: level)
        print("level", level, "tail", tail, "drive", drive)
        for frameDuration in FrontEndConfiguration.FrameDuration.allCases {
            var configuration = FrontEndConfiguration()
            configuration.frameDuration = frameDuration
            configuration.referenceDelay = .fixed(milliseconds: 0)
            let processed = try process(scenario.microphone, reference: scenario.reference, configuration: configuration)
            let (erle, frames) = EchoReport.erle(scenario, processed, window: 8..<16)
            let (erle2, frames2) = EchoReport.erle(scenario, processed, window: 24..<60)
            let dt = 16 * 16000..<Int(16 * 16000) + scenario.nearEnd.count
            let out = AudioSignal.float(processed.output)
            let sdr = AudioMeasurement.signalToDistortionRatio(output: out, reference: scenario.nearEnd, range: 16 * 16000..<24 * 16000, lag: 0)
            print(frameDuration, "ERLE", erle, frames, "late", erle2, frames2, "SDR", sdr, dt)
        }
        }
    }
}

@Suite("explore2")
struct Explore2 {
    @Test("explore auto")
    func exploreAuto() throws {
        for extra in [0, 1920] {
            let scenario = try EchoScenario.make(extraDelay: extra)
            for mode in [FrontEndConfiguration.ReferenceDelay.fixed(milliseconds: extra / 16), .automatic] {
                var configuration = FrontEndConfiguration()
                configuration.referenceDelay = mode
                let processed = try process(scenario.microphone, reference: scenario.reference, configuration: configuration)
                let (erle, frames) = EchoReport.erle(scenario, processed, window: 5..<16)
                let (erle0, _) = EchoReport.erle(scenario, processed, window: 0..<5)
                let (erle2, frames2) = EchoReport.erle(scenario, processed, window: 24..<60)
                let sdr = AudioMeasurement.signalToDistortionRatio(output: AudioSignal.float(processed.output), reference: scenario.nearEnd, range: 16 * 16000..<24 * 16000, lag: 0)
                print(extra, mode, "ERLE0-5", erle0, "ERLE5-16", erle, frames, "late", erle2, frames2, "SDR", sdr, "realign", processed.frontEnd.realignments, "delay", processed.frontEnd.delayMilliseconds, processed.frontEnd.estimatedEchoDelayMilliseconds ?? -1)
                var last = -1.0
                for (i, d) in processed.delays.enumerated() where d != last { print("  t=\(Double(i) * 0.02) delay \(d)"); last = d }
            }
        }
    }
}
