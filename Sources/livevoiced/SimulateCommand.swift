// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

import ArgumentParser
import AudioEngine
import Conversation
import Daemon
import GPIO
import Log
import Synchronization
import Time

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// `livevoiced simulate`: the real daemon (the same controller and runtime as `run`) on a simulated board,
/// with WAV files or the default sound devices, against any Live API peer.
struct Simulate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the daemon on a simulated board: a scripted or keyboard-driven button, WAV files as mic and speaker.",
        discussion: """
            The button, the LED and the tools' lines are simulated (GPIO0-GPIO27 plus any line the config \
            names); the rest is the daemon as it runs on a board. Without --script the keyboard drives it: \
            space presses and releases the button, q quits.

            The Live API peer: --endpoint (the local simulator, or any wss:// one); else the real service when \
            GEMINI_API_KEY is set; else the local simulator (live-simulator) when it is installed beside \
            livevoiced, started for the run.

            A script has one event a line, times in seconds from the moment the daemon is ready:
              0.5 press | 3 release | 8 click | 9 long-press | 10 double-press | 12 line GPIO24 1 | 20 quit
            """)

    @Option(help: "The configuration (default: the annotated example, board/examples/livevoiced.toml).")
    var config: String?

    @Option(help: "A Live API peer, e.g. ws://127.0.0.1:8765 for the local simulator, or wss://....")
    var endpoint: String?

    @Option(name: .customLong("ca-file"), help: "PEM file of CA certificates to trust for a wss:// endpoint.")
    var caFile: String?

    @Option(name: .customLong("mic-file"), help: "A mono WAV file (16 kHz; other rates are resampled) as the microphone, at real-time pace, silence after it.")
    var micFile: String?

    @Option(name: .customLong("playback-file"), help: "Write exactly what the speaker was handed to this 24 kHz WAV file.")
    var playbackFile: String?

    @Option(help: "A timeline of button presses and line changes (see below).")
    var script: String?

    @Flag(help: "One JSON object a line for every state change, LED pattern, line change, tool call and result, transcript and error, and a summary.")
    var json = false

    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error (standard error).")
    var logLevel = "warning"

    func validate() throws {
        if micFile == nil && playbackFile != nil {
            // Fine: the default microphone with the speaker to a file.
        }
    }

    func run() async throws {
        let logger = Logger(label: "livevoiced", level: Logger.Level(name: logLevel) ?? .warning,
                            handler: StandardErrorLogHandler(style: .terminal))
        TerminationSignals.shared.install()
        var configuration = try loadConfiguration(config ?? Self.exampleConfiguration())
        let timeline = try script.map { try SimulationScript(parsing: try readTextFile($0, what: "--script")) }
        if configuration.button.line == nil { configuration.button.line = "GPIO17" }

        // The Live API peer.
        var endpoint = endpoint
        var simulator: ChildProcess?
        if endpoint == nil, configuration.live.endpoint == nil, !Self.hasAPIKey(configuration) {
            (simulator, endpoint) = try Self.startLocalSimulator(configuration)
        }

        let clock = SystemMonotonicClock()
        let board = SimulatedBoard(lines: Self.lines(for: configuration), clock: clock)
        let audio = try SimulatedAudio(micFile: micFile, playbackFile: playbackFile)
        let alsaText = audio.configurationText
        let captureName = audio.captureDevice
        let playbackName = audio.playbackDevice
        let peer = endpoint
        let micGiven = micFile != nil
        let playbackGiven = playbackFile != nil
        let useFiles = micFile != nil || playbackFile != nil
        let reporter: any DaemonReporter = json
            ? JSONLinesReporter(clock: clock) : TerminalReporter(clock: clock)
        // The tools' lines (the LED's blinking is reported as its status instead).
        let ledLine = configuration.led.line
        board.observeOutputs { id, active, _ in
            let name = id.name ?? id.description
            if name != ledLine { reporter.report(.outputLine(name: name, active: active)) }
        }
        let stop = ShutdownTrigger()
        let driver = ScriptDriver(board: board, configuration: configuration, clock: clock, stop: stop, logger: logger)
        let caFile = caFile
        let launcher = DaemonLauncher(
            clock: clock, logger: logger, reporter: reporter, notifier: SystemdNotifier(environment: { _ in nil }),
            status: RuntimeStatus(startedAt: clock.now()), buttonRequired: false,
            prepare: { configuration in
                var engineConfiguration = configuration.audioEngine()
                if useFiles {
                    engineConfiguration.alsaConfigurationText = alsaText
                    if micGiven { engineConfiguration.capture.name = captureName }
                    if playbackGiven || micGiven { engineConfiguration.playback?.name = playbackName }
                }
                engineConfiguration.realtimePriority = nil
                let engine = AudioEngine(
                    configuration: engineConfiguration,
                    makeProcessor: { try EchoCancellingProcessor(configuration: configuration.frontEnd) },
                    logger: logger.child("audio"))
                let client = try LiveClientFactory.make(configuration, endpoint: peer, caFile: caFile, logger: logger.child("live"))
                return DaemonLauncher.Setup(
                    configuration: configuration, gpio: board, engine: engine, client: client)
            },
            onRuntime: { _ in driver.daemonReady(timeline) },
            stop: stop)
        let status = await launcher.run(configuration)
        driver.finish()
        withExtendedLifetime(simulator) {}
        simulator = nil
        if let seconds = try audio.finishPlaybackFile(), let playbackFile, !json {
            print("wrote \(playbackFile): \(String(format1: seconds)) s of 24 kHz audio")
        }
        if status != 0 { throw ExitCode(status) }
    }

    /// The annotated example: installed with the package, or in the checkout this binary was built in.
    static func exampleConfiguration() throws -> String {
        var candidates: [String] = []
        if let override = getenv("LIVEVOICED_EXAMPLE_CONFIG").map({ String(cString: $0) }) { candidates.append(override) }
        if let directory = executableDirectory() {
            candidates.append(directory + "/../share/livevoiced/livevoiced.toml")
            candidates.append(directory + "/../../board/examples/livevoiced.toml")
            candidates.append(directory + "/../../../board/examples/livevoiced.toml")
        }
        candidates.append("/usr/share/livevoiced/livevoiced.toml")
        for path in candidates where access(path, R_OK) == 0 { return path }
        throw failure("no example configuration found (looked in \(candidates.joined(separator: ", "))); pass --config FILE")
    }

    static func hasAPIKey(_ configuration: DaemonConfiguration) -> Bool {
        (try? APIKey.find(keyFile: configuration.live.apiKeyFile)) != nil || configuration.live.vertexProject != nil
    }

    /// Starts `live-simulator` from beside this binary on a free port; its first spoken turn calls the
    /// configuration's first pulse or switch tool, so the demo switches a line.
    static func startLocalSimulator(_ configuration: DaemonConfiguration) throws -> (ChildProcess, String) {
        guard let directory = executableDirectory(), access(directory + "/live-simulator", X_OK) == 0 else {
            throw failure("""
                no Live API peer: set GEMINI_API_KEY to talk to Gemini, pass --endpoint URL, or build the local \
                simulator beside livevoiced (`swift build --product live-simulator`, Swift 6.1 or newer)
                """)
        }
        var arguments = ["--port", "0", "--realtime"]
        if let tool = configuration.tools.tools.first(where: { $0.action.kind == .pulse || $0.action.kind == .set }) {
            let args = tool.action.kind == .set ? "{\"on\":true}" : "{}"
            arguments += ["--tool", "\(tool.name):@speech=1:\(args)"]
        }
        let child = try ChildProcess(directory + "/live-simulator", arguments)
        while let line = child.readLine() {
            if let start = line.split(separator: " ").first(where: { $0.hasPrefix("ws://") }) {
                return (child, String(start))
            }
        }
        throw failure("the local simulator did not start (see its messages above)")
    }

    /// The simulated chip: GPIO0 to GPIO27 as on a Pi's header, plus every named line the config uses.
    static func lines(for configuration: DaemonConfiguration) -> [SimulatedBoard.LineSpec] {
        var names = (0...27).map { "GPIO\($0)" }
        let used = [configuration.button.line, configuration.led.line] + configuration.tools.tools.map { Optional($0.action.line) }
        for case let name? in used where !name.contains(":") && !names.contains(name) { names.append(name) }
        return names.map { name in
            // The button idles released: high with its pull-up when active-low.
            if name == configuration.button.line { return SimulatedBoard.LineSpec(name: name, level: configuration.button.activeLow) }
            return SimulatedBoard.LineSpec(name: name)
        }
    }
}

/// Plays a script (or the keyboard) on the simulated board: the button by its line's level, so the real
/// debouncing and gesture code runs; inputs by theirs.
final class ScriptDriver: Sendable {
    private let board: SimulatedBoard
    private let buttonLine: String
    private let pressedLevel: Bool
    private let longPress: Duration
    private let clock: any MonotonicClock
    private let stop: ShutdownTrigger
    private let logger: Logger
    private let task = Mutex<Task<Void, Never>?>(nil)
    private let keyboard = Mutex<KeyboardInput?>(nil)

    init(board: SimulatedBoard, configuration: DaemonConfiguration, clock: any MonotonicClock, stop: ShutdownTrigger, logger: Logger) {
        self.board = board
        buttonLine = configuration.button.line ?? "GPIO17"
        pressedLevel = !configuration.button.activeLow
        longPress = .milliseconds(configuration.button.longPressMilliseconds)
        self.clock = clock
        self.stop = stop
        self.logger = logger
    }

    /// The daemon is ready: start the timeline (or the keyboard) now.
    func daemonReady(_ script: SimulationScript?) {
        let started = task.withLock { task -> Bool in
            guard task == nil else { return false }
            task = Task { [self] in
                if let script { await play(script) } else { await keys() }
            }
            return true
        }
        _ = started
    }

    func finish() {
        task.withLock { $0?.cancel() }
        keyboard.withLock { $0 = nil }
    }

    private func set(_ line: String, high: Bool) {
        do {
            try board.setLevel(line, high: high)
        } catch {
            logger.error("script: \(error.message)")
        }
    }

    private func press() { set(buttonLine, high: pressedLevel) }
    private func release() { set(buttonLine, high: !pressedLevel) }

    private func pause(_ duration: Duration) async {
        try? await clock.sleep(until: clock.now() + duration)
    }

    private func play(_ script: SimulationScript) async {
        let start = clock.now()
        for step in script.steps {
            do {
                try await clock.sleep(until: start + .milliseconds(Int64(step.seconds * 1000)))
            } catch {
                return
            }
            switch step.action {
            case .press: press()
            case .release: release()
            case .click:
                press()
                await pause(.milliseconds(150))
                release()
            case .longPress:
                press()
                await pause(longPress + .milliseconds(300))
                release()
            case .doublePress:
                press()
                await pause(.milliseconds(120))
                release()
                await pause(.milliseconds(120))
                press()
                await pause(.milliseconds(120))
                release()
            case .quit:
                stop.fire()
                return
            case .line(let name, let high):
                set(name, high: high)
            }
        }
    }

    private func keys() async {
        guard let input = KeyboardInput() else {
            logger.notice("standard input is not a terminal and there is no --script: the button is not driven (Ctrl-C ends)")
            return
        }
        keyboard.withLock { $0 = input }
        print("space: press / release the button, q: quit")
        var down = false
        while !Task.isCancelled {
            guard let key = await input.next() else { return }
            switch key {
            case UInt8(ascii: " "):
                down.toggle()
                if down { press() } else { release() }
            case UInt8(ascii: "q"), 3, 4:
                stop.fire()
                return
            default:
                break
            }
        }
    }
}

/// The terminal in raw mode, one key at a time (restored when dropped).
final class KeyboardInput: Sendable {
    private let saved: termios

    init?() {
        guard isatty(0) == 1 else { return nil }
        var current = termios()
        guard tcgetattr(0, &current) == 0 else { return nil }
        saved = current
        var raw = current
        raw.c_lflag &= ~tcflag_t(ICANON | ECHO)
        guard tcsetattr(0, TCSANOW, &raw) == 0 else { return nil }
    }

    deinit {
        var restore = saved
        tcsetattr(0, TCSANOW, &restore)
    }

    /// The next key, read on a plain thread so the cooperative pool never blocks; nil at end of input.
    func next() async -> UInt8? {
        await withCheckedContinuation { (continuation: CheckedContinuation<UInt8?, Never>) in
            Thread.detachRead { byte in continuation.resume(returning: byte) }
        }
    }
}

import Threads

extension Thread {
    /// Reads one byte of standard input on its own thread.
    static func detachRead(_ done: @escaping @Sendable (UInt8?) -> Void) {
        PlatformThread.detach(name: "lv-keyboard") {
            var byte: UInt8 = 0
            let n = read(0, &byte, 1)
            done(n == 1 ? byte : nil)
        }
    }
}

enum Thread {}
