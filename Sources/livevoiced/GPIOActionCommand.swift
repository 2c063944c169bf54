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
