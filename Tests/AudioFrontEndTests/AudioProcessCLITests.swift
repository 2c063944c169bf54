// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

import AudioFrontEnd
import Foundation
import Testing
import TestKit

/// Runs the built `livevoiced` (next to the test bundle, or `$LIVEVOICED_BINARY`).
func runLivevoiced(_ arguments: [String]) throws -> (status: Int32, output: String, error: String) {
    let binary = ProcessInfo.processInfo.environment["LIVEVOICED_BINARY"]
        ?? URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("livevoiced").path
    try #require(FileManager.default.isExecutableFile(atPath: binary), "build livevoiced first (swift build): not found at \(binary)")
    let process = Process()
    process.executableURL = URL(fileURLWithPath: binary)
    process.arguments = arguments
    let output = Pipe()
    let error = Pipe()
    process.standardOutput = output
    process.standardError = error
    try process.run()
    let outputData = output.fileHandleForReading.readDataToEndOfFile()
    let errorData = error.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: outputData, as: UTF8.self), String(decoding: errorData, as: UTF8.self))
}

@Suite("livevoiced audio process")
struct AudioProcessCLITests {
    @Test("WAV in; time-aligned WAV, VAD lines and a JSON report out, the same as the library")
    func wavFiles() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let scenario = try EchoScenario.make(nearEndStart: 12)
        let microphone = Array(scenario.microphone.prefix(20 * 16_000 + 123))
        let mic = directory.appendingPathComponent("mic.wav").path
        let ref = directory.appendingPathComponent("ref.wav").path
        let out = directory.appendingPathComponent("out.wav").path
        let vad = directory.appendingPathComponent("vad.txt").path
        try write(microphone, to: mic, sampleRate: 16_000)
        try write(scenario.farEnd24k, to: ref, sampleRate: 24_000)

        let result = try runLivevoiced(["audio", "process", "--mic", mic, "--reference", ref, "--output", out, "--vad-output", vad, "--json"])
        #expect(result.status == 0, "\(result.error)")
        #expect(result.error.isEmpty)
        let report = try #require(try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [String: Any])
        #expect(report["samples"] as? Int == microphone.count)
        #expect(report["frames"] as? Int == (microphone.count + 319) / 320)
        #expect(report["delayMode"] as? String == "auto")
        #expect(abs((report["estimatedEchoDelayMs"] as? Double ?? 0) - 20) <= 1)
        #expect((report["erleDb"] as? Double ?? 0) >= 18)
        #expect((report["microsecondsPer10ms"] as? Double ?? 0) > 0)
        let speechPercent = try #require(report["speechPercent"] as? Double)
        #expect(speechPercent > 5 && speechPercent < 50)

        let written = try readAll(AudioFileReader(path: out, rawSampleRate: 16_000), chunk: 4_096)
        #expect(written.count == microphone.count)
        // The command streams the same front end: its output is the library's, one-frame lag removed.
        let expected = try process(microphone, reference: scenario.reference, configuration: FrontEndConfiguration())
        let whole = expected.output.count
        #expect(Array(written[0..<whole]) == expected.output)

        let lines = try String(contentsOfFile: vad, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == (microphone.count + 159) / 160)
        #expect(lines.allSatisfy { $0 == "0" || $0 == "1" })
        let expectedLines = expected.analyses.prefix(whole / 320).flatMap { [$0.isSpeech ? "1" : "0", $0.isSpeech ? "1" : "0"] }
        #expect(Array(lines.prefix(expectedLines.count).map(String.init)) == expectedLines)
    }

    @Test("raw files with --reference-rate, a fixed delay and 10 ms frames; text report")
    func rawFiles() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let scenario = try EchoScenario.make(nearEndStart: 1_000)
        let microphone = Array(scenario.microphone.prefix(12 * 16_000))
        let mic = directory.appendingPathComponent("mic.raw").path
        let ref = directory.appendingPathComponent("ref.pcm").path
        let out = directory.appendingPathComponent("out.raw").path
        try write(microphone, to: mic, sampleRate: 16_000)
        try write(scenario.reference, to: ref, sampleRate: 16_000)
        let result = try runLivevoiced([
            "audio", "process", "--mic", mic, "--reference", ref, "--reference-rate", "16000", "--output", out,
            "--frame-ms", "10", "--delay-ms", "0",
        ])
        #expect(result.status == 0, "\(result.error)")
        #expect(result.output.contains("frames       1200 × 10 ms (12.00 s)"))
        #expect(result.output.contains("delay        0.0 ms (given)"))
        #expect(result.output.contains("µs per 10 ms"))
        #expect(result.output.contains(" dB over "))
        let size = try FileManager.default.attributesOfItem(atPath: out)[.size] as? Int
        #expect(size == microphone.count * 2)
    }

    @Test("with the clean near end it prints the echo corpus's figures: ERLE, double-talk SDR, VAD accuracy")
    func corpusFigures() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let recording = try TestCorpus.recording("shelf-clip-pink10")
        let mic = directory.appendingPathComponent("mic.wav").path
        let ref = directory.appendingPathComponent("ref.wav").path
        let near = directory.appendingPathComponent("near.wav").path
        let out = directory.appendingPathComponent("out.wav").path
        try write(recording.microphone, to: mic, sampleRate: 16_000)
        try write(recording.farEnd24k, to: ref, sampleRate: 24_000)
        try write(AudioSignal.int16(recording.nearEnd), to: near, sampleRate: 16_000)

        let result = try runLivevoiced(["audio", "process", "--mic", mic, "--reference", ref, "--near-end", near, "--output", out, "--json"])
        #expect(result.status == 0, "\(result.error)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [String: Any])
        #expect(report["erleBasis"] as? String == "near-end")

        // The same front end scored by the corpus's own scorer. The command counts the far end as active
        // where the reference is (it has no echo alone), so ERLE may differ a little; SDR and VAD use the
        // same frames.
        let run = try frontEndRun(recording, configuration: FrontEndConfiguration())
        let score = EchoScoring.score(recording, output: run.output, vad: run.vad)
        let erle = try #require(report["erleDb"] as? Double)
        let sdr = try #require(report["doubleTalkSdrDb"] as? Double)
        let vad = try #require(report["vadAccuracy"] as? Double)
        print("audio process: ERLE \(erle) SDR \(sdr) VAD \(vad); corpus scorer: ERLE \(score.erle) SDR \(score.doubleTalkSDR ?? .nan) VAD \(score.vadAccuracy ?? .nan)")
        #expect(abs(erle - score.erle) <= 1.5)
        #expect(abs(sdr - (score.doubleTalkSDR ?? 0)) <= 0.5)
        #expect(abs(vad - (score.vadAccuracy ?? 0)) <= 0.01)
        #expect(abs((report["saturationLevel"] as? Double ?? 0) - 0.5) <= 0.05)

        let text = try runLivevoiced(["audio", "process", "--mic", mic, "--reference", ref, "--near-end", near, "--output", out])
        #expect(text.status == 0)
        #expect(text.output.contains("double talk  SDR "))
        #expect(text.output.contains("VAD          accuracy "))
        #expect(text.output.contains("speaker      clips at 0."))
    }

    @Test("bad input is explained and fails")
    func badInput() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let mic22k = directory.appendingPathComponent("mic.wav").path
        try write([Int16](repeating: 0, count: 2_205), to: mic22k, sampleRate: 22_050)
        let out = directory.appendingPathComponent("out.wav").path
        let mic16k = directory.appendingPathComponent("mic16k.wav").path
        try write([Int16](repeating: 0, count: 1_600), to: mic16k, sampleRate: 16_000)
        let cases: [([String], String)] = [
            (["--mic", directory.path + "/missing.wav", "--no-aec"], "cannot open it for reading"),
            (["--mic", mic22k, "--no-aec"], "16000 Hz"),
            (["--mic", mic22k], "--reference is required"),
            (["--mic", mic22k, "--no-aec", "--frame-ms", "30"], "--frame-ms must be 10 or 20"),
            (["--mic", mic22k, "--no-aec", "--filter-ms", "5000"], "filter length 5000 ms"),
            (["--mic", mic22k, "--reference", mic22k, "--reference-rate", "16000"], "16000 Hz"),
            (["--mic", mic16k, "--no-aec", "--near-end", mic22k], "the near-end file is 22050 Hz"),
        ]
        for (arguments, message) in cases {
            let result = try runLivevoiced(["audio", "process", "--output", out] + arguments)
            #expect(result.status != 0)
            #expect(result.error.contains(message), "\(arguments): \(result.error)")
        }
    }
}

@Suite("livevoiced audio process never overwrites its inputs")
struct AudioProcessSameFileTests {
    /// Runs `livevoiced audio process` in `directory` (so relative paths are relative to it).
    private func run(_ arguments: [String], in directory: URL) throws -> (status: Int32, error: String) {
        let binary = ProcessInfo.processInfo.environment["LIVEVOICED_BINARY"]
            ?? URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("livevoiced").path
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["audio", "process"] + arguments
        process.currentDirectoryURL = directory
        let error = Pipe()
        process.standardOutput = FileHandle.nullDevice
        process.standardError = error
        try process.run()
        let data = error.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    @Test("--output or --vad-output naming an input, by any path or link, is refused and the input is untouched")
    func refusesInputs() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let samples = (0..<16_000).map { Int16(truncatingIfNeeded: $0 &* 91) }
        try write(samples, to: directory.appendingPathComponent("mic.wav").path, sampleRate: 16_000)
        try write(samples, to: directory.appendingPathComponent("ref.wav").path, sampleRate: 16_000)
        let original = try Data(contentsOf: directory.appendingPathComponent("mic.wav"))
        try FileManager.default.linkItem(atPath: directory.appendingPathComponent("mic.wav").path,
                                         toPath: directory.appendingPathComponent("hard.wav").path)
        try FileManager.default.createSymbolicLink(atPath: directory.appendingPathComponent("soft.wav").path,
                                                   withDestinationPath: "mic.wav")
        let cases: [([String], String)] = [
            (["--mic", "mic.wav", "--no-aec", "--output", "mic.wav"], "--output 'mic.wav' is the same file as --mic 'mic.wav'"),
            (["--mic", "mic.wav", "--no-aec", "--output", "./mic.wav"], "--output './mic.wav' is the same file as --mic"),
            (["--mic", "mic.wav", "--no-aec", "--output", directory.path + "/mic.wav"], "is the same file as --mic"),
            (["--mic", "mic.wav", "--no-aec", "--output", "hard.wav"], "--output 'hard.wav' is the same file as --mic"),
            (["--mic", "mic.wav", "--no-aec", "--output", "soft.wav"], "--output 'soft.wav' is the same file as --mic"),
            (["--mic", "ref.wav", "--reference", "soft.wav", "--output", "hard.wav"], "is the same file as --reference 'soft.wav'"),
            (["--mic", "mic.wav", "--no-aec", "--output", "out.wav", "--vad-output", "mic.wav"], "--vad-output 'mic.wav' is the same file as --mic"),
        ]
        for (arguments, message) in cases {
            let result = try run(arguments, in: directory)
            #expect(result.status != 0, "\(arguments)")
            #expect(result.error.contains(message), "\(arguments): \(result.error)")
            #expect(result.error.contains("writing it would destroy the input"), "\(arguments): \(result.error)")
            #expect(try Data(contentsOf: directory.appendingPathComponent("mic.wav")) == original, "\(arguments)")
        }
        // A new output file next to the inputs is fine.
        let ok = try run(["--mic", "./mic.wav", "--no-aec", "--output", "out.wav"], in: directory)
        #expect(ok.status == 0, "\(ok.error)")
        #expect(try Data(contentsOf: directory.appendingPathComponent("mic.wav")) == original)
    }
}
