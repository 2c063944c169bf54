// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

import ArgumentParser
import AudioFrontEnd
import Foundation
import TestKit

/// `livevoiced-bench aec`: echo cancellers scored side by side on the generated echo corpus (ERLE over
/// far-end-only frames after 2 s, double-talk SDR after a 32-tap fit, VAD accuracy per 10 ms), with the
/// processing time of each.
struct EchoBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "aec",
        abstract: "Score echo cancellers on the generated echo corpus (ERLE, double-talk SDR, VAD accuracy, cost).",
        discussion: """
            The corpus (TestKit's EchoCorpus) is rendered from espeak-ng speech, synthetic rooms, speaker \
            models and noise, deterministically. Every variant gets the same recordings and the same scoring. \
            Variants: speex (raw speexdsp: 10 ms frames, 2048 taps, preprocessor defaults, reference as \
            played), speex-told (the same, told the unannounced delay), front-end (FrontEndConfiguration() \
            defaults), or NAME:key=value,... overriding the defaults (keys: \
            \(FrontEndOverrides.keys.joined(separator: ", "))). Means are printed for tuning and held-out \
            conditions apart. Times are thread CPU time over each whole recording, so they are noisier than \
            scripts/bench-audio's instruction counts.
            """)

    @Option(help: "Condition set: tuning, held-out, all or test.")
    var corpus = "all"

    @Option(name: .customLong("variant"), help: "A variant to run (repeatable); default: speex, speex-told, front-end.")
    var variants: [String] = []

    @Option(help: "Only conditions whose name contains this.")
    var only: String?

    @Option(help: "Override the length of every condition, in seconds (at least 12).")
    var seconds: Double?

    @Option(help: "Override every condition's SNR in dB (for finding what limits a figure).")
    var snr: Double?

    @Flag(name: .customLong("linear-speaker"), help: "Make every condition's speaker linear (for finding what limits a figure).")
    var linearSpeaker = false

    @Flag(help: "Print one JSON line per condition and variant instead of the table.")
    var json = false

    @Option(name: .customLong("write-files"), help: ArgumentHelp("Write each condition's NAME-mic.wav, NAME-ref.wav (24 kHz) and NAME-near.wav into DIR and exit.", valueName: "DIR"))
    var writeFiles: String?

    func validate() throws {
        guard EchoCorpus.named(corpus) != nil else { throw ValidationError("--corpus must be tuning, held-out, all or test") }
        if let seconds, seconds < 12 { throw ValidationError("--seconds must be at least 12") }
        for variant in variants {
            do { _ = try EchoVariant.parse(variant) } catch { throw ValidationError("\(error)") }
        }
    }

    func run() throws {
        var conditions = EchoCorpus.named(corpus) ?? []
        if let only { conditions = conditions.filter { $0.name.contains(only) } }
        for index in conditions.indices {
            if let seconds { conditions[index].seconds = seconds }
            if let snr { conditions[index].signalToNoiseDecibels = snr }
            if linearSpeaker { conditions[index].speaker = SpeakerModel() }
        }
        guard !conditions.isEmpty else { throw ValidationError("no condition matches") }
        if let writeFiles {
            for condition in conditions { try write(EchoRecording.make(condition), into: writeFiles) }
            return
        }
        let chosen = try (variants.isEmpty ? ["speex", "speex-told", "front-end"] : variants).map(EchoVariant.parse)

        var table = EchoTable(variants: chosen)
        for condition in conditions {
            let recording = try EchoRecording.make(condition)
            var row: [EchoTable.Cell] = []
            for variant in chosen {
                let run = try EchoRunner.run(variant, on: recording)
                let score = EchoScoring.score(recording, output: run.output, vad: run.vad)
                var note = run.note
                if let miss = score.vadMissRate, let falseAlarm = score.vadFalseAlarmRate {
                    note = (note.map { $0 + "; " } ?? "") + String(format: "VAD misses %.3f, false alarms %.3f", miss, falseAlarm)
                }
                row.append(EchoTable.Cell(score: score, microseconds: run.microsecondsPer10Milliseconds, note: note))
                if json { print(jsonLine(condition: condition, variant: variant, score: score, run: run)) }
            }
            table.add(condition: condition, cells: row)
            if !json { FileHandle.standardError.write(Data("  \(condition.name) done\n".utf8)) }
        }
        if !json { print(table.render()) }
    }

    private func write(_ recording: EchoRecording, into directory: String) throws {
        let base = directory + "/" + recording.condition.name
        for (suffix, samples, rate) in [
            ("-mic.wav", recording.microphone, 16_000), ("-ref.wav", recording.farEnd24k, 24_000),
            ("-near.wav", AudioSignal.int16(recording.nearEnd), 16_000),
        ] {
            let writer = try AudioFileWriter(path: base + suffix, sampleRate: rate)
            try samples.withUnsafeBufferPointer { try writer.write($0) }
            try writer.close()
        }
        print("\(base)-{mic,ref,near}.wav: \(recording.condition)")
    }

    private func jsonLine(condition: EchoCondition, variant: EchoVariant, score: EchoScore, run: EchoRun) -> String {
        func number(_ value: Double?) -> String { value.map { String(format: "%.3f", $0) } ?? "null" }
        return "{\"condition\":\"\(condition.name)\",\"material\":\"\(condition.material.rawValue)\","
            + "\"variant\":\"\(variant)\",\"erleDb\":\(number(score.erle)),\"erleFrames\":\(score.erleFrames),"
            + "\"doubleTalkSdrDb\":\(number(score.doubleTalkSDR)),\"doubleTalkFrames\":\(score.doubleTalkFrames),"
            + "\"vadAccuracy\":\(number(score.vadAccuracy)),\"vadMissRate\":\(number(score.vadMissRate)),"
            + "\"vadFalseAlarmRate\":\(number(score.vadFalseAlarmRate)),"
            + "\"microsecondsPer10ms\":\(number(run.microsecondsPer10Milliseconds))}"
    }
}

/// The bench's table: one row per condition, a column group per variant, means per material.
struct EchoTable {
    struct Cell {
        var score: EchoScore
        var microseconds: Double
        var note: String?
    }

    let variants: [EchoVariant]
    private var rows: [(EchoCondition, [Cell])] = []

    init(variants: [EchoVariant]) { self.variants = variants }

    mutating func add(condition: EchoCondition, cells: [Cell]) { rows.append((condition, cells)) }

    func render() -> String {
        let nameWidth = max(28, (rows.map { $0.0.name.count }.max() ?? 0) + 2)
        func pad(_ text: String, _ width: Int) -> String {
            text.count >= width ? text : text + String(repeating: " ", count: width - text.count)
        }
        func field(_ value: Double?, _ decimals: Int = 1) -> String {
            let text = value.map { String(format: "%.\(decimals)f", $0) } ?? "–"
            return String(repeating: " ", count: max(0, 6 - text.count)) + text
        }
        var lines: [String] = []
        lines.append(pad("", nameWidth) + variants.map { pad(" | " + $0.description, 23) }.joined())
        lines.append(pad("condition", nameWidth) + variants.map { _ in " |  ERLE   SDR   VAD" }.joined())
        for (condition, cells) in rows {
            lines.append(pad(condition.name, nameWidth) + cells.map { cell in
                " | " + field(cell.score.erle) + field(cell.score.doubleTalkSDR) + field(cell.score.vadAccuracy, 3)
            }.joined())
        }
        for material in EchoCorpusSpeech.Material.allCases {
            let selected = rows.filter { $0.0.material == material }
            guard !selected.isEmpty else { continue }
            lines.append(pad("mean, \(material.rawValue) (\(selected.count))", nameWidth) + variants.indices.map { column in
                let cells = selected.map { $0.1[column] }
                let sdrs = cells.compactMap(\.score.doubleTalkSDR)
                let vads = cells.compactMap(\.score.vadAccuracy)
                return " | " + field(cells.map(\.score.erle).reduce(0, +) / Double(cells.count))
                    + field(sdrs.isEmpty ? nil : sdrs.reduce(0, +) / Double(sdrs.count))
                    + field(vads.isEmpty ? nil : vads.reduce(0, +) / Double(vads.count), 3)
            }.joined())
            // The worst margin over raw speexdsp (the better of told and not told).
            let speexColumns = variants.indices.filter { if case .rawSpeex = variants[$0] { return true } else { return false } }
            if !speexColumns.isEmpty {
                lines.append(pad("  worst ERLE − speex", nameWidth) + variants.indices.map { column in
                    let margins = selected.map { row in
                        row.1[column].score.erle - speexColumns.map { row.1[$0].score.erle }.max()!
                    }
                    return " | " + field(margins.min()) + "            "
                }.joined())
            }
        }
        lines.append(pad("µs per 10 ms (mean)", nameWidth) + variants.indices.map { column in
            " | " + field(rows.map { $0.1[column].microseconds }.reduce(0, +) / Double(rows.count), 2) + "            "
        }.joined())
        for (condition, cells) in rows {
            for (variant, cell) in zip(variants, cells) {
                if let note = cell.note { lines.append("  \(condition.name), \(variant): \(note)") }
            }
        }
        return lines.joined(separator: "\n")
    }
}
