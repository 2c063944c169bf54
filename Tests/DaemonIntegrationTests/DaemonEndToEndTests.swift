// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

import AudioEngine
import Conversation
import Daemon
import Foundation
import GeminiLive
import GPIO
import JSON
import LiveSimulator
import Log
import Synchronization
import TestKit
import Testing
import Time

/// Every report the daemon made, for the test to wait on and check.
final class RecordingReporter: DaemonReporter {
    private let reports = Mutex<[DaemonReport]>([])
    func report(_ report: DaemonReport) { reports.withLock { $0.append(report) } }
    var all: [DaemonReport] { reports.withLock { $0 } }

    /// How many reports there are now: pass it to ``wait(_:after:timeout:_:)`` to look only at later ones.
    var mark: Int { reports.withLock { $0.count } }

    /// Waits until a report made after `mark` satisfies `predicate`; fails the test after `timeout`.
    func wait(_ what: String, after mark: Int = 0, timeout: Duration = .seconds(30), _ predicate: (DaemonReport) -> Bool) async throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if all.dropFirst(mark).contains(where: predicate) { return }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw Failure(description: "no report '\(what)' within \(timeout); reports: \(all.suffix(30))")
    }

    /// Waits until `condition` holds; fails the test after `timeout`.
    func until(_ what: String, timeout: Duration = .seconds(30), _ condition: () -> Bool) async throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if condition() { return }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw Failure(description: "'\(what)' did not happen within \(timeout); reports: \(all.suffix(30))")
    }

    func count(_ predicate: (DaemonReport) -> Bool) -> Int { all.filter(predicate).count }

    struct Failure: Error, CustomStringConvertible { var description: String }
}

/// The real daemon (launcher, services, runtime, controller) in this process, with a simulated board,
/// the real alsa-lib on file/null PCMs (paced in real time) and the Live simulator over real libcurl.
@Suite("Daemon end to end", .serialized, .timeLimit(.minutes(3)))
struct DaemonEndToEndTests {
    static let configurationText = """
        [live]
        model = "gemini-3.8-live"
        transcripts = true
        [audio]
        jitter_buffer_ms = 60
        preroll_ms = 250
        [button]
        line = "GPIO17"
        mode = "push-to-talk"
        [led]
        line = "GPIO18"
        [[tools]]
        name = "garage_door"
        description = "Presses the garage door button."
        action = { kind = "pulse", line = "GPIO27", pulse_ms = 300, min_interval_ms = 0 }
        [[tools]]
        name = "porch_light"
        description = "Switches the porch light."
        action = { kind = "set", line = "GPIO22", min_interval_ms = 0, safe_value = 0 }
        """

    /// A minute of speech-like audio for the microphone (a tone with a syllable envelope).
    static func microphone() -> [Int16] {
        (0..<(16_000 * 60)).map { index in
            let t = Double(index) / 16_000
            let envelope = 0.5 + 0.5 * sin(2 * Double.pi * 4 * t)
            return Int16(sin(2 * Double.pi * 220 * t) * 8000 * envelope)
        }
    }

    @Test("press, speak, reply, tool call, drop and resume, barge-in, SIGTERM: the whole conversation")
    func conversation() async throws {
        let directory = ALSATestDirectory()
        var simulatorConfiguration = SimulatorConfiguration()
        simulatorConfiguration.realtimePacing = true
        simulatorConfiguration.toolRules = [
            ToolRule(trigger: "@speech=2", name: "garage_door", args: [:]),
            ToolRule(trigger: "@speech=4", name: "porch_light", args: ["on": true]),
        ]
        let simulator = try await LiveSimulator.start(simulatorConfiguration)
        defer { Task { await simulator.shutdown() } }

        let configuration = try DaemonConfiguration.parse(Self.configurationText)
        let clock = SystemMonotonicClock()
        let board = SimulatedBoard(
            lines: (0...27).map { SimulatedBoard.LineSpec(name: "GPIO\($0)", level: $0 == 17) }, clock: clock)
        var engineConfiguration = configuration.audioEngine()
        engineConfiguration.capture = .init(name: "mic", sampleRate: 16_000)
        engineConfiguration.playback = .init(name: "speaker", sampleRate: 24_000)
        engineConfiguration.alsaConfigurationText =
            ALSATestConfig.capture(name: "mic", from: directory.writeRaw("mic.raw", Self.microphone()))
            + ALSATestConfig.playback(name: "speaker", to: directory.file("speaker.raw"))
        engineConfiguration.realtimePriority = nil
        let engine = AudioEngine(
            configuration: engineConfiguration,
            makeProcessor: { try EchoCancellingProcessor(configuration: configuration.frontEnd) })
        let client = LiveClient(apiKey: "test-key", endpoint: simulator.baseURL)
        let reporter = RecordingReporter()
        let status = RuntimeStatus(startedAt: clock.now())
        let launcher = DaemonLauncher(
            clock: clock, logger: .disabled, reporter: reporter, notifier: SystemdNotifier(environment: { _ in nil }),
            status: status,
            prepare: { configuration in
                DaemonLauncher.Setup(configuration: configuration, gpio: board, engine: engine, client: client)
            })
        let daemon = Task { await launcher.run(configuration) }

        func press() throws { try board.setLevel("GPIO17", high: false) }
        func release() throws { try board.setLevel("GPIO17", high: true) }
        func isState(_ state: ConversationState) -> (DaemonReport) -> Bool { { $0 == .state(state) } }

        try await reporter.wait("idle") { $0 == .state(.idle) }

        // Turn 1: the press opens the session; what is said while it connects is held and sent after.
        let pressedAt = clock.now()
        try press()
        try await Task.sleep(for: .milliseconds(1500))
        let released = reporter.mark
        let releasedAt = clock.now()
        try release()
        try await reporter.wait("responding", after: released, isState(.responding))
        let replying = reporter.mark
        try await reporter.wait("the first reply played", after: replying, isState(.listening))
        let first = try #require(simulator.connections.first)
        let inputs = first.received("realtimeInput").compactMap(\.json)
        let kinds = inputs.map { $0["realtimeInput"]?.objectValue?.keys.sorted().first ?? "" }
        #expect(kinds.first == "activityStart")
        let turnOne = kinds.prefix(while: { $0 != "activityEnd" })
        #expect(kinds.contains("activityEnd"))
        let audioMessages = turnOne.filter { $0 == "audio" }.count
        // The hold plus the 250 ms pre-roll, in 20 ms frames (the debounce shifts both ends alike). A
        // starved machine loses capture time (the paced file device skips ahead after a stall), never adds it.
        let expected = Double((releasedAt - pressedAt + .milliseconds(250)).milliseconds) / 20
        #expect(Double(audioMessages) >= expected * 0.6 && Double(audioMessages) <= expected * 1.1,
                "audio messages in turn 1: \(audioMessages), expected about \(expected)")
        #expect(Double(audioMessages) > Double((releasedAt - pressedAt).milliseconds) / 20 * 0.6)
        #expect(first.setup?.at("realtimeInputConfig", "automaticActivityDetection", "disabled") == true)
        #expect(first.functionDeclarations == ["garage_door", "porch_light"])

        // Turn 2 calls garage_door; the connection drops right after the call. The daemon runs the pulse
        // once, resumes with its handle, and answers the call the resumed session asks for again from its
        // record instead of pulsing twice.
        simulator.arm(.dropMidReply)
        try press()
        try await Task.sleep(for: .milliseconds(800))
        try release()
        try await reporter.wait("the tool's result went out") {
            if case .toolResult(_, "garage_door", _, true) = $0 { return true } else { return false }
        }
        try await reporter.wait("a second session") {
            if case .session(2, .open, _) = $0 { return true } else { return false }
        }
        #expect(reporter.count {
            if case .toolCall(_, "garage_door", _) = $0 { return true } else { return false }
        } == 1, "run once, although the resumed session asked again")
        let resumed = try #require(simulator.connections.dropFirst().first)
        #expect(resumed.resumedHandle != nil)
        #expect(first.issuedHandles.contains(resumed.resumedHandle ?? ""))
        try await reporter.until("the reply after the tool") {
            simulator.connections.dropFirst().first?.received("toolResponse").isEmpty == false
        }
        let response = try #require(simulator.connections.dropFirst().first?.received("toolResponse").first?.json)
        let callID = simulator.sent.compactMap { $0.messageType == "toolCall" ? $0.text : nil }.first
        #expect(callID?.contains("fc-1") == true)
        #expect(response.at("toolResponse", "functionResponses")?.arrayValue?.first?["id"]?.stringValue == "fc-1")
        #expect(try board.history("GPIO27").map(\.level) == [false, true, false], "safe value, then exactly one pulse")

        // While the reply plays, a press barges in: the speaker is flushed at once.
        try await reporter.until("the reply plays") { status.state == .responding && engine.statistics.playbackBufferedMilliseconds > 0 }
        let flushesBefore = engine.statistics.flushes
        try press()
        try await reporter.until("flushed") { engine.statistics.flushes > flushesBefore }
        #expect(status.counters.bargeIns >= 1)
        try await Task.sleep(for: .milliseconds(600))
        let bargedIn = reporter.mark
        try release()
        try await reporter.wait("the reply to the barge-in", after: bargedIn, isState(.responding))
        let third = reporter.mark
        try await reporter.wait("listening again", after: third, isState(.listening))

        // Turn 4 switches the porch light on; SIGTERM then puts it back to its safe value.
        try await Task.sleep(for: .milliseconds(300))
        try press()
        try await Task.sleep(for: .milliseconds(600))
        try release()
        try await reporter.until("porch light on") { (try? board.level("GPIO22")) == true }
        kill(getpid(), SIGTERM)
        let exit = await daemon.value
        #expect(exit == 0)
        #expect(try board.level("GPIO22") == false)
        #expect(try board.level("GPIO27") == false)
        #expect(try board.level("GPIO18") == false, "the LED is off")
        #expect(simulator.connections.last?.clientClose?.code == 1000)
        #expect(reporter.all.last.map { if case .summary = $0 { true } else { false } } == true)

        // The speaker was handed the replies.
        let played = directory.readRaw("speaker.raw")
        let loud = played.filter { abs(Int($0)) > 500 }.count
        #expect(Double(loud) / 24_000 > 0.5, "seconds of reply audio played: \(Double(loud) / 24_000)")
    }
}
