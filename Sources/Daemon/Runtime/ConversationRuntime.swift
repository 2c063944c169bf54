// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

public import AudioEngine
public import BoardSupport
public import Conversation
import FoundationEssentials
public import GeminiLive
import JSON
public import Log
import Synchronization
public import Time

/// The thin runtime around the ``ConversationController``: it turns what the engines report into events,
/// hands them to the controller one at a time, and carries out the actions (connect, send, play, flush,
/// run a tool, LED, timers). `run` and `simulate` share it; only the board and the audio devices differ.
///
/// Everything is funnelled through one input stream consumed by one task (the loop), so the controller
/// and the loop's state need no locks. Producers: the button thread, the engine's frames and events, the
/// Live session's connect and receive tasks, the timers, the tools, and ``send(_:)`` from outside.
public final class ConversationRuntime: Sendable {
    /// What the runtime works with.
    public struct Parts: Sendable {
        public var configuration: DaemonConfiguration
        public var client: LiveClient
        public var engine: AudioEngine
        public var button: Button?
        public var led: StatusLED?
        public var tools: ToolRegistry
        public var clock: any MonotonicClock
        public var logger: Logger
        public var reporter: any DaemonReporter
        public var status: RuntimeStatus

        public init(configuration: DaemonConfiguration, client: LiveClient, engine: AudioEngine, button: Button?,
                    led: StatusLED?, tools: ToolRegistry, clock: any MonotonicClock, logger: Logger,
                    reporter: any DaemonReporter, status: RuntimeStatus) {
            self.configuration = configuration
            self.client = client
            self.engine = engine
            self.button = button
            self.led = led
            self.tools = tools
            self.clock = clock
            self.logger = logger
            self.reporter = reporter
            self.status = status
        }
    }

    let parts: Parts
    let inputs: AsyncStream<RuntimeInput>
    let continuation: AsyncStream<RuntimeInput>.Continuation
    /// Frames handed to the loop and not yet processed (the frame forwarder drops past a bound).
    let framesInFlight = Atomic<Int>(0)

    public init(_ parts: Parts) {
        self.parts = parts
        (inputs, continuation) = AsyncStream.makeStream(of: RuntimeInput.self)
    }

    /// Hands the controller an event from outside (a script, a test, the service's shutdown).
    public func send(_ event: ConversationEvent) {
        continuation.yield(.event(event))
    }

    /// Runs the conversation until the controller stops (SIGTERM via ``send(_:)`` of `.shutdown`, or a
    /// fatal device failure); returns the exit status.
    public func run() async -> Int32 {
        let loop = RuntimeLoop(runtime: self)
        return await loop.run()
    }
}

/// One input of the runtime's loop.
enum RuntimeInput: Sendable {
    /// An event for the controller as it is.
    case event(ConversationEvent)
    /// A processed microphone frame.
    case frame(MicFrame)
    /// Session `session` is open.
    case opened(session: Int, LiveSession)
    /// A message of session `session`.
    case message(session: Int, LiveServerMessage)
    /// Session `session` could not be opened, or ended.
    case ended(session: Int, SessionFailure)
    /// The engine says the speaker played everything up to `position`.
    case drained(position: UInt)
    /// About once a second: the loop is alive.
    case heartbeat
}
