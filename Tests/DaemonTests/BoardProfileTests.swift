// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

import Daemon
import Foundation
import TestKit
import Testing

/// The board profiles (board/profiles/): each a whole configuration for one board, with its ALSA file.
@Suite("board profiles")
struct BoardProfileTests {
    static let directory = PackagePaths.root.appendingPathComponent("board/profiles")

    static var profiles: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []).filter { $0.hasSuffix(".toml") }.sorted()
    }

    @Test("the six boards are there")
    func boards() {
        #expect(Self.profiles == [
            "aiy-voice-bonnet-v2.toml", "aiy-voice-hat-v1.toml", "raspberry-pi-4.toml", "raspberry-pi-5.toml",
            "respeaker-2mic-hat.toml", "usb-speakerphone.toml",
        ])
    }

    @Test("each decodes, names its board, has a button, and names devices its asound.conf defines", arguments: profiles)
    func profile(name: String) throws {
        let text = try String(contentsOf: Self.directory.appendingPathComponent(name), encoding: .utf8)
        let config = try DaemonConfiguration.parse(text)
        #expect(config.boardName?.isEmpty == false)
        #expect(config.button.line != nil)
        #expect(text.contains("Wiring"), "wiring notes in the header")
        let alsa = try String(contentsOf: Self.directory.appendingPathComponent(String(name.dropLast(5)) + ".asound.conf"), encoding: .utf8)
        #expect(alsa.contains("pcm.\(config.audio.captureDevice) {"))
        #expect(alsa.contains("pcm.\(config.audio.playbackDevice) {"))
        for tool in config.tools.tools {
            #expect(tool.action.line != config.button.line && tool.action.line != config.led.line)
        }
    }
}
