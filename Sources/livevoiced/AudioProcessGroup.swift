// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

import ArgumentParser

/// Temporary home of `livevoiced audio process` until the `audio` command group (devices, meter,
/// loopback) lands; then ``AudioProcess`` moves there and this file goes.
struct AudioDSPGroup: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audio",
        abstract: "Audio tools: run the microphone front end on files.",
        subcommands: [AudioProcess.self])
}
