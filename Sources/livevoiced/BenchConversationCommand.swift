// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

import Threads
import ArgumentParser
import AudioEngine
import Conversation
import Daemon
import GPIO
import JSON
import Log
import Synchronization
import Time

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// `livevoiced bench`: measurements of the real daemon.
struct Bench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure the daemon (CPU, memory, latency) in a simulated conversation.",
        subcommands: [BenchConversation.self])
}

/// `livevoiced bench conversation`: the real daemon runtime in a hands-free conversation against a Live
/// peer, audio in and out at real-time pace (the microphone a WAV file, the speaker alsa-lib's null PCM),
/// 20 ms uplink chunks with the full front end (echo canceller, denoiser, VAD). Two passes side by side in
/// one run: every chunk streamed, silence included (what a simple client such as the usual Python one
/// does), then VAD-gated (what the daemon does in toggle mode). A barge-in press every 10 s while the model
/// speaks. Prints CPU seconds per audio minute, peak and current RSS, drops, frame-to-wire p50/p99 and
/// press-to-silence.
struct BenchConversation: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "conversation",
        abstract: "A simulated hands-free conversation with the real runtime: CPU, RSS, drops, latencies.")

    @Option(help: "A Live API peer (default: the local simulator, started beside livevoiced).")
    var endpoint: String?

    @Option(name: .customLong("ca-file"), help: "PEM file of CA certificates to trust for a wss:// endpoint.")
    var caFile: String?

    @Option(name: .customLong("mic-file"), help: "A mono WAV file of speech with pauses, repeated as the microphone.")
    var micFile: String

    @Option(help: "Minutes of conversation per pass.")
    var minutes: Double = 1

    @Option(help: "Which passes: both, ungated (every chunk) or gated (VAD-gated).")
    var passes: String = "both"

    @Option(name: .customLong("period-ms"), help: "The devices' period in ms (audio.period_ms).")
    var periodMilliseconds: Int = 10

    @Flag(help: "One JSON line with every figure.")
    var json = false

    func validate() throws {
        guard minutes > 0 && minutes <= 24 * 60 else { throw ValidationError("--minutes must be from 0 to 1440") }
        guard ["both", "ungated", "gated"].contains(passes) else { throw ValidationError("--passes is both, ungated or gated") }
        guard (2...100).contains(periodMilliseconds) else { throw ValidationError("--period-ms must be from 2 to 100") }
    }

    func run() async throws {
        TerminationSignals.shared.install()
        var base = try DaemonConfiguration.parse("""
            [button]
            line = "GPIO17"
            mode = "toggle"
            [led]
            line = "GPIO18"
            [session]
            silence_timeout_s = 3600
            idle_timeout_s = 3600
            [audio]
            realtime_priority = 0
            period_ms = \(periodMilliseconds)
            """)
        base.tools = try DaemonConfiguration.parse(try readTextFile(try Simulate.exampleConfiguration(), what: "the example config")).tools
        var simulator: ChildProcess?
        var peer = endpoint
        if peer == nil { (simulator, peer) = try Simulate.startLocalSimulator(base) }
        let seconds = Int((minutes * 60).rounded(.up))
        let audio = try SimulatedAudio(micFile: micFile, playbackFile: nil, repeatMicrophone: seconds * 3 + 60)
        var results: [PassResult] = []
        for gated in passes == "both" ? [false, true] : [passes == "gated"] {
            var configuration = base
            configuration.audio.vadGate = gated
            results.append(try await runPass(configuration, audio: audio, endpoint: peer!, seconds: seconds))
        }
        withExtendedLifetime(simulator) {}
        simulator = nil
        report(results)
    }

    struct PassResult {
        var name: String
        var seconds: Double
        var userCPU: Double
        var systemCPU: Double
        var rssAfterMinute: Int?
        var rssAtEnd: Int?
        var dropped: Int
        var framesSent: Int
        var frameToWire50: Double?
        var frameToWire99: Double?
        var bargeIns: [Double]
        var turns: Int
        var secondsPlayed: Double
    }

    private func runPass(_ configuration: DaemonConfiguration, audio: SimulatedAudio, endpoint: String, seconds: Int) async throws -> PassResult {
        let clock = SystemMonotonicClock()
        let board = SimulatedBoard(lines: Simulate.lines(for: configuration), clock: clock)
        let status = RuntimeStatus(startedAt: clock.now())
        let stop = ShutdownTrigger()
        let engineBox = Mutex<AudioEngine?>(nil)
        let alsa = audio.configurationText
        let captureName = audio.captureDevice
        let playbackName = audio.playbackDevice
        let caFile = caFile
        let launcher = DaemonLauncher(
            clock: clock, logger: Logger(label: "bench", level: .warning, handler: StandardErrorLogHandler(style: .terminal)),
            reporter: SilentReporter(), notifier: SystemdNotifier(environment: { _ in nil }), status: status,
            prepare: { configuration in
                var engineConfiguration = configuration.audioEngine(alsaConfigurationText: alsa)
                engineConfiguration.capture.name = captureName
                engineConfiguration.playback?.name = playbackName
                engineConfiguration.realtimePriority = nil
                let engine = AudioEngine(
                    configuration: engineConfiguration,
                    makeProcessor: { try EchoCancellingProcessor(configuration: configuration.frontEnd) })
                engineBox.withLock { $0 = engine }
                let client = try LiveClientFactory.make(configuration, endpoint: endpoint, caFile: caFile, logger: .disabled)
                return DaemonLauncher.Setup(configuration: configuration, gpio: board, engine: engine, client: client)
            },
            stop: stop)
        let before = CPUTime.now()
        let daemon = Task { await launcher.run(configuration) }
        let started = clock.now()
        func press() { try? board.setLevel("GPIO17", high: false) }
        func release() { try? board.setLevel("GPIO17", high: true) }
        // Start the hands-free conversation, then barge in every 10 s while the model speaks.
        try await Task.sleep(for: .milliseconds(500))
        press()
        try await Task.sleep(for: .milliseconds(120))
        release()
        var bargeIns: [Double] = []
        var rssAfterMinute: Int?
        var nextBargeIn = started + .seconds(10)
        var respondingSince: Timestamp?
        let debounce = configuration.buttonTiming.debounce
        while clock.now() - started < .seconds(seconds) {
            try await Task.sleep(for: .milliseconds(50))
            if rssAfterMinute == nil, clock.now() - started >= .seconds(60) { rssAfterMinute = ResidentMemory.current() }
            if status.state == .idle {
                press()
                try await Task.sleep(for: .milliseconds(120))
                release()
                continue
            }
            if status.state == .responding { respondingSince = respondingSince ?? clock.now() } else { respondingSince = nil }
            // Barge in once the reply has been playing for a moment.
            guard clock.now() >= nextBargeIn, let since = respondingSince, clock.now() - since >= .milliseconds(400),
                  let engine = engineBox.withLock({ $0 }) else { continue }
            nextBargeIn = clock.now() + .seconds(10)
            let flushes = engine.statistics.flushes
            let contact = UInt(truncatingIfNeeded: SystemMonotonicClock.nanoseconds())
            press()
            try await Task.sleep(for: .milliseconds(150))
            release()
            let statistics = engine.statistics
            if statistics.flushes > flushes {
                // From the debounced press (the contact plus the debounce wait) to the device's queue dropped.
                let nanoseconds = Int64(bitPattern: UInt64(statistics.lastFlushHandled &- contact)) - debounce.nanosecondsClamped
                bargeIns.append(Double(nanoseconds) / 1_000_000)
            }
        }
        stop.fire()
        _ = await daemon.value
        let after = CPUTime.now()
        let engine = engineBox.withLock { $0 }
        let statistics = engine?.statistics
        let counters = status.counters
        let dropped = (statistics.map { $0.framesDroppedInEngine + $0.framesDroppedByConsumer } ?? 0) + counters.framesDropped
        return PassResult(
            name: configuration.audio.vadGate ? "VAD-gated" : "every chunk", seconds: Double(seconds),
            userCPU: after.user - before.user, systemCPU: after.system - before.system,
            rssAfterMinute: rssAfterMinute, rssAtEnd: ResidentMemory.current(), dropped: dropped,
            framesSent: counters.framesSent, frameToWire50: status.frameToWire.percentile(0.5),
            frameToWire99: status.frameToWire.percentile(0.99), bargeIns: bargeIns, turns: counters.turns,
            secondsPlayed: counters.secondsPlayed)
    }

    private func report(_ results: [PassResult]) {
        let peak = CPUTime.peakResidentBytes()
        if json {
            let passes: [JSONValue] = results.map { result in
                var object: [String: JSONValue] = [
                    "pass": .string(result.name), "audio_seconds": .double(result.seconds),
                    "cpu_user_s": .double(result.userCPU), "cpu_sys_s": .double(result.systemCPU),
                    "cpu_s_per_audio_minute": .double((result.userCPU + result.systemCPU) * 60 / result.seconds),
                    "dropped_frames": .int(result.dropped), "frames_sent": .int(result.framesSent),
                    "barge_ins": .int(result.bargeIns.count), "seconds_played": .double(result.secondsPlayed),
                ]
                if let value = result.frameToWire50 { object["frame_to_wire_p50_ms"] = .double(value) }
                if let value = result.frameToWire99 { object["frame_to_wire_p99_ms"] = .double(value) }
                if let value = Self.percentile(result.bargeIns, 0.5) { object["barge_in_p50_ms"] = .double(value) }
                if let value = Self.percentile(result.bargeIns, 0.99) { object["barge_in_p99_ms"] = .double(value) }
                if let value = result.rssAfterMinute { object["rss_after_minute_bytes"] = .int(value) }
                if let value = result.rssAtEnd { object["rss_at_end_bytes"] = .int(value) }
                return .object(object)
            }
            var top: [String: JSONValue] = ["benchmark": "conversation", "passes": .array(passes)]
            if let peak { top["peak_rss_bytes"] = .int(peak) }
            print(JSONLinesReporter.serialize(.object(top)))
            return
        }
        print("livevoiced bench conversation: the real daemon runtime, \(String(format1: results.first.map { $0.seconds / 60 } ?? 0)) min per pass")
        func ms(_ value: Double?) -> String { value.map { String(format2: $0) + " ms" } ?? "–" }
        func mib(_ value: Int?) -> String { value.map { String(format1: Double($0) / 1_048_576) + " MiB" } ?? "–" }
        let header = ["", "CPU s / audio min", "user s", "sys s", "drops", "frame→wire p50", "p99", "barge-in p50", "p99 (n)", "RSS @1 min", "RSS end"]
        var rows = [header]
        for result in results {
            rows.append([
                result.name, String(format2: (result.userCPU + result.systemCPU) * 60 / result.seconds),
                String(format2: result.userCPU), String(format2: result.systemCPU), "\(result.dropped)",
                ms(result.frameToWire50), ms(result.frameToWire99), ms(Self.percentile(result.bargeIns, 0.5)),
                ms(Self.percentile(result.bargeIns, 0.99)) + " (\(result.bargeIns.count))", mib(result.rssAfterMinute), mib(result.rssAtEnd),
            ])
        }
        let widths = header.indices.map { column in rows.map { $0[column].count }.max() ?? 0 }
        for row in rows {
            print(row.enumerated().map { $0.element.leftPadded(widths[$0.offset]) }.joined(separator: "  "))
        }
        print("peak RSS of the process: \(mib(peak)) (press-to-silence counts from the debounced press; the 30 ms debounce comes before it)")
    }

    static func percentile(_ values: [Double], _ fraction: Double) -> Double? {
        guard !values.isEmpty else { return nil }
        let sorted = values.sorted()
        let index = min(sorted.count - 1, max(0, Int((Double(sorted.count) * fraction).rounded(.up)) - 1))
        return sorted[index]
    }
}

/// This process's CPU time and peak memory (getrusage).
enum CPUTime {
    static func now() -> (user: Double, system: Double) {
        var usage = rusage()
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
        return (Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6,
                Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) / 1e6)
    }

    static func peakResidentBytes() -> Int? {
        var usage = rusage()
        guard getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage) == 0 else { return nil }
        return usage.ru_maxrss * 1024
    }
}

extension String {
    /// A number with two decimals.
    init(format2 value: Double) {
        let hundredths = Int((value * 100).rounded())
        let fraction = abs(hundredths) % 100
        self = (hundredths < 0 ? "-" : "") + "\(abs(hundredths) / 100)." + (fraction < 10 ? "0" : "") + "\(fraction)"
    }
}
