// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

import Threads
import ALSA
import ArgumentParser
import AudioEngine
import AudioFrontEnd
import Daemon
import Log
import Synchronization
import TOML

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// `livevoiced audio`: find, try and tune the microphone and speaker of a board.
struct Audio: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audio",
        abstract: "Find, test and tune the microphone and speaker.",
        discussion: """
            Device names are ALSA PCM names: 'default', 'plughw:CARD=Device,DEV=0', 'plughw:1,0', or a \
            name from /etc/asound.conf; `livevoiced audio devices` lists them. A first session:

              livevoiced audio devices
              livevoiced audio meter --capture-device plughw:1
              livevoiced audio loopback --capture-device plughw:1 --playback-device plughw:1
            """,
        subcommands: [AudioDevices.self, AudioMeter.self, AudioLoopback.self, AudioProcess.self])
}

/// Device and engine options shared by the `audio` subcommands that run the audio engine.
struct AudioDeviceOptions: ParsableArguments {
    @Option(name: .customLong("capture-device"), help: "ALSA PCM of the microphone (see `livevoiced audio devices`).")
    var captureDevice = "default"

    @Option(name: .customLong("playback-device"), help: "ALSA PCM of the speaker.")
    var playbackDevice = "default"

    @Option(name: .customLong("period-ms"), help: "Device period in milliseconds: 10 or 20.")
    var periodMilliseconds = 10

    @Option(
        name: .customLong("alsa-config"),
        help: ArgumentHelp(
            "Add the PCMs defined in this asound.conf-syntax file to the system's ALSA configuration.",
            discussion: "To try a setup from board/alsa/ without installing it in /etc/asound.conf."))
    var alsaConfig: String?

    @Option(name: .customLong("delay-ms"), help: "Extra delay of the echo behind the reference, in ms (`audio loopback` suggests one).")
    var delayMilliseconds = 0

    @Flag(name: .customLong("no-realtime"), help: "Do not ask for real-time (SCHED_FIFO) priority for the audio threads.")
    var noRealtime = false

    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error.")
    var logLevel = "notice"

    func validate() throws {
        guard periodMilliseconds == 10 || periodMilliseconds == 20 else {
            throw ValidationError("--period-ms must be 10 or 20, not \(periodMilliseconds)")
        }
        guard (-500...1000).contains(delayMilliseconds) else {
            throw ValidationError("--delay-ms must be between -500 and 1000, not \(delayMilliseconds)")
        }
        guard Logger.Level(name: logLevel) != nil else {
            throw ValidationError("--log-level must be one of trace, debug, info, notice, warning, error; not '\(logLevel)'")
        }
        if let alsaConfig {
            do {
                try ALSAConfigurationText.validate(try readTextFile(alsaConfig, what: "--alsa-config"))
            } catch let error as ALSAError {
                throw ValidationError("--alsa-config: '\(alsaConfig)' is not valid ALSA configuration (\(error.code); alsa-lib printed where)")
            }
        }
    }

    /// The engine configuration these options describe; `playback: false` opens only the microphone.
    func engineConfiguration(playback: Bool) throws -> AudioEngineConfiguration {
        var configuration = AudioEngineConfiguration()
        configuration.capture = .init(name: captureDevice, sampleRate: 16000, periodMilliseconds: periodMilliseconds)
        configuration.playback = playback
            ? .init(name: playbackDevice, sampleRate: 24000, periodMilliseconds: periodMilliseconds) : nil
        configuration.alsaConfigurationText = try alsaConfig.map { try readTextFile($0, what: "--alsa-config") }
        configuration.alsaConfigurationTextExtendsSystem = true
        configuration.referenceOffsetMilliseconds = delayMilliseconds
        configuration.realtimePriority = noRealtime ? nil : 60
        return configuration
    }

    /// Logs to standard error at the chosen level.
    func logger() -> Logger {
        Logger(label: "audio", level: Logger.Level(name: logLevel) ?? .notice, handler: StandardErrorLogHandler())
    }
}

/// The front end the `audio` commands run: the real one (speexdsp echo canceller, denoiser and VAD, with
/// automatic delay estimation on top of the engine's measured device delays), in 20 ms frames.
func makeMicProcessor() throws -> any MicProcessor {
    try EchoCancellingProcessor(configuration: FrontEndConfiguration())
}

/// Reads a whole text file (a configuration: at most ``TextFile/configurationLimit`` bytes), with an error
/// that names the option and the reason.
func readTextFile(_ path: String, what: String, limit: Int = TextFile.configurationLimit) throws -> String {
    do {
        return try TextFile.read(atPath: path, what: what, limit: limit)
    } catch {
        throw failure(error.message)
    }
}

/// Ctrl-C (SIGINT) and SIGTERM for the commands that run until interrupted: the first stops the engine
/// cleanly; a second exits at once, for a device that hangs.
enum Interrupt {
    /// Routes the signals to ``TerminationSignals`` (once per process).
    static func install() { TerminationSignals.shared.install() }

    /// Whether a signal arrived.
    static var isRaised: Bool { TerminationSignals.shared.count > 0 }

    /// Stops `engine` at the first signal, so that a command waiting for frames that no longer come (a
    /// device unplugged) still ends; exits at the second.
    static func stopOnInterrupt(_ engine: AudioEngine) -> Task<Void, Never> {
        TerminationSignals.shared.whenSignalled(after: 0) { _ in
            engine.stop()
            if await TerminationSignals.shared.wait(after: 1) != nil { _exit(130) }
        }
    }
}

/// Formatting helpers for the `audio` commands.
enum AudioFormat {
    /// `12.3`
    static func decimal(_ value: Double, _ digits: Int = 1) -> String {
        guard value.isFinite else { return value > 0 ? "inf" : "-inf" }
        var scale = 1.0
        for _ in 0..<digits { scale *= 10 }
        let rounded = (abs(value) * scale).rounded() / scale
        let integer = Int(rounded)
        var fraction = String(Int(((rounded - Double(integer)) * scale).rounded()))
        while fraction.count < digits { fraction = "0" + fraction }
        let sign = value < 0 && rounded > 0 ? "-" : ""
        return digits == 0 ? "\(sign)\(integer)" : "\(sign)\(integer).\(fraction)"
    }

    /// Whether standard output is a terminal (live redraws) or a pipe/file (one line at a time).
    static var isTerminal: Bool { isatty(STDOUT_FILENO) == 1 }

    /// Writes to standard output now (no line buffering).
    static func output(_ text: String) {
        var text = text
        text.withUTF8 { bytes in
            var offset = 0
            while offset < bytes.count {
                let n = write(STDOUT_FILENO, bytes.baseAddress! + offset, bytes.count - offset)
                if n <= 0 { break }
                offset += n
            }
        }
    }
}
