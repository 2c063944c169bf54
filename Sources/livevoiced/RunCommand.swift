// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

import Threads
import ArgumentParser
import AudioEngine
import Daemon
import GPIO
import Log
import Time

/// `livevoiced run`: the daemon. Opens the GPIO lines and the audio devices from the configuration, tells
/// systemd it is ready, and turns button presses into spoken conversations with the Live API.
struct Run: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the smart speaker (the daemon systemd starts).",
        discussion: """
            Reads /etc/livevoiced/config.toml (or --config) and the API key from systemd's credential \
            gemini-api-key, live.api_key_file, or GEMINI_API_KEY. SIGTERM stops it cleanly (outputs to their \
            safe values, LED off, the session closed); SIGHUP reloads the configuration, keeping the running one \
            if the new one does not validate. Try it without hardware: `livevoiced simulate`.
            """)

    @Option(help: "The configuration file.")
    var config = "/etc/livevoiced/config.toml"

    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error.")
    var logLevel = "info"

    func run() async throws {
        let logger = Logger(label: "livevoiced", level: Logger.Level(name: logLevel) ?? .info, handler: StandardErrorLogHandler())
        TerminationSignals.shared.install()
        let path = config
        let initial: DaemonConfiguration
        do {
            initial = try loadConfiguration(path)
        } catch {
            logger.error("\(error)")  // the journal gets the reason at priority err, not a bare stderr line
            throw ExitCode(1)
        }
        let clock = SystemMonotonicClock()
        let launcher = DaemonLauncher(
            clock: clock, logger: logger, reporter: LoggingReporter(logger: logger),
            status: RuntimeStatus(startedAt: clock.now()),
            prepare: { configuration in
                let alsa = try configuration.audio.alsaConfigFile.map { try readConfigurationFile($0, what: "audio.alsa_config_file") }
                let engine = AudioEngine(
                    configuration: configuration.audioEngine(alsaConfigurationText: alsa),
                    makeProcessor: { try EchoCancellingProcessor(configuration: configuration.frontEnd) },
                    logger: logger.child("audio"))
                let client = try LiveClientFactory.make(configuration, logger: logger.child("live"))
                return DaemonLauncher.Setup(
                    configuration: configuration, gpio: try LibgpiodBackend(), engine: engine, client: client)
            },
            reload: { try loadConfiguration(path) })
        let status = await launcher.run(initial)
        if status != 0 { throw ExitCode(status) }
    }
}

/// Reads and validates a configuration file; the error names the file, the key and the line. Nothing is
/// printed here: the daemon logs the error (SIGHUP's refusal, a failed start) with its priority.
func loadConfiguration(_ path: String) throws -> DaemonConfiguration {
    let text = try readConfigurationFile(path, what: "the configuration file")
    do {
        return try DaemonConfiguration.parse(text)
    } catch {
        throw ExitError(message: "\(path): \(error)")
    }
}

/// A whole text file the daemon reads, or an error that says which and why (printed by nobody here).
func readConfigurationFile(_ path: String, what: String) throws -> String {
    switch Check.read(path, what: what) {
    case .success(let text): return text
    case .failure(let failure): throw ExitError(message: failure.description)
    }
}

/// Daemon reports as log lines (the journal, under `run`).
struct LoggingReporter: DaemonReporter {
    let logger: Logger

    func report(_ report: DaemonReport) {
        switch report {
        case .state(let state): logger.info("state: \(state.rawValue)")
        case .light: break
        case .session(let number, let event, let detail):
            logger.info("session \(number) \(event.rawValue)" + (detail.map { ": \($0)" } ?? ""))
        case .toolCall(let id, let name, let arguments): logger.notice("tool call \(name) \(arguments) (\(id))")
        case .toolResult(let id, let name, let result, let sent):
            logger.notice("tool result \(name) (\(id))\(sent ? "" : " not sent: cancelled"): \(result["message"]?.stringValue ?? result["error"]?.stringValue ?? "")")
        case .transcript(let speaker, let text): logger.debug("\(speaker.rawValue): \(text)")
        case .outputLine(let name, let active): logger.info("line \(name) \(active ? "on" : "off")")
        case .log: break  // the runtime logged it already
        case .summary(let counters):
            logger.notice("stopped: \(counters.sessionsOpened) sessions, \(counters.reconnects) reconnects, \(counters.turns) turns, \(counters.toolCalls) tool calls")
        }
    }
}
