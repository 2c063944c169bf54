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
