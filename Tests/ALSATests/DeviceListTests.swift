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

@Suite("Device listing")
struct DeviceListTests {
    @Test("snd_device_name_hint lists the configured PCMs with their rates")
    func listing() throws {
        // The listing reads ALSA's global configuration, so this test points ALSA_CONFIG_PATH at its own
        // file; every other test opens its devices from configuration text and does not see it.
        let dir = ALSATestDirectory()
        let conf = dir.file("asound.conf")
        // The system configuration comes first: with a sound card present, snd_device_name_hint also
        // walks the card's definitions (cards.*), and fails as a whole when they are missing.
        let text = """
            </usr/share/alsa/alsa.conf>
            pcm.testmic {
                type plug
                slave { pcm { type null } rate 48000 }
                hint { show on description "Test microphone, 48 kHz only" }
            }
            pcm.anything {
                type null
                hint { show on description "Test null device" }
            }
            pcm.hidden {
                type null
                hint { show off }
            }
            """
        let fd = open(conf, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        _ = text.withCString { write(fd, $0, strlen($0)) }
        close(fd)
        setenv("ALSA_CONFIG_PATH", conf, 1)
        defer { unsetenv("ALSA_CONFIG_PATH") }

        let devices = ALSADeviceList.list()
        let names = devices.map(\.name)
        #expect(names.contains("testmic"))
        #expect(names.contains("anything"))
        #expect(!names.contains("hidden"))
        let mic = try #require(devices.first { $0.name == "testmic" })
        #expect(mic.description == "Test microphone, 48 kHz only")
        let capture = try #require(mic.capture)
        #expect(capture.problem == nil)
        #expect(capture.standardRates == [48000])
        #expect(capture.rateRange == 48000...48000)
        let null = try #require(devices.first { $0.name == "anything" })
        #expect(null.playback?.standardRates == ALSADeviceList.standardRates)
    }

    @Test("probing one device from configuration text")
    func probeOne() {
        let capabilities = ALSADeviceList.capabilities(
            of: "card", stream: .playback, configurationText: ALSATestConfig.null(name: "card", slaveRate: 44100))
        #expect(capabilities.standardRates == [44100])
        let missing = ALSADeviceList.capabilities(
            of: "nope", stream: .playback, configurationText: ALSATestConfig.null(name: "card"))
        #expect(missing.problem != nil)
        #expect(missing.standardRates.isEmpty)
    }
}
