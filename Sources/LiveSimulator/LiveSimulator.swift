// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

import NIOCore
import NIOPosix
import Synchronization

/// A local stand-in for the Gemini Live API (`BidiGenerateContent` over WebSocket), built from the wire
/// protocol alone, for tests and demos.
///
/// It listens on loopback, accepts the WebSocket upgrade on the Gemini and Vertex AI Live paths, and behaves
/// like the service: `setup` → `setupComplete`, text and audio replies (a synthesised speech-like signal),
/// transcriptions, tool calls, session resumption, activity detection, usage metadata, and the service's
/// close codes and reasons for bad input. It records everything it receives and sends, lets a test push
/// server messages (`goAway`, `interrupted`, …) and arm one-shot faults (drops, closes, malformed or
/// oversized frames, a late or missing `setupComplete`, a refused upgrade).
///
/// ```swift
/// let simulator = try await LiveSimulator.start()
/// defer { Task { await simulator.shutdown() } }
/// let socket = try await WebSocket.connect(url: simulator.url())
/// socket.send(text: Array(#"{"setup":{"model":"models/gemini-live"}}"#.utf8))
/// let frame = try await simulator.waitForMessage("setup")
/// ```
///
/// Controls act on the most recently opened connection that is still open. All methods are thread-safe.
public final class LiveSimulator: Sendable {
    /// `/ws/google.ai.generativelanguage.v1beta.GenerativeService.BidiGenerateContent`: the path Google's
    /// documentation uses.
    public static let geminiPath = "/ws/google.ai.generativelanguage.v1beta.GenerativeService.BidiGenerateContent"
    /// `/ws/google.cloud.aiplatform.v1beta1.LlmBidiService/BidiGenerateContent`: the Vertex AI path.
    public static let vertexPath = "/ws/google.cloud.aiplatform.v1beta1.LlmBidiService/BidiGenerateContent"

    /// The address it listens on.
    public let host: String
    /// The port it listens on (the real one when the configuration asked for 0).
    public let port: Int
    /// The configuration it was started with.
    public var configuration: SimulatorConfiguration { core.configuration }

    let core: SimulatorCore
    private let group: MultiThreadedEventLoopGroup
    private let serverChannel: any Channel
    private let stopped = Mutex(false)

    private init(core: SimulatorCore, group: MultiThreadedEventLoopGroup, serverChannel: any Channel, host: String, port: Int) {
        self.core = core
        self.group = group
        self.serverChannel = serverChannel
        self.host = host
        self.port = port
    }

    /// Starts listening. Throws ``SimulatorError`` (kind `bindFailed`) when the address cannot be bound.
    public static func start(_ configuration: SimulatorConfiguration = SimulatorConfiguration()) async throws -> LiveSimulator {
        let core = SimulatorCore(configuration: configuration)
        // One event loop: every connection's events are ordered, which keeps the simulator deterministic.
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 64)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try HTTPEndpoint.configure(channel: channel, core: core)
                }
            }
        let channel: any Channel
        do {
            channel = try await bootstrap.bind(host: configuration.host, port: configuration.port).get()
        } catch {
            try? await group.shutdownGracefully()
            throw SimulatorError(.bindFailed, "cannot listen on \(configuration.host):\(configuration.port): \(error)")
        }
        let port = channel.localAddress?.port ?? configuration.port
        configuration.logger.info("listening on ws://\(configuration.host):\(port)")
        return LiveSimulator(core: core, group: group, serverChannel: channel, host: configuration.host, port: port)
    }

    /// `ws://HOST:PORT`, e.g. `ws://127.0.0.1:40123`.
    public var baseURL: String { "ws://\(host):\(port)" }

    /// A full endpoint URL: ``baseURL`` + `path` (default ``geminiPath``), with `?key=` when `apiKey` is given.
    public func url(path: String = LiveSimulator.geminiPath, apiKey: String? = nil) -> String {
        baseURL + path + (apiKey.map { "?key=\($0)" } ?? "")
    }

    /// Closes every connection (without a CLOSE frame), stops listening and fails pending waits.
    /// Safe to call more than once.
    public func shutdown() async {
        let first = stopped.withLock { stopped -> Bool in
            defer { stopped = true }
            return !stopped
        }
        guard first else { return }
        core.shutDownWaiters()
        try? await serverChannel.close()
        for control in core.openControls { try? await control.channel.close() }
        try? await group.shutdownGracefully()
    }

    // MARK: Records

    /// Every connection (HTTP request) so far, in arrival order.
    public var connections: [ConnectionRecord] { core.records }

    /// The latest connection, if any.
    public var latestConnection: ConnectionRecord? { core.records.last }

    /// Every message received on every connection, in order.
    public var received: [ReceivedFrame] { core.records.flatMap(\.received) }

    /// Every data message sent on every connection, in order.
    public var sent: [SentFrame] { core.records.flatMap(\.sent) }

    // MARK: Faults

    /// Arms a one-shot fault; the first connection that reaches its point consumes it.
    public func arm(_ fault: SimulatorFault) {
        core.arm(fault)
    }

    /// Faults armed and not yet consumed, in arming order.
    public var armedFaults: [SimulatorFault] { core.armedFaults }

    // MARK: Controls (on the latest open connection)

    private func latest() throws -> ConnectionControl {
        guard let (_, control) = core.latestControl() else {
            throw SimulatorError(.noOpenConnection, "no WebSocket connection is open")
        }
        return control
    }

    /// Sends `{"goAway":{"timeLeft":"<timeLeft>"}}` (a protobuf Duration string such as `"10s"`).
    public func sendGoAway(timeLeft: String = "10s") async throws {
        try await send(["goAway": ["timeLeft": .string(timeLeft)]])
    }

    /// Sends `{"toolCallCancellation":{"ids":[…]}}` and forgets those pending calls (late responses to them
    /// are then ignored, not rejected).
    public func sendToolCallCancellation(ids: [String]) async throws {
        try await latest().run { try $0.controlCancelToolCalls(ids) }
    }

    /// Stops a reply still being sent (paced audio) and sends `{"serverContent":{"interrupted":true}}`,
    /// followed by `{"serverContent":{"turnComplete":true}}` when `sendTurnComplete` is true.
    public func interrupt(sendTurnComplete: Bool = false) async throws {
        try await latest().run { try $0.controlInterrupt(sendTurnComplete: sendTurnComplete) }
    }

    /// Sends a `usageMetadata` message with these counts (total = prompt + response).
    public func sendUsageMetadata(promptTokens: Int = 12, responseTokens: Int = 34) async throws {
        try await send(["usageMetadata": [
            "promptTokenCount": .int(promptTokens), "responseTokenCount": .int(responseTokens),
            "totalTokenCount": .int(promptTokens + responseTokens),
        ]])
    }

    /// Sends `sessionResumptionUpdate`. With no `handle`, issues a fresh one that really resumes the current
    /// session; returns the handle sent.
    @discardableResult
    public func sendSessionResumptionUpdate(handle: String? = nil, resumable: Bool = true) async throws -> String {
        try await latest().run { try $0.controlResumptionUpdate(handle: handle, resumable: resumable) }
    }

    /// Sends a JSON message; `binary` overrides ``SimulatorConfiguration/serverFramesAreBinary``.
    public func send(_ message: WireValue, binary: Bool? = nil) async throws {
        try await sendRaw(message.serialized, binary: binary)
    }

    /// Sends any text as one message (it need not be JSON); `binary` overrides the configured frame type.
    public func sendRaw(_ text: String, binary: Bool? = nil) async throws {
        try await latest().run { try $0.controlSend(text, binary: binary) }
    }

    /// Closes the latest connection with this code and reason (the client should answer with its CLOSE).
    public func closeConnection(code: UInt16, reason: String) async throws {
        try await latest().run { try $0.controlClose(code: code, reason: reason) }
    }

    /// Drops the latest connection's TCP without a CLOSE frame.
    public func dropConnection() async throws {
        try await latest().run { try $0.controlDrop() }
    }

    /// Function call ids on the latest connection still waiting for a `toolResponse`.
    public func pendingToolCallIDs() async throws -> [String] {
        try await latest().run { $0.pendingToolCallIDs }
    }

    // MARK: Waiting (event-based: woken by each recorded change, never polling)

    /// Waits until `extract` returns a value for the connection records, and returns it. The closure runs
    /// on whichever thread recorded a change; it must not call back into the simulator.
    public func waitUntil<T: Sendable>(
        timeout: Duration = .seconds(10), _ what: String = "a condition",
        _ extract: @escaping @Sendable ([ConnectionRecord]) -> T?
    ) async throws -> T {
        try await core.wait(timeout: timeout, what: what, extract)
    }

    /// Waits until `count` received messages (on any connection, counting those already received) match, and
    /// returns the first `count` of them.
    public func waitForFrames(
        count: Int, timeout: Duration = .seconds(10), matching predicate: @escaping @Sendable (ReceivedFrame) -> Bool
    ) async throws -> [ReceivedFrame] {
        try await waitUntil(timeout: timeout, "\(count) matching received frame(s)") { records in
            let matches = records.lazy.flatMap(\.received).filter(predicate).prefix(count)
            return matches.count == count ? Array(matches) : nil
        }
    }

    /// Waits for the first received message (already received or future) that matches.
    public func waitForFrame(
        timeout: Duration = .seconds(10), matching predicate: @escaping @Sendable (ReceivedFrame) -> Bool
    ) async throws -> ReceivedFrame {
        try await waitForFrames(count: 1, timeout: timeout, matching: predicate)[0]
    }

    /// Waits for the `occurrence`-th (1-based) received message of canonical type `messageType`
    /// (`"setup"`, `"clientContent"`, `"realtimeInput"`, `"toolResponse"`), on any connection.
    public func waitForMessage(
        _ messageType: String, occurrence: Int = 1, timeout: Duration = .seconds(10)
    ) async throws -> ReceivedFrame {
        try await waitForFrames(count: occurrence, timeout: timeout) { $0.messageType == messageType }[occurrence - 1]
    }

    /// Waits until at least `count` connections (HTTP requests) arrived and returns the `count`-th.
    public func waitForConnection(count: Int = 1, timeout: Duration = .seconds(10)) async throws -> ConnectionRecord {
        try await waitUntil(timeout: timeout, "connection #\(count)") { records in
            records.count >= count ? records[count - 1] : nil
        }
    }

    /// Waits until connection `id` (default: the latest at the time of the call, or the first to come) has
    /// ended, and returns its final record.
    public func waitForDisconnect(ofConnection id: Int? = nil, timeout: Duration = .seconds(10)) async throws -> ConnectionRecord {
        let target = id ?? max(1, core.records.count)
        return try await waitUntil(timeout: timeout, "connection #\(target) to end") { records in
            records.count >= target && !records[target - 1].isOpen ? records[target - 1] : nil
        }
    }
}
