// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

import ArgumentParser

/// Benchmarks that print figures (medians, ratios); speed is never asserted in unit tests.
@main
struct Bench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "livevoiced-bench",
        abstract: "livevoiced benchmarks.",
        subcommands: [LiveBench.self])
}
