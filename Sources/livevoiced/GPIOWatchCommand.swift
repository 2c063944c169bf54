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
