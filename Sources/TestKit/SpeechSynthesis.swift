// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

import Foundation

/// Synthesised speech: mono samples in -1...1 at `sampleRate`.
public struct SynthesizedSpeech: Sendable {
    /// The samples, full scale ±1.
    public var samples: [Float]
    /// Samples per second (espeak-ng produces 22050 Hz).
    public var sampleRate: Int

    /// Wraps samples at a rate.
    public init(samples: [Float], sampleRate: Int) {
        self.samples = samples
        self.sampleRate = sampleRate
    }
}

/// A failure running espeak-ng.
public struct SpeechSynthesisError: Error, CustomStringConvertible {
    /// What went wrong and how to fix it.
    public var description: String
}

/// Real speech for audio tests, made by espeak-ng at test time (nothing generated is committed).
public enum SpeechSynthesizer {
    /// The espeak-ng executable looked for.
    public static let executable = "/usr/bin/espeak-ng"

    /// Whether espeak-ng is installed (`scripts/bootstrap` installs it).
    public static var isAvailable: Bool { FileManager.default.isExecutableFile(atPath: executable) }

    /// Speaks `text` with espeak-ng.
    ///
    /// - Parameters:
    ///   - voice: an espeak-ng voice, with an optional variant (`en-us`, `en-gb+f3`).
    ///   - wordsPerMinute: speaking rate.
    ///   - pitch: 0...99, espeak-ng's default is 50.
    public static func synthesize(
        _ text: String, voice: String = "en-us", wordsPerMinute: Int = 160, pitch: Int = 50
    ) throws -> SynthesizedSpeech {
        guard isAvailable else {
            throw SpeechSynthesisError(description: "espeak-ng is not installed at \(executable): run scripts/bootstrap")
        }
        let output = FileManager.default.temporaryDirectory
            .appendingPathComponent("livevoiced-speech-\(UUID().uuidString).wav")
        defer { try? FileManager.default.removeItem(at: output) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = ["-v", voice, "-s", String(wordsPerMinute), "-p", String(pitch), "-w", output.path, text]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw SpeechSynthesisError(description: "espeak-ng exited with status \(process.terminationStatus) for voice '\(voice)'")
        }
        return try parseWAV(Array(Data(contentsOf: output)))
    }

    /// Just enough RIFF parsing for espeak-ng's own output (16-bit PCM mono); the project's reader lives
    /// in AudioFrontEnd, which TestKit does not depend on.
    private static func parseWAV(_ bytes: [UInt8]) throws -> SynthesizedSpeech {
        func u32(_ offset: Int) -> Int {
            Int(bytes[offset]) | Int(bytes[offset + 1]) << 8 | Int(bytes[offset + 2]) << 16 | Int(bytes[offset + 3]) << 24
        }
        guard bytes.count >= 12, bytes[0..<4].elementsEqual("RIFF".utf8) else {
            throw SpeechSynthesisError(description: "espeak-ng did not write a WAV file")
        }
        var offset = 12
        var rate = 0
        while offset + 8 <= bytes.count {
            let id = String(decoding: bytes[offset..<offset + 4], as: UTF8.self)
            var size = u32(offset + 4)
            let body = offset + 8
            if id == "fmt " {
                rate = u32(body + 4)
            } else if id == "data" {
                size = min(size, bytes.count - body)
                var samples = [Float](repeating: 0, count: size / 2)
                for index in 0..<samples.count {
                    let raw = Int16(bitPattern: UInt16(bytes[body + 2 * index]) | UInt16(bytes[body + 2 * index + 1]) << 8)
                    samples[index] = Float(raw) / 32_768
                }
                return SynthesizedSpeech(samples: samples, sampleRate: rate)
            }
            offset = body + size + (size & 1)
        }
        throw SpeechSynthesisError(description: "espeak-ng's WAV file has no data chunk")
    }
}
