// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

import ALSA
import ArgumentParser

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// `livevoiced audio devices`: the capture and playback PCMs ALSA knows, with the rates each takes.
struct AudioDevices: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "devices",
        abstract: "List the microphones and speakers ALSA knows, with their sample rates.",
        discussion: """
            Each device is opened briefly (without waiting) to ask for its rates in S16_LE mono, without \
            alsa-lib's resampling, so 'plughw:' devices show what the card itself can do. A device another \
            program holds shows as busy. livevoiced asks for 16000 Hz (microphone) and 24000 Hz (speaker) \
            and resamples when a card offers only other rates.
            """)

    @Flag(name: .customLong("no-probe"), help: "Only list the names; do not open the devices.")
    var noProbe = false

    @Flag(help: "Also list the many alias names (front:, surround51:, iec958:, dmix:, ...).")
    var all = false

    func run() async throws {
        let devices = ALSADeviceList.list(probe: !noProbe).filter { all || Self.isUseful($0.name) }
        let capture = devices.filter { $0.capture != nil }
        let playback = devices.filter { $0.playback != nil }
        if let node = SoundDeviceAccess.firstInaccessibleNode() {
            print("Note: " + SoundDeviceAccess.permissionAdvice(node: node) + ". Until then, cards are missing below.\n")
        }
        if capture.isEmpty && playback.isEmpty {
            print("No ALSA devices found. Is a sound card connected (`cat /proc/asound/cards`), and is the user in the 'audio' group?")
            return
        }
        print("Capture (microphones):")
        for device in capture { print(Self.describe(device, device.capture!)) }
        if capture.isEmpty { print("  (none)") }
        print("")
        print("Playback (speakers):")
        for device in playback { print(Self.describe(device, device.playback!)) }
        if playback.isEmpty { print("  (none)") }
        print("")
        print("Use a name with --capture-device / --playback-device, e.g. `livevoiced audio meter --capture-device NAME`.")
    }

    /// The names worth showing by default: the defaults, and each card's plughw/hw/sysdefault/dsnoop/dmix.
    static func isUseful(_ name: String) -> Bool {
        let prefix = name.split(separator: ":", maxSplits: 1).first.map(String.init) ?? name
        return ["default", "sysdefault", "plughw", "hw", "dsnoop", "dmix", "pulse", "pipewire", "null"].contains(prefix)
            || !name.contains(":")
    }

    static func describe(_ device: ALSADevice, _ capabilities: ALSADevice.Capabilities) -> String {
        let lines = device.description.split(separator: "\n").map(String.init)
        var text = "  \(device.name)"
        if let first = lines.first { text += "\n      \(first)" + (lines.count > 1 ? " — " + lines.dropFirst().joined(separator: ", ") : "") }
        if let problem = capabilities.problem {
            text += "\n      not usable now: \(problem)"
        } else if let range = capabilities.rateRange {
            let rates = capabilities.standardRates.map(String.init).joined(separator: ", ")
            text += "\n      rates: \(rates.isEmpty ? "none of the usual" : rates) Hz"
            if range.lowerBound != range.upperBound { text += " (any from \(range.lowerBound) to \(range.upperBound))" }
        }
        return text
    }
}
