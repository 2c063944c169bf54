// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

import ArgumentParser
import Dispatch
import LiveSimulator
import Log
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// `live-simulator`: a local Gemini Live API peer for demos and manual testing.
@main
struct LiveSimulatorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "live-simulator",
        abstract: "A local stand-in for the Gemini Live API (BidiGenerateContent over WebSocket).",
        discussion: """
            Serves the Gemini paths (/ws/google.ai.generativelanguage.v1beta.GenerativeService.BidiGenerateContent \
            and the other versions) and the Vertex AI path. Replies are deterministic ("You said: ...", "I heard \
            1.2 seconds of audio.") with synthesised speech-like 24 kHz audio. Runs until SIGINT or SIGTERM.
            """)

    @Option(help: "Address to listen on.")
    var host = "127.0.0.1"

    @Option(help: "Port to listen on (0 picks a free one).")
    var port = 8765

    @Option(name: .customLong("api-key"), help: "Require this API key (header x-goog-api-key or ?key=).")
    var apiKey: String?

    @Flag(help: "Send audio at playback speed instead of as fast as possible.")
    var realtime = false

    @Flag(name: .customLong("text-frames"), help: "Send server messages in TEXT frames (default: BINARY, like the service).")
    var textFrames = false

    @Option(
        name: .customLong("tool"),
        help: ArgumentHelp(
            "A function-call rule NAME:TRIGGER:ARGS_JSON, e.g. set_light:light:'{\"on\": true}' (repeatable).",
            discussion: "TRIGGER @speech matches every spoken turn, @speech=N the session's N-th turn when it is spoken. Default when none is given: set_light:light:{\"on\": true}."))
    var tools: [String] = []

    @Flag(help: "Log every connection event.")
    var verbose = false

    func validate() throws {
        guard (0...65_535).contains(port) else { throw ValidationError("--port must be between 0 and 65535, got \(port)") }
        for spec in tools { _ = try Self.toolRule(spec) }
    }

    static func toolRule(_ spec: String) throws -> ToolRule {
        let parts = spec.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count >= 2, !parts[0].isEmpty, !parts[1].isEmpty else {
            throw ValidationError("--tool '\(spec)' must be NAME:TRIGGER[:ARGS_JSON], e.g. set_light:light:{\"on\":true}")
        }
        var args: WireValue = [:]
        if parts.count == 3, !parts[2].isEmpty {
            do {
                args = try WireValue.parse(String(parts[2]))
            } catch {
                throw ValidationError("--tool '\(spec)': the arguments are not valid JSON (\(error))")
            }
            guard case .object = args else {
                throw ValidationError("--tool '\(spec)': the arguments must be a JSON object, like {\"on\":true}")
            }
        }
        return ToolRule(trigger: String(parts[1]), name: String(parts[0]), args: args)
    }

    func run() async throws {
        var configuration = SimulatorConfiguration()
        configuration.host = host
        configuration.port = port
        configuration.apiKey = apiKey
        configuration.realtimePacing = realtime
        configuration.serverFramesAreBinary = !textFrames
        configuration.toolRules =
            tools.isEmpty ? [ToolRule(trigger: "light", name: "set_light", args: ["on": true])] : try tools.map(Self.toolRule)
        configuration.logger = Logger(
            label: "live-simulator", level: verbose ? .debug : .info, handler: StandardErrorLogHandler())

        let simulator: LiveSimulator
        do {
            simulator = try await LiveSimulator.start(configuration)
        } catch {
            throw ValidationError("\(error). Is another process using port \(port)? Try --port 0.")
        }
        print("live-simulator listening on \(simulator.baseURL)")
        fflush(nil)  // stdout is a pipe under test harnesses: make the line visible now

        await waitForTerminationSignal()
        configuration.logger.info("shutting down")
        await simulator.shutdown()
    }

    /// Suspends until SIGINT or SIGTERM arrives.
    private func waitForTerminationSignal() async {
        let queue = DispatchQueue(label: "live-simulator.signals")
        let signalled = SignalLatch()
        var sources: [any DispatchSourceSignal] = []
        for signalNumber in [SIGINT, SIGTERM] {
            signal(signalNumber, SIG_IGN)  // the dispatch source sees it instead of the default handler
            let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: queue)
            source.setEventHandler { signalled.fire() }
            source.resume()
            sources.append(source)
        }
        await signalled.wait()
        withExtendedLifetime(sources) {}
    }
}

/// Lets one task wait for a signal that may already have fired.
private final class SignalLatch: Sendable {
    private struct State {
        var fired = false
        var waiter: CheckedContinuation<Void, Never>?
    }

    private let state = Mutex(State())

    func fire() {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            state.fired = true
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume()
    }

    func wait() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let fired = state.withLock { state -> Bool in
                if !state.fired { state.waiter = continuation }
                return state.fired
            }
            if fired { continuation.resume() }
        }
    }
}
