// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

import ArgumentParser
import AudioEngine

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// `livevoiced audio loopback`: plays a test signal through the speaker while recording through the
/// microphone, the way the daemon does, and measures the echo path.
struct AudioLoopback: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "loopback",
        abstract: "Play a test signal while recording; measure the echo delay and how much echo is removed.",
        discussion: """
            Keep the room quiet while it runs: the test signal is noise bursts at --level-db. It reports how \
            far the echo lags the reference the engine hands the echo canceller (after the device delays \
            the engine measures itself) and the --delay-ms that lines them up; the echo return loss (how \
            much quieter the echo is than what was played); and the echo return loss enhancement (ERLE) \
            the front end achieved, as a plain energy ratio.

            With --save DIR the microphone, the aligned reference and the front end's output are written \
            as 16 kHz raw S16_LE files for `livevoiced audio process`.
            """)

    @OptionGroup var devices: AudioDeviceOptions

    @Option(help: "How long to play the test signal, in seconds (2 to 60).")
    var seconds: Double = 5

    @Option(name: .customLong("level-db"), help: "Test signal level in dBFS (-40 to -6).")
    var levelDB: Double = -20

    @Option(help: "Write mic.raw, reference.raw and output.raw (16 kHz S16_LE) into this directory.")
    var save: String?

    func validate() throws {
        guard (2...60).contains(seconds) else { throw ValidationError("--seconds must be between 2 and 60, not \(seconds)") }
        guard (-40...(-6)).contains(levelDB) else { throw ValidationError("--level-db must be between -40 and -6, not \(levelDB)") }
        if let save {
            var info = stat()
            guard stat(save, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR else {
                throw ValidationError("--save: '\(save)' is not a directory")
            }
        }
    }

    func run() async throws {
        let configuration = try devices.engineConfiguration(playback: true)
        let measured = try await LoopbackMeasurement.run(
            configuration, seconds: seconds, levelDB: levelDB, makeProcessor: { try makeMicProcessor() }, logger: devices.logger())
        let stats = measured.statistics
        if Interrupt.isRaised { throw ExitCode(130) }
        let mic = measured.mic

        if let save {
            try Self.writeRaw("\(save)/mic.raw", mic)
            try Self.writeRaw("\(save)/reference.raw", measured.reference)
            try Self.writeRaw("\(save)/output.raw", measured.output)
        }
        let playbackStats = stats.playback
        print("Loopback: capture '\(stats.capture.device)' at \(stats.capture.sampleRate) Hz, playback '\(playbackStats?.device ?? "?")' at \(playbackStats?.sampleRate ?? 0) Hz, \(AudioFormat.decimal(Double(mic.count) / 16000)) s recorded")
        if let p = playbackStats?.delayMilliseconds, let c = stats.capture.delayMilliseconds {
            print("  device delays (compensated by the engine): playback \(AudioFormat.decimal(p)) ms, capture \(AudioFormat.decimal(c)) ms")
        }
        print("  xruns: capture \(stats.capture.xruns), playback \(playbackStats?.xruns ?? 0); reference late \(stats.referenceLateSamples) samples")
        guard let analysis = measured.analysis else {
            print("The reference never carried the test signal: the playback device did not take it. Check --playback-device.")
            throw ExitCode(2)
        }
        if let erl = analysis.echoReturnLossDB { print("  echo return loss: \(AudioFormat.decimal(erl)) dB") }
        if let erle = analysis.erleDB {
            print("  ERLE after convergence (second half of the signal): \(AudioFormat.decimal(erle)) dB")
        }
        guard let delay = analysis.delayMilliseconds, let residual = measured.residualDelay(analysis) else {
            print("No echo found (correlation \(AudioFormat.decimal(analysis.correlation, 2))): is the speaker on and loud enough "
                + "(alsamixer), and the microphone near it? Try --level-db -10.")
            throw ExitCode(2)
        }
        // The reference here is the one handed to the front end: placed `lead` ms ahead of the echo the
        // engine expects, before the front end's own delay. What remains is the whole unmeasured delay,
        // whatever --delay-ms was given.
        let lead = measured.leadMilliseconds
        let suggested = Int(residual.rounded())
        print("  echo lags the reference by \(AudioFormat.decimal(delay)) ms (correlation \(AudioFormat.decimal(analysis.correlation, 2)); "
            + "the engine's \(Int(lead)) ms lead included)")
        if analysis.correlation < 0.3 {
            print("  (a weak correlation: noise, or a speaker that distorts; the delay may be off)")
        }
        print("Suggested: --delay-ms \(suggested)"
            + (devices.delayMilliseconds == 0 ? "" : " (was \(devices.delayMilliseconds))")
            + (residual < -2 ? "  — negative: the devices report more delay than there is" : ""))
    }

    static func writeRaw(_ path: String, _ samples: [Int16]) throws {
        guard let file = fopen(path, "w") else {
            throw ValidationError("--save: cannot write '\(path)': \(String(cString: strerror(errno)))")
        }
        defer { fclose(file) }
        let written = samples.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, file) }
        guard written == samples.count * 2 else {
            throw ValidationError("--save: writing '\(path)' failed: \(String(cString: strerror(errno)))")
        }
    }
}
