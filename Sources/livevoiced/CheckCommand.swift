// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

import ALSA
import ArgumentParser
import AudioEngine
import BoardSupport
import CurlWebSocket
import Daemon
import GPIO
import Log
import TOML
import Time
#if canImport(Glibc)
import Glibc
#endif

/// `livevoiced check`: a doctor. Checks the libraries loaded at run time, the hardware, the whole daemon
/// configuration and, when asked, the Live API and the echo path, and says what to fix. Exits non-zero
/// when something livevoiced cannot run without is wrong.
struct Check: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check libraries, hardware, configuration, the Live API and the echo path; say what to fix.",
        discussion: """
            Without --config, /etc/livevoiced/config.toml is checked when it exists. The configuration is \
            validated as the daemon reads it (every section, key paths and lines in errors); then its button, \
            LED and tool lines are looked up on the GPIO chips and its audio devices opened briefly.

              livevoiced check --config board/profiles/raspberry-pi-4.toml --offline   # no hardware needed
              livevoiced check --online     # TLS, upgrade and setup with the configured key and model
              livevoiced check --audio      # echo delay and ERLE; suggests audio.delay_offset_ms
            """)

    static let defaultConfiguration = "/etc/livevoiced/config.toml"

    @Option(help: "The daemon's configuration file to validate and check against the hardware.")
    var config: String?

    @Flag(help: "Validate the configuration only: no GPIO chips, sound devices or network are looked at.")
    var offline = false

    @Flag(help: "Connect to the Live API with the configured key and model (setup only, no audio) and time the round trip.")
    var online = false

    @Flag(help: "Play a test signal through the configured speaker, measure the echo, and suggest audio.delay_offset_ms.")
    var audio = false

    @Option(help: "--audio: seconds of test signal (2 to 60).")
    var seconds: Double = 5

    @Option(help: "--online: another Live API peer than the configuration's (e.g. ws://127.0.0.1:8765, the local simulator).")
    var endpoint: String?

    @Option(name: .customLong("ca-file"), help: "--online: a PEM file of CA certificates to trust for a wss:// endpoint.")
    var caFile: String?

    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error.")
    var logLevel = "error"

    func validate() throws {
        if offline && (online || audio) {
            throw ValidationError("--offline looks at no hardware or network: it cannot be combined with --online or --audio")
        }
        guard (2...60).contains(seconds) else { throw ValidationError("--seconds must be between 2 and 60, not \(seconds)") }
    }

    func run() async throws {
        let logger = Logger(label: "check", level: Logger.Level(name: logLevel) ?? .error, handler: StandardErrorLogHandler())
        var report = CheckReport()
        checkCurl(&report)
        let path = config ?? (access(Self.defaultConfiguration, F_OK) == 0 ? Self.defaultConfiguration : nil)
        let configuration = path.flatMap { checkConfiguration($0, &report) }
        if !offline {
            let gpio = checkGPIO(&report)
            let sound = checkSound(&report)
            if let configuration {
                checkLines(configuration, gpio: gpio, &report)
                checkAudioDevices(configuration, cards: sound, &report)
            }
        }
        checkAPIKey(configuration, &report)
        if online { await checkOnline(configuration ?? DaemonConfiguration(), logger: logger, &report) }
        if audio {
            if let configuration {
                await checkEcho(configuration, logger: logger, &report)
            } else {
                report.fail("echo path", "--audio measures the configured devices: give --config FILE (or install /etc/livevoiced/config.toml)")
            }
        }
        report.print()
        if report.failures > 0 { throw ExitCode(1) }
    }

    private func checkCurl(_ report: inout CheckReport) {
        let runtime = CurlRuntime.current
        if runtime.supportsWebSocket {
            report.ok("libcurl", "\(runtime.version) with ws/wss" + (runtime.tlsBackend.map { ", \($0)" } ?? ""))
        } else {
            do { try runtime.requireWebSocket() } catch { report.fail("libcurl", error.message) }
        }
    }

    /// The whole configuration, validated as the daemon reads it.
    private func checkConfiguration(_ path: String, _ report: inout CheckReport) -> DaemonConfiguration? {
        let text: String
        switch Self.read(path, what: "--config") {
        case .success(let contents): text = contents
        case .failure(let reason):
            report.fail("config \(path)", reason.description)
            return nil
        }
        let configuration: DaemonConfiguration
        do {
            configuration = try DaemonConfiguration.parse(text)
        } catch {
            report.fail("config \(path)", error.description)
            return nil
        }
        var summary = "valid"
        if let board = configuration.boardName { summary += " (\(board))" }
        summary += "; model \(configuration.live.model), button \(configuration.button.line ?? "none") (\(configuration.button.mode.rawValue))"
        summary += ", LED \(configuration.led.line ?? "none")"
        report.ok("config \(path)", summary)
        let tools = configuration.tools.tools
        report.ok("  tools", tools.isEmpty ? "none" : "\(tools.count) valid: " + tools.map(\.name).joined(separator: ", "))
        if let alsa = configuration.audio.alsaConfigFile {
            switch Self.read(alsa, what: "audio.alsa_config_file") {
            case .success(let contents):
                do {
                    try ALSAConfigurationText.validate(contents)
                    report.ok("  audio.alsa_config_file", "\(alsa): valid ALSA configuration")
                } catch {
                    report.fail("  audio.alsa_config_file", "\(alsa) is not valid ALSA configuration (\(error.code); alsa-lib printed where)")
                }
            case .failure(let reason):
                report.fail("  audio.alsa_config_file", reason.description)
            }
        }
        return configuration
    }

    /// The libgpiod backend when at least one chip exists (to look up the config's lines).
    private func checkGPIO(_ report: inout CheckReport) -> (any GPIOBackend)? {
        do {
            let backend = try LibgpiodBackend()
            let chips = try backend.chips()
            report.ok("libgpiod", LibgpiodBackend.apiVersion + " (v2 API)")
            guard !chips.isEmpty else {
                report.warn("GPIO chips", "none (no /dev/gpiochip*): fine on a PC; on a board, check that the GPIO driver is loaded")
                return nil
            }
            report.ok("GPIO chips", chips.map { "\($0.name) [\($0.label)] \($0.lines.count) lines" }.joined(separator: ", "))
            return backend
        } catch {
            if error.code == .noChips {
                report.ok("libgpiod", LibgpiodBackend.apiVersion + " (v2 API)")
                report.warn("GPIO chips", error.message)
            } else {
                report.fail("GPIO", error.message)
            }
            return nil
        }
    }

    /// Whether there is a sound card to open the configured devices on.
    private func checkSound(_ report: inout CheckReport) -> Bool {
        guard let cards = SoundCards.list() else {
            report.warn("sound cards", "none (no /proc/asound): fine on a PC; on a board, check the sound driver or overlay")
            return false
        }
        if let node = SoundDeviceAccess.firstInaccessibleNode() {
            report.fail("sound cards", SoundDeviceAccess.permissionAdvice(node: node))
            return false
        } else if cards.isEmpty {
            report.warn("sound cards", "none: connect the USB sound card or enable the HAT's overlay; `livevoiced audio devices` lists what ALSA sees")
            return false
        }
        report.ok("sound cards", cards.map { "\($0.index) [\($0.id)] \($0.name)" }.joined(separator: ", "))
        return true
    }

    /// The button, LED and tool lines, looked up on the chips: found, and free (or held by the daemon).
    private func checkLines(_ configuration: DaemonConfiguration, gpio: (any GPIOBackend)?, _ report: inout CheckReport) {
        var lines: [(what: String, line: String)] = []
        if let line = configuration.button.line { lines.append(("button", line)) }
        if let line = configuration.led.line { lines.append(("led", line)) }
        for tool in configuration.tools.tools { lines.append(("tool \(tool.name)", tool.action.line)) }
        for (what, line) in lines {
            let label = "  \(what) line \(line)"
            guard let gpio else {
                report.warn(label, "not checked: no GPIO chip here")
                continue
            }
            do {
                let info = try gpio.lineInfo(LineAddress(line))
                if !info.isUsed {
                    report.ok(label, "\(info.id), free")
                } else if info.consumer == "livevoiced" {
                    report.ok(label, "\(info.id), held by livevoiced (the daemon runs)")
                } else {
                    report.fail(label, "\(info.id) is in use by '\(info.consumer ?? "?")': stop that program or pick another line")
                }
            } catch {
                report.fail(label, error.message)
            }
        }
    }

    /// Opens the configured microphone and speaker for a moment, as the daemon would.
    private func checkAudioDevices(_ configuration: DaemonConfiguration, cards: Bool, _ report: inout CheckReport) {
        let audio = configuration.audio
        guard cards else {
            report.warn("  audio devices", "\(audio.captureDevice) and \(audio.playbackDevice) not checked: no sound card here")
            return
        }
        let alsa = configuration.audio.alsaConfigFile.flatMap { try? Self.read($0, what: "audio.alsa_config_file").get() }
        for (stream, device, rate) in [(PCMStream.capture, audio.captureDevice, audio.captureRate),
                                       (PCMStream.playback, audio.playbackDevice, audio.playbackRate)] {
            let label = "  \(stream == .capture ? "audio.capture_device" : "audio.playback_device") \(device)"
            do {
                let pcm = try PCM(PCMConfiguration(
                    device: device, stream: stream, sampleRate: rate, periodMilliseconds: audio.periodMilliseconds,
                    periodsPerBuffer: audio.periodsPerBuffer, configurationText: alsa))
                report.ok(label, "opens (\(pcm.sampleRate) Hz, \(pcm.typeName))")
            } catch {
                if error.code == .deviceBusy {
                    report.warn(label, "busy: another program holds it (the running daemon?); `fuser -v /dev/snd/*` shows who")
                } else {
                    report.fail(label, error.description)
                }
            }
        }
    }

    private func checkAPIKey(_ configuration: DaemonConfiguration?, _ report: inout CheckReport) {
        if let project = configuration?.live.vertexProject {
            report.ok("credentials", "Vertex AI project \(project), token from \(configuration?.live.accessTokenFile ?? "?")")
            return
        }
        do {
            let key = try APIKey.find(keyFile: configuration?.live.apiKeyFile)
            report.ok("API key", "from \(key.source)")
            return
        } catch {
            if configuration?.live.apiKeyFile != nil {
                report.fail("API key", error.message)
                return
            }
        }
        // The unit's credential source: root's alone, so most users can only see that it is there.
        let unitKey = "/etc/livevoiced/gemini-api-key"
        var info = stat()
        if stat(unitKey, &info) == 0 {
            if info.st_mode & S_IROTH != 0 {
                report.fail("API key", "\(unitKey) is readable by every user: `sudo chmod 600 \(unitKey)`")
            } else {
                report.ok("API key", "\(unitKey) (the unit hands it over as the credential gemini-api-key)")
            }
        } else if endpoint?.lowercased().hasPrefix("ws://") == true || configuration?.live.endpoint?.lowercased().hasPrefix("ws://") == true {
            report.ok("API key", "none needed for a loopback ws:// endpoint")
        } else {
            report.warn("API key", "none: put it in \(unitKey) (chmod 600) or set GEMINI_API_KEY; get one at https://aistudio.google.com/apikey")
        }
    }

    private func checkOnline(_ configuration: DaemonConfiguration, logger: Logger, _ report: inout CheckReport) async {
        let outcome = await OnlineCheck.run(configuration, endpoint: endpoint, caFile: caFile, clock: SystemMonotonicClock(), logger: logger)
        switch outcome {
        case .success(let success):
            let ms = Int(success.roundTrip.components.seconds * 1000) + Int(success.roundTrip.components.attoseconds / 1_000_000_000_000_000)
            report.ok("Live API", "\(success.server), model \(success.model): setupComplete in \(ms) ms "
                + "(" + (success.server.hasPrefix("wss:") ? "TCP, TLS, upgrade, setup" : "TCP, upgrade, setup") + "; key from \(success.keySource))")
        case .failure(let failure):
            report.fail("Live API", failure.description)
        }
    }

    private func checkEcho(_ configuration: DaemonConfiguration, logger: Logger, _ report: inout CheckReport) async {
        let engine = configuration.audioEngine(alsaConfigurationText: configuration.audio.alsaConfigFile.flatMap { try? Self.read($0, what: "audio.alsa_config_file").get() })
        let frontEnd = configuration.frontEnd
        let measured: LoopbackMeasurement
        do {
            measured = try await LoopbackMeasurement.run(
                engine, seconds: seconds, levelDB: -20, makeProcessor: { try EchoCancellingProcessor(configuration: frontEnd) },
                logger: logger.child("audio"))
        } catch {
            report.fail("echo path", "\(error)")
            return
        }
        let stats = measured.statistics
        guard let analysis = measured.analysis else {
            report.fail("echo path", "the speaker (\(configuration.audio.playbackDevice)) never took the test signal")
            return
        }
        guard let delay = analysis.delayMilliseconds, let residual = measured.residualDelay(analysis) else {
            report.fail("echo path", "no echo found (correlation \(AudioFormat.decimal(analysis.correlation, 2))): is the speaker on "
                + "and loud enough (alsamixer), and the microphone near it?")
            return
        }
        var detail = "echo \(AudioFormat.decimal(delay)) ms behind the reference (correlation \(AudioFormat.decimal(analysis.correlation, 2)))"
        if let erle = analysis.erleDB { detail += ", ERLE \(AudioFormat.decimal(erle)) dB" }
        detail += ", xruns \(stats.capture.xruns)/\(stats.playback?.xruns ?? 0)"
        report.ok("echo path", detail)
        let suggested = Int(residual.rounded())
        let current = configuration.audio.delayOffsetMilliseconds
        report.ok("  suggestion", "[audio] delay_offset_ms = \(suggested)" + (current == suggested ? " (as configured)" : " (configured: \(current))"))
    }

    /// A whole text file (at most ``TextFile/configurationLimit``), or why it cannot be read: the message
    /// names `what`, the path and the fix.
    static func read(_ path: String, what: String) -> Result<String, ReadFailure> {
        do {
            return .success(try TextFile.read(atPath: path, what: what, limit: TextFile.configurationLimit))
        } catch {
            return .failure(ReadFailure(description: error.message))
        }
    }

    struct ReadFailure: Error, CustomStringConvertible {
        var description: String
    }
}

/// The doctor's findings, printed as aligned lines.
struct CheckReport {
    private var lines: [(mark: String, what: String, detail: String)] = []
    private(set) var failures = 0

    mutating func ok(_ what: String, _ detail: String) { lines.append(("ok  ", what, detail)) }
    mutating func warn(_ what: String, _ detail: String) { lines.append(("warn", what, detail)) }
    mutating func fail(_ what: String, _ detail: String) {
        failures += 1
        lines.append(("FAIL", what, detail))
    }

    func print() {
        let width = (lines.map(\.what.count).max() ?? 0) + 1
        for line in lines {
            Swift.print("\(line.mark) \(line.what.padding(width))\(line.detail)")
        }
        Swift.print(failures == 0 ? "livevoiced can run here." : "\(failures) problem(s) to fix before livevoiced can run.")
    }
}

extension String {
    func padding(_ width: Int) -> String { count >= width ? self + " " : self + String(repeating: " ", count: width - count) }
}
