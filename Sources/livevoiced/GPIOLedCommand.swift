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
