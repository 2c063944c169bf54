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

/// The example ALSA configurations shipped in board/alsa/.
@Suite("board/alsa configurations")
struct BoardConfigurationTests {
    static let directory: String = {
        // Tests/ALSATests/BoardConfigurationTests.swift → the package root.
        var parts = "\(#filePath)".split(separator: "/", omittingEmptySubsequences: false)
        parts.removeLast(3)
        return parts.joined(separator: "/") + "/board/alsa"
    }()

    static func read(_ name: String) -> String {
        ALSATestDirectory.readText(path: "\(directory)/\(name)")
    }

    static let files = ["shared-usb-card.conf", "stereo-hat-mono-mic.conf", "loopback-test.conf"]

    @Test("every file parses and opens with a comment header", arguments: files)
    func parses(name: String) throws {
        let text = Self.read(name)
        #expect(text.hasPrefix("# SPDX-License-Identifier: Apache-2.0\n"))
        #expect(text.split(separator: "\n").prefix(12).filter { $0.hasPrefix("# ") }.count >= 8, "a header that explains the file")
        try ALSAConfigurationText.validate(text)
    }

    @Test("the stereo HAT file takes the left microphone, or the average of both, as mono")
    func stereoHat() throws {
        let dir = ALSATestDirectory()
        // Interleaved stereo: left = 1000 + i, right = -3000 - i.
        let frames = 1600
        var stereo: [Int16] = []
        for i in 0..<frames { stereo += [Int16(1000 + i), Int16(-3000 - i)] }
        let path = dir.writeRaw("stereo.raw", stereo)
        // The HAT itself is replaced by alsa-lib's file plugin delivering the stereo samples.
        let hat = """
            pcm.!livevoiced_hat_raw {
                type file
                slave { pcm { type null } }
                file "/dev/null"
                infile "\(path)"
                format "raw"
            }
            """
        let text = Self.read("stereo-hat-mono-mic.conf") + "\n" + hat
        for (name, expected) in [
            ("livevoiced_mic_left", (0..<frames).map { Int16(1000 + $0) }),
            ("livevoiced_mic_mix", [Int16](repeating: -1000, count: frames)),
        ] {
            let pcm = try PCM(PCMConfiguration(device: name, stream: .capture, sampleRate: 16000, configurationText: text))
            // Whole buffers at a time: behind a plug, alsa-lib's file plugin reads its input file in
            // mmap_begin for all the frames the slave offers, and a smaller commit loses the rest.
            var got = [Int16](repeating: 0, count: frames)
            _ = try got.withUnsafeMutableBufferPointer { buffer in
                try stride(from: 0, to: frames, by: pcm.bufferFrames).reduce(0) { total, start in
                    total + (try pcm.read(into: UnsafeMutableBufferPointer(rebasing: buffer[start..<min(frames, start + pcm.bufferFrames)])))
                }
            }
            if name == "livevoiced_mic_mix" {
                #expect(got.allSatisfy { abs(Int($0) - -1000) <= 1 }, "\(name): (1000 + i - 3000 - i) / 2")
            } else {
                #expect(got == expected, "\(name)")
            }
        }
    }
}
