// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

import ALSA
import TestKit
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

@Suite("Sound cards and device-node access, without alsa-lib")
struct SoundDeviceAccessTests {
    static func save(_ text: String, to path: String) {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        precondition(fd >= 0, "cannot create \(path)")
        _ = text.utf8CString.withUnsafeBytes { write(fd, $0.baseAddress, $0.count - 1) }
        close(fd)
    }

    @Test("/proc/asound/cards: index, id and name of each card; its detail lines skipped")
    func cards() throws {
        let dir = ALSATestDirectory()
        Self.save("""
             0 [Loopback       ]: Loopback - Loopback
                                  Loopback 1
             1 [Device         ]: USB-Audio - USB PnP Sound Device
                                  C-Media Electronics Inc. USB PnP Sound Device at usb-0000:01:00.0-1.3, full speed
            10 [sndrpihifiberry]: RPi-simple - snd_rpi_hifiberry_dac
                                  snd_rpi_hifiberry_dac

            """, to: dir.file("cards"))
        let cards = try #require(SoundCards.list(path: dir.file("cards")))
        #expect(cards == [
            .init(index: 0, id: "Loopback", name: "Loopback"),
            .init(index: 1, id: "Device", name: "USB PnP Sound Device"),
            .init(index: 10, id: "sndrpihifiberry", name: "snd_rpi_hifiberry_dac"),
        ])
        Self.save("--- no soundcards ---\n", to: dir.file("none"))
        #expect(SoundCards.list(path: dir.file("none")) == [])
        #expect(SoundCards.list(path: dir.file("missing")) == nil, "no /proc/asound: nil, not an empty list")
    }

    @Test("a card node this user may not open is named; other files and usable nodes are not")
    func inaccessibleNode() {
        let dir = ALSATestDirectory()
        Self.save("", to: dir.file("timer"))
        Self.save("", to: dir.file("controlC0"))
        Self.save("", to: dir.file("pcmC0D0c"))
        #expect(SoundDeviceAccess.firstInaccessibleNode(in: dir.path) == nil)
        chmod(dir.file("timer"), 0)
        chmod(dir.file("pcmC0D0c"), 0)
        if geteuid() == 0 {
            // root may open anything: nothing to report (the rig checks the real case as user nobody).
            #expect(SoundDeviceAccess.firstInaccessibleNode(in: dir.path) == nil)
        } else {
            #expect(SoundDeviceAccess.firstInaccessibleNode(in: dir.path) == dir.file("pcmC0D0c"))
        }
        #expect(SoundDeviceAccess.firstInaccessibleNode(in: dir.file("absent")) == nil)
        #expect(SoundDeviceAccess.permissionAdvice(node: "/dev/snd/controlC0").contains("usermod -aG audio"))
    }
}
