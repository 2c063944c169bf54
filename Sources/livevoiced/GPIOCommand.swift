// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

import Threads
import Time
import ArgumentParser
import BoardSupport
import Daemon
import GPIO
import JSON
import Log
import TOML

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// `livevoiced gpio`: look at the board's GPIO and check wiring without the model.
struct GPIOCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gpio",
        abstract: "Inspect GPIO lines and check the wiring of the button, LED and tool actions.",
        subcommands: [GPIOInfo.self, GPIOWatch.self, GPIOLed.self, GPIOSet.self, GPIOAction.self])
}

/// Options every `gpio` subcommand shares.
struct GPIOBackendOptions: ParsableArguments {
    @Flag(
        help: ArgumentHelp(
            "Use a simulated board (lines GPIO0 to GPIO27, plus any line the config names) instead of "
                + "/dev/gpiochip*. Also set by LIVEVOICED_GPIO_SIMULATED=1."))
    var simulated = false

    var isSimulated: Bool { simulated || getenv("LIVEVOICED_GPIO_SIMULATED").map { String(cString: $0) == "1" } == true }

    /// The libgpiod backend, or a simulated board that also has the lines named in `extraLines`.
    func backend(extraLines: [String] = []) throws -> any GPIOBackend {
        if isSimulated {
            var names = (0...27).map { "GPIO\($0)" }
            for name in extraLines where !names.contains(name) && LineAddress(name) == .name(name) { names.append(name) }
            return SimulatedBoard(lines: names.map { SimulatedBoard.LineSpec(name: $0) }, clock: SystemMonotonicClock())
        }
        do {
            return try LibgpiodBackend()
        } catch {
            throw failure(error.message)
        }
    }
}

/// Prints `message` to standard error and makes the command exit with status 1.
func failure(_ message: String) -> ExitCode {
    var line = Array("error: \(message)\n".utf8)
    _ = line.withUnsafeMutableBytes { write(2, $0.baseAddress, $0.count) }
    return ExitCode(1)
}

/// Prints a line and flushes, so pipes see it at once.
func say(_ text: String) {
    print(text)
    fflush(nil)  // all streams; `stdout` itself is not concurrency-safe to name
}

/// Reads a configuration file's `[[tools]]`, with errors that name the key path and the line; prints the
/// error and exits with status 1 when the file is unreadable or wrong.
func loadTools(_ path: String) throws -> ToolsConfig {
    do {
        return try parseToolsFile(path)
    } catch {
        throw failure(error.description)
    }
}

/// A `[[tools]]` file that cannot be used, and why.
struct ToolsFileError: Error, CustomStringConvertible {
    var description: String
}

/// Reads (at most ``TextFile/configurationLimit`` bytes) and decodes a configuration file's `[[tools]]`.
func parseToolsFile(_ path: String) throws(ToolsFileError) -> ToolsConfig {
    let text: String
    do {
        text = try TextFile.read(atPath: path, what: "--config", limit: TextFile.configurationLimit)
    } catch {
        throw ToolsFileError(description: error.message)
    }
    do {
        return try ToolsConfig.parse(text)
    } catch {
        throw ToolsFileError(description: "\(path): \(error)")
    }
}

/// Compact JSON with sorted keys, for results a user or a script reads (the project's one ``JSONWriter``).
func renderJSON(_ value: JSONValue) -> String { value.jsonString }

// MARK: - info

struct GPIOInfo: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "info", abstract: "List chips and lines (like gpioinfo), and the lines a config uses.")

    @OptionGroup var options: GPIOBackendOptions

    @Option(help: "A livevoiced config file: also show which lines its [[tools]] use and whether they are free.")
    var config: String?

    func run() async throws {
        let tools = try config.map(loadTools)?.tools ?? []
        let backend = try options.backend(extraLines: tools.map(\.action.line))
        let chips: [ChipInfo]
        do {
            chips = try backend.chips()
        } catch {
            throw failure(error.message)
        }
        say("GPIO backend: \(backend.description)")
        if chips.isEmpty {
            say("No GPIO chip found: this machine has no /dev/gpiochip* device, so there are no GPIO lines to use.")
            say("(Usual on a PC, a VM or a container. Add --simulated to try the gpio commands on a simulated board.)")
        }
        for chip in chips {
            say("\(chip.name) - \(chip.lines.count) lines (\(chip.label), \(chip.path)):")
            for line in chip.lines {
                var fields = ["\tline \(String(repeating: " ", count: max(0, 3 - String(line.id.offset).count)))\(line.id.offset):",
                    line.id.name.map { "\"\($0)\"" } ?? "unnamed", line.direction.rawValue]
                if line.isUsed { fields.append("consumer=\"\(line.consumer ?? "")\"") }
                if line.activeLow { fields.append("active-low") }
                if line.bias != .unknown, line.bias != .asIs { fields.append(line.bias.rawValue) }
                if line.edges != .none { fields.append("edges=\(line.edges.rawValue)") }
                if let debounce = line.debounce { fields.append("debounce=\(debounce.nanosecondsClamped / 1000)us") }
                say(fields.joined(separator: "\t"))
            }
        }
        guard !tools.isEmpty else { return }
        say("Lines used by \(config ?? "the config"):")
        for tool in tools {
            let status: String
            do {
                let info = try backend.lineInfo(LineAddress(tool.action.line))
                status = info.isUsed ? "\(info.id): in use by '\(info.consumer ?? "?")'" : "\(info.id): free"
            } catch {
                status = "not usable: \(error.message)"
            }
            say("  \(tool.name) (\(tool.action.kind.rawValue) \(tool.action.line)): \(status)")
        }
    }
}

// MARK: - watch

struct GPIOWatch: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "watch", abstract: "Print debounced button events with timestamps until Ctrl-C.")

    @OptionGroup var options: GPIOBackendOptions

    @Argument(help: "The button's line: a name (GPIO17) or chip:offset (gpiochip0:17).")
    var line: String

    @Flag(help: "The button connects the line to 3.3 V (pull-down) instead of to ground (pull-up).")
    var activeHigh = false

    @Option(help: "Software debounce in milliseconds.") var debounceMs = 30
    @Option(help: "Hold time of a long press in milliseconds.") var longPressMs = 1000

    func run() async throws {
        let backend = try options.backend(extraLines: [line])
        let timing = ButtonTiming(debounce: .milliseconds(debounceMs), longPress: .milliseconds(longPressMs))
        let button: Button
        do {
            button = try Button.request(
                LineAddress(line), on: backend, activeLow: !activeHigh, bias: activeHigh ? .pullDown : .pullUp,
                timing: timing, clock: SystemMonotonicClock())
        } catch {
            throw failure(error.message)
        }
        say("Watching \(button.id) (debounce \(debounceMs) ms, long press \(longPressMs) ms); Ctrl-C stops.")
        if let board = backend as? SimulatedBoard {
            say("Simulated: press Enter to toggle the button, p to press, r to release, q to stop typing.")
            SimulatedKeyboard.start(board: board, line: line, activeLow: !activeHigh) { say($0) }
        }
        do {
            for try await event in button.events() { say(event.description) }
        } catch let error as GPIOError {
            throw failure(error.message)
        }
    }
}

// MARK: - led

struct GPIOLed: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "led", abstract: "Show an LED pattern on a line, to check the LED's wiring.")

    @OptionGroup var options: GPIOBackendOptions

    @Argument(help: "The LED's line: a name (GPIO18) or chip:offset.") var line: String

    @Argument(help: "One of: \(LEDPattern.allCases.map(\.rawValue).joined(separator: ", ")).")
    var pattern: String

    @Flag(help: "The LED lights when the line is low.") var activeLow = false
    @Option(help: "How long to show the pattern, in seconds.") var seconds: Double = 5

    func validate() throws {
        guard LEDPattern(rawValue: pattern) != nil else {
            throw ValidationError(
                "unknown pattern '\(pattern)'; choose one of: \(LEDPattern.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        guard seconds > 0, seconds <= 3600 else { throw ValidationError("--seconds must be from 0 to 3600") }
    }

    func run() async throws {
        let backend = try options.backend(extraLines: [line])
        let led: StatusLED
        do {
            led = try StatusLED.request(LineAddress(line), on: backend, activeLow: activeLow, clock: SystemMonotonicClock())
        } catch {
            throw failure(error.message)
        }
        // SIGTERM or Ctrl-C ends the show early, and the LED is still left dark. The handlers come before
        // the LED lights, so a signal that arrives at once finds them.
        let milliseconds = Int(seconds * 1000)
        let showing = Task { try await Task.sleep(for: .milliseconds(milliseconds)) }
        let signals = TerminationSignals.shared
        signals.install()
        let seen = signals.count
        let watcher = signals.whenSignalled(after: seen) { _ in showing.cancel() }
        defer { watcher.cancel() }
        say("Showing \(pattern) on \(led.id) for \(seconds) s.")
        led.start()
        led.set(LEDPattern(rawValue: pattern)!)
        _ = try? await showing.value
        led.stop()
        if let number = signals.signal(after: seen) {
            say("Stopped by signal \(number); the LED is off.")
            throw ExitCode(128 + number)
        }
        if let board = backend as? SimulatedBoard, let changes = try? board.history(line) {
            say("Simulated LED: \(changes.count) level changes; first: \(changes.prefix(6).map(\.description).joined(separator: ", "))")
        }
        say("Done; the LED is off.")
    }
}

// MARK: - set

struct GPIOSet: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "set", abstract: "Drive a line to 0 or 1 and read it back, to check an output's wiring.")

    @OptionGroup var options: GPIOBackendOptions

    @Argument(help: "The line: a name (GPIO27) or chip:offset.") var line: String
    @Argument(help: "0 or 1 (logical: with --active-low, 1 drives the line low).") var value: Int

    @Flag(help: "1 drives the line low.") var activeLow = false
    @Option(help: "Keep the line requested this many seconds before exiting.") var hold: Double = 0

    func validate() throws {
        guard value == 0 || value == 1 else { throw ValidationError("the value must be 0 or 1, not \(value)") }
        guard hold >= 0, hold <= 3600 else { throw ValidationError("--hold must be from 0 to 3600 seconds") }
    }

    func run() async throws {
        let backend = try options.backend(extraLines: [line])
        do {
            let output = try backend.requestOutput(
                LineAddress(line), settings: OutputSettings(activeLow: activeLow, initialValue: value == 1))
            let readBack = try output.value()
            say("\(output.id) set to \(value); reads back \(readBack ? 1 : 0)")
            if hold > 0 { try await Task.sleep(for: .milliseconds(Int(hold * 1000))) }
            guard readBack == (value == 1) else {
                throw failure("\(output.id) reads back \(readBack ? 1 : 0) after being set to \(value): check the wiring")
            }
        } catch let error as GPIOError {
            throw failure(error.message)
        }
    }
}

// MARK: - action

struct GPIOAction: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "action",
        abstract: "Run one of the config's tool actions exactly as a model's tool call would.",
        discussion: """
            Uses the same allowlist, limits and result text as the daemon. The result is printed as JSON; the \
            exit status is 1 when the call was refused or failed. When the action arms an auto-off timer, the \
            command waits for it (Ctrl-C leaves the line as it is).
            """)

    @OptionGroup var options: GPIOBackendOptions

    @Option(help: "The livevoiced config file with the [[tools]] tables.") var config: String
    @Argument(help: "The tool's name.") var name: String
    @Argument(help: "The arguments as a JSON object, e.g. '{\"on\": true}'.") var arguments: String = "{}"

    func run() async throws {
        let tools = try loadTools(config)
        let parsed: JSONValue
        do {
            parsed = try JSONParser().parse(arguments)
        } catch {
            throw failure("the arguments are not valid JSON (\(error)): \(arguments.escapingControlCharacters())")
        }
        let backend = try options.backend(extraLines: tools.tools.map(\.action.line))
        let registry: ToolRegistry
        do {
            registry = try ToolRegistry(config: tools, backend: backend)
        } catch {
            throw failure("\(config): \(error)")
        }
        // SIGTERM (a service manager stopping us) puts every output at its safe value before exiting; Ctrl-C
        // keeps its default and leaves the lines as they are.
        let signals = TerminationSignals.shared
        signals.install()
        let seen = signals.count
        let watcher = signals.whenSignalled(after: seen) { number in
            if number == SIGINT { _exit(128 + SIGINT) }  // Ctrl-C leaves the lines as they are
            await registry.shutdown()
        }
        defer { watcher.cancel() }
        let result = await registry.call(name: name, arguments: parsed)
        say(renderJSON(result.response))
        let pending = await registry.pendingAutoOffs
        if let wait = pending[name], signals.signal(after: seen) == nil {
            say("Auto-off armed: waiting \((wait.milliseconds + 999) / 1000) s to switch it off (Ctrl-C leaves it on).")
            await registry.waitForTimers()
        }
        if let number = signals.signal(after: seen) {
            await registry.shutdown()  // already done by the handler; waits for it to finish
            say("Stopped by signal \(number); outputs are at their safe values.")
            throw ExitCode(128 + number)
        }
        if pending[name] != nil { say("Switched off.") }
        if result.isError { throw ExitCode(1) }
    }
}
