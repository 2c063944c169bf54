// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

import ALSA
import Foundation
import TestKit
import Testing

/// The ALSA configurations of the board profiles (board/profiles/*.asound.conf).
@Suite("board profile ALSA configurations")
struct BoardProfileALSATests {
    static let directory = PackagePaths.root.appendingPathComponent("board/profiles").path

    static var files: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).filter { $0.hasSuffix(".asound.conf") }.sorted()
    }

    @Test("there is one for every profile")
    func onePerProfile() throws {
        let profiles = try FileManager.default.contentsOfDirectory(atPath: Self.directory).filter { $0.hasSuffix(".toml") }
        #expect(profiles.count >= 6)
        for profile in profiles {
            let conf = String(profile.dropLast(".toml".count)) + ".asound.conf"
            #expect(Self.files.contains(conf), "\(profile) has no \(conf)")
        }
    }

    @Test("each parses, explains itself, shares the card through dsnoop and dmix, and defines livevoiced's two devices",
          arguments: files)
    func parses(name: String) throws {
        let text = ALSATestDirectory.readText(path: "\(Self.directory)/\(name)")
        #expect(text.hasPrefix("# SPDX-License-Identifier: Apache-2.0\n"))
        try ALSAConfigurationText.validate(text)
        #expect(text.contains("type dsnoop"))
        #expect(text.contains("type dmix"))
        #expect(text.contains("pcm.livevoiced_mic {"))
        #expect(text.contains("pcm.livevoiced_speaker {"))
        #expect(text.contains("ipc_gid audio"), "the daemon's user shares the devices through group audio")
    }
}
