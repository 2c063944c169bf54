// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

import AudioEngine
import Log

/// The echo path measurement behind `audio loopback` and `check --audio`: plays a test signal through the
/// speaker while the engine records the microphone and the reference it hands the echo canceller, the way
/// the daemon runs, then analyses the echo (delay, echo return loss, ERLE).
struct LoopbackMeasurement {
    /// The engine's counters when it stopped.
    var statistics: AudioEngineStatistics
    /// The microphone, the aligned reference and the front end's output (16 kHz), from 200 ms before
    /// the test signal reached the reference.
    var mic: [Int16]
    var reference: [Int16]
    var output: [Int16]
    /// False when the reference never carried the test signal (the speaker did not take it).
    var started: Bool
    /// The reference's lead over the echo the engine expects, ms (part of the measured delay).
    var leadMilliseconds: Double

    /// The analysis, once the signal was seen.
    var analysis: LoopbackAnalysis? {
        started ? LoopbackAnalysis.analyze(mic: mic, reference: reference, output: output) : nil
    }

    /// The whole delay the devices do not report, ms: the value for `--delay-ms` / `delay_offset_ms`.
    func residualDelay(_ analysis: LoopbackAnalysis) -> Double? {
        analysis.delayMilliseconds.map { $0 - leadMilliseconds }
    }

    /// Runs the measurement: `seconds` of test signal at `levelDB` dBFS. The configuration's `diagnostics`
    /// is turned on here. Returns early when Ctrl-C or SIGTERM stops the engine.
    static func run(_ configuration: AudioEngineConfiguration, seconds: Double, levelDB: Double,
                    makeProcessor: @escaping @Sendable () throws -> any MicProcessor, logger: Logger) async throws -> LoopbackMeasurement {
        var configuration = configuration
        configuration.diagnostics = true
        let engine = AudioEngine(configuration: configuration, makeProcessor: makeProcessor, logger: logger)
        Interrupt.install()
        try engine.start()
        let watchdog = Interrupt.stopOnInterrupt(engine)
        defer { watchdog.cancel() }

        let signal = LoopbackSignal.make(seconds: seconds, sampleRate: 24000, levelDBFS: levelDB)
        let sink = engine.playback
        let feeder = Task {
            var offset = 0
            while offset < signal.count {
                offset += sink.write(signal[offset...])
                if offset < signal.count {
                    guard await sink.waitForSpace(atLeast: min(4800, signal.count - offset)) else { return }
                }
            }
        }
        // Record the signal plus half a second for the last echo to die away.
        let wanted = Int((seconds + 0.5) * 100)
        var mic: [Int16] = []
        var reference: [Int16] = []
        var output: [Int16] = []
        var started = false
        for await frame in engine.frames {
            guard let diagnostics = frame.diagnostics else { continue }
            // Start the recording with the first frame whose reference carries the signal, minus 200 ms.
            if !started {
                mic += diagnostics.mic
                reference += diagnostics.reference
                output += frame.samples
                if diagnostics.reference.contains(where: { $0 != 0 }) {
                    started = true
                    let keep = 3200 + diagnostics.reference.count
                    mic = Array(mic.suffix(keep))
                    reference = Array(reference.suffix(keep))
                    output = Array(output.suffix(keep))
                } else if mic.count > 16000 * 5 {
                    break  // five seconds and the reference never came: reported by the caller
                }
                continue
            }
            mic += diagnostics.mic
            reference += diagnostics.reference
            output += frame.samples
            if mic.count >= wanted * 160 { break }
        }
        feeder.cancel()
        engine.stop()
        return LoopbackMeasurement(
            statistics: engine.statistics, mic: mic, reference: reference, output: output, started: started,
            leadMilliseconds: Double(configuration.referenceLeadMilliseconds))
    }
}
