// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

public import AudioEngine
public import BoardSupport
import Conversation
import GeminiLive
public import GPIO
public import Log
import Synchronization
public import Time

/// A value one service makes and a later one uses (the group starts them in order, so it is set by then).
public final class Handoff<Value: Sendable>: Sendable {
    private let slot = Mutex<Value?>(nil)
    public init() {}
    public var value: Value? { slot.withLock { $0 } }
    func set(_ value: Value?) { slot.withLock { $0 = value } }
}

/// The board's parts once they are open.
public struct BoardParts: Sendable {
    public var button: Button?
    public var led: StatusLED?
    public var tools: ToolRegistry
}

/// Opens the button, the status LED and the tools' lines (every output at its safe value); ready once
/// all are open. On shutdown: outputs to their safe values, LED dark, lines released.
public struct GPIOService: Service {
    public let name = "gpio"
    let configuration: DaemonConfiguration
    let backend: any GPIOBackend
    let clock: any MonotonicClock
    let logger: Logger
    let parts: Handoff<BoardParts>
    /// `simulate` may run without a button line (it can still be driven by a script).
    let buttonRequired: Bool

    public init(configuration: DaemonConfiguration, backend: any GPIOBackend, clock: any MonotonicClock, logger: Logger,
                parts: Handoff<BoardParts>, buttonRequired: Bool = true) {
        self.configuration = configuration
        self.backend = backend
        self.clock = clock
        self.logger = logger
        self.parts = parts
        self.buttonRequired = buttonRequired
    }

    public func run(_ context: ServiceContext) async throws {
        let opened = try open()
        parts.set(opened)
        opened.led?.start()
        context.ready()
        await context.shutdownRequested()
        await opened.tools.shutdown()
        opened.button?.close()
        opened.led?.close()
        parts.set(nil)
    }

    private func open() throws(DaemonError) -> BoardParts {
        var reserved: [ReservedLine] = []
        var button: Button?
        if let line = configuration.button.line {
            do {
                button = try Button.request(
                    LineAddress(line), on: backend, activeLow: configuration.button.activeLow,
                    bias: configuration.button.bias, timing: configuration.buttonTiming, clock: clock)
            } catch {
                throw DaemonError(.gpio, "button.line \(line): \(error.message)")
            }
            reserved.append(ReservedLine(address: LineAddress(line), purpose: "the button ([button] line)"))
        } else if buttonRequired {
            throw DaemonError(.configuration, "no button: set [button] line = \"GPIO17\" (or the line your button is on)")
        }
        var led: StatusLED?
        if let line = configuration.led.line {
            do {
                led = try StatusLED.request(LineAddress(line), on: backend, activeLow: configuration.led.activeLow, clock: clock, logger: logger)
            } catch {
                throw DaemonError(.gpio, "led.line \(line): \(error.message)")
            }
            reserved.append(ReservedLine(address: LineAddress(line), purpose: "the status LED ([led] line)"))
        }
        do {
            let tools = try ToolRegistry(config: configuration.tools, backend: backend, reservedLines: reserved, clock: clock, logger: logger)
            return BoardParts(button: button, led: led, tools: tools)
        } catch {
            led?.stop()
            throw DaemonError(.gpio, error.description)
        }
    }
}

/// Starts the audio engine; ready once both devices are open. On shutdown the engine stops.
public struct AudioService: Service {
    public let name = "audio"
    let engine: AudioEngine

    public init(engine: AudioEngine) {
        self.engine = engine
    }

    public func run(_ context: ServiceContext) async throws {
        do {
            try engine.start()
        } catch {
            throw DaemonError(.audio, error.message)
        }
        context.ready()
        await context.shutdownRequested()
        engine.stop()
    }
}

/// The conversation: the runtime around the controller. On shutdown the controller is told (SIGTERM):
/// outputs safe, LED off, the session closed with 1000. A fatal audio failure ends it with an error.
public struct ConversationService: Service {
    public let name = "conversation"
    let board: Handoff<BoardParts>
    let make: @Sendable (BoardParts) -> ConversationRuntime
    let runtime: Handoff<ConversationRuntime>

    public init(board: Handoff<BoardParts>, runtime: Handoff<ConversationRuntime>,
                make: @escaping @Sendable (BoardParts) -> ConversationRuntime) {
        self.board = board
        self.make = make
        self.runtime = runtime
    }

    public func run(_ context: ServiceContext) async throws {
        guard let parts = board.value else { throw DaemonError(.gpio, "the board is not open") }
        let conversation = make(parts)
        runtime.set(conversation)
        let loop = Task { await conversation.run() }
        context.ready()
        let watcher = Task {
            await context.shutdownRequested()
            conversation.send(.shutdown)
        }
        let status = await loop.value
        watcher.cancel()
        if status != 0 { throw DaemonError(.audio, "the conversation stopped with status \(status) (see the log above)") }
    }
}

/// Why the daemon could not start or had to stop.
public struct DaemonError: Error, Sendable, CustomStringConvertible {
    /// The kind of failure. A struct over a private enum, so kinds can be added later.
    public struct Kind: Hashable, Sendable, CustomStringConvertible {
        private enum Value: String, Hashable, Sendable { case configuration, gpio, audio, credentials }
        private let value: Value
        /// The configuration cannot be used.
        public static let configuration = Kind(value: .configuration)
        /// A GPIO line cannot be opened.
        public static let gpio = Kind(value: .gpio)
        /// An audio device cannot be opened, or failed for good.
        public static let audio = Kind(value: .audio)
        /// No API key, or one that may not be used.
        public static let credentials = Kind(value: .credentials)
        public var description: String { value.rawValue }
    }

    public var kind: Kind
    /// What is wrong and how to fix it.
    public var message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }
}
