// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

import ArgumentParser

/// The `livevoiced` command: the daemon and its tools.
@main
struct LiveVoiced: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "livevoiced",
        abstract: "A headless smart speaker for the Gemini Live API.",
        version: "0.1.0",
        subcommands: [Run.self, Simulate.self, Status.self, Chat.self, Check.self, Audio.self, GPIOCommand.self, Bench.self])
}
