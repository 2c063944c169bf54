// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

import ArgumentParser

/// `livevoiced-bench`: speed and memory figures that do not belong in unit tests (machines are shared and
/// noisy, so these report medians and leave judging to people and scripts).
@main
struct LiveVoicedBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "livevoiced-bench",
        abstract: "Benchmarks for livevoiced.",
        subcommands: [AudioBench.self, EchoBench.self, LiveBench.self])
}
