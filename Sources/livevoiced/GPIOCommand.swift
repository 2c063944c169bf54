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
