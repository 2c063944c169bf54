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
