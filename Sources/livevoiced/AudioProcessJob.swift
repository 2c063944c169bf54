// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

import AudioFrontEnd
import FoundationEssentials
#if canImport(Glibc)
import Glibc
#endif
import JSON

/// What `livevoiced audio process` measured.
struct AudioProcessReport {
    var frames: Int
    var frameMilliseconds: Int
    var samples: Int
    var speechFrames: Int
    var microsecondsPer10Milliseconds: Double
    var delayMilliseconds: Double
    var automaticDelay: Bool
    var estimatedEchoDelayMilliseconds: Double?
    var realignments: Int
    var erle: Double?
    var erleFrames: Int
    var doubleTalkSDR: Double?
    var doubleTalkFrames: Int
    var vadAccuracy: Double?
    var vadMissRate: Double?
    var vadFalseAlarmRate: Double?
    var usedNearEnd: Bool
    var speakerSaturation: (level: Double, softness: Double)?

    var seconds: Double { Double(samples) / Double(FrontEndConfiguration.sampleRate) }
    var speechPercent: Double { frames > 0 ? Double(speechFrames) * 100 / Double(frames) : 0 }

    func text() -> String {
        func fixed(_ value: Double, _ decimals: Int = 1) -> String { AudioFormat.decimal(value, decimals) }
        var delayText = "\(fixed(delayMilliseconds)) ms"
        if automaticDelay {
            if let estimated = estimatedEchoDelayMilliseconds {
                delayText += " (estimated: echo arrives \(fixed(estimated)) ms after the reference; "
                    + "\(realignments) re-alignment\(realignments == 1 ? "" : "s"))"
            } else {
                delayText += " (auto: no confident estimate; too little far-end audio in the microphone?)"
            }
        } else {
            delayText += " (given)"
        }
        let basis = usedNearEnd ? "no near end (from the near-end file)" : "no near-end speech (by the VAD)"
        let erleText = erle.map { "\(fixed($0)) dB over \(erleFrames) frames of 10 ms with the far end active and \(basis), after 2 s" }
            ?? "n/a (no frame after 2 s with the far end active and \(basis))"
        var lines = [
            "frames       \(frames) × \(frameMilliseconds) ms (\(fixed(seconds, 2)) s)",
            "speech       \(fixed(speechPercent)) % of frames",
            "processing   \(fixed(microsecondsPer10Milliseconds)) µs per 10 ms",
            "delay        \(delayText)",
            "ERLE         \(erleText)",
        ]
        if usedNearEnd {
            let sdrText = doubleTalkSDR.map { "SDR \(fixed($0)) dB against the near end (after a 32-tap linear fit) over \(doubleTalkFrames) frames of 10 ms" }
                ?? "n/a (no frame where both ends talk)"
            lines.append("double talk  \(sdrText)")
            if let vadAccuracy {
                var vadText = "accuracy \(AudioFormat.decimal(vadAccuracy, 3)) on the 10 ms grid after 2 s"
                if let vadMissRate, let vadFalseAlarmRate {
                    vadText += " (misses \(AudioFormat.decimal(vadMissRate, 3)) of the speech, false alarms \(AudioFormat.decimal(vadFalseAlarmRate, 3)) of the rest)"
                }
                lines.append("VAD          \(vadText)")
            }
        }
        if let speakerSaturation {
            let text = speakerSaturation.level >= 1 && speakerSaturation.softness == 0
                ? "no clipping found"
                : "clips at \(AudioFormat.decimal(speakerSaturation.level, 2)) of full scale (softness \(AudioFormat.decimal(speakerSaturation.softness, 2)); the reference is clipped alike)"
            lines.append("speaker      \(text)")
        }
        return lines.joined(separator: "\n")
    }

    func jsonLine() -> String {
        func rounded(_ value: Double, _ decimals: Double = 100) -> JSONValue { .double((value * decimals).rounded() / decimals) }
        let object: [String: JSONValue] = [
            "frames": .int(frames),
            "frameMs": .int(frameMilliseconds),
            "samples": .int(samples),
            "seconds": rounded(seconds, 1000),
            "speechPercent": rounded(speechPercent),
            "microsecondsPer10ms": rounded(microsecondsPer10Milliseconds),
            "delayMs": rounded(delayMilliseconds),
            "delayMode": .string(automaticDelay ? "auto" : "fixed"),
            "estimatedEchoDelayMs": estimatedEchoDelayMilliseconds.map { rounded($0) } ?? .null,
            "realignments": .int(realignments),
            "erleDb": erle.map { rounded($0) } ?? .null,
            "erleFrames": .int(erleFrames),
            "erleBasis": .string(usedNearEnd ? "near-end" : "vad"),
            "doubleTalkSdrDb": doubleTalkSDR.map { rounded($0) } ?? .null,
            "doubleTalkFrames": .int(doubleTalkFrames),
            "vadAccuracy": vadAccuracy.map { rounded($0, 1000) } ?? .null,
            "vadMissRate": vadMissRate.map { rounded($0, 1000) } ?? .null,
            "vadFalseAlarmRate": vadFalseAlarmRate.map { rounded($0, 1000) } ?? .null,
            "saturationLevel": speakerSaturation.map { rounded($0.level) } ?? .null,
            "saturationSoftness": speakerSaturation.map { rounded($0.softness) } ?? .null,
        ]
        return JSONValue.object(object).jsonString
    }
}

/// Runs the front end over files with fixed-size buffers: memory does not grow with the file's length.
struct AudioProcessJob {
    var microphonePath: String
    var referencePath: String?
    var outputPath: String
    var vadPath: String?
    var referenceRate: Int?
    var configuration: FrontEndConfiguration
    /// The clean near end as it reached the microphone, for the double-talk SDR and VAD accuracy.
    var nearEndPath: String? = nil

    func run() throws -> AudioProcessReport {
        try refuseOverwritingInputs()
        let rate = FrontEndConfiguration.sampleRate
        let microphone = try AudioFileReader(path: microphonePath, rawSampleRate: rate)
        guard microphone.sampleRate == rate else {
            throw AudioFileError("\(microphonePath): the microphone file is \(microphone.sampleRate) Hz; audio process needs 16000 Hz mono (convert with: ffmpeg -i IN -ac 1 -ar 16000 -c:a pcm_s16le OUT.wav)")
        }
        var reference: ReferenceStream?
        if let referencePath {
            let reader = try AudioFileReader(path: referencePath, rawSampleRate: referenceRate ?? 24_000)
            if reader.container == .wav, let referenceRate, referenceRate != reader.sampleRate {
                throw AudioFileError("\(referencePath): its WAV header says \(reader.sampleRate) Hz but --reference-rate says \(referenceRate); drop --reference-rate or fix the file")
            }
            reference = try ReferenceStream(reader: reader)
        }
        var nearEnd: AudioFileReader?
        var nearEndLoudest: Double?
        if let nearEndPath {
            nearEndLoudest = try Self.loudestFrameEnergy(path: nearEndPath)
            nearEnd = try AudioFileReader(path: nearEndPath, rawSampleRate: rate)
        }
        let frontEnd = try AudioFrontEnd(configuration: configuration)
        let writer = try AudioFileWriter(path: outputPath, sampleRate: rate)
        var vad: VADWriter?
        if let vadPath { vad = try VADWriter(path: vadPath) }

        let frame = frontEnd.frameSize
        let linesPerFrame = frame / 160
        let lagFrames = (frontEnd.latency + frame - 1) / frame
        // The last lagFrames + 1 microphone frames, to pair each output frame with its input.
        let history = UnsafeMutablePointer<Int16>.allocate(capacity: (lagFrames + 1) * frame)
        history.initialize(repeating: 0, count: (lagFrames + 1) * frame)
        var historyCounts = [Int](repeating: 0, count: lagFrames + 1)
        let referenceFrame = UnsafeMutablePointer<Int16>.allocate(capacity: frame)
        let outputFrame = UnsafeMutablePointer<Int16>.allocate(capacity: frame)
        let nearFrame = UnsafeMutablePointer<Int16>.allocate(capacity: frame)
        nearFrame.initialize(repeating: 0, count: frame)
        defer {
            history.deallocate()
            referenceFrame.deallocate()
            outputFrame.deallocate()
            nearFrame.deallocate()
        }

        var score = AudioProcessScore(nearEndLoudest: nearEndLoudest)
        var inputFrames = 0
        var processedFrames = 0
        var flushFrames = 0
        var samples = 0
        var speechFrames = 0
        var outputFrames = 0
        var elapsed = Duration.zero
        let clock = ContinuousClock()
        while true {
            let slot = processedFrames % (lagFrames + 1)
            let micFrame = UnsafeMutableBufferPointer(start: history + slot * frame, count: frame)
            let got = try readFull(microphone, into: micFrame)
            if got == 0 {
                if flushFrames == lagFrames { break }
                flushFrames += 1
            } else {
                inputFrames += 1
                samples += got
            }
            for index in got..<frame { micFrame[index] = 0 }
            historyCounts[slot] = got

            let start = clock.now
            if let reference {
                try reference.next(into: referenceFrame, count: frame)
            } else {
                referenceFrame.initialize(repeating: 0, count: frame)
            }
            let analysis = frontEnd.process(
                microphone: UnsafeBufferPointer(micFrame), reference: UnsafeBufferPointer(start: referenceFrame, count: frame),
                output: UnsafeMutableBufferPointer(start: outputFrame, count: frame))
            elapsed += clock.now - start
            processedFrames += 1

            // This output frame holds the input frame from lagFrames calls ago.
            guard processedFrames > lagFrames else { continue }
            let sourceSlot = (processedFrames - 1 - lagFrames) % (lagFrames + 1)
            let count = historyCounts[sourceSlot]
            guard count > 0 else { continue }
            try writer.write(UnsafeBufferPointer(start: outputFrame, count: count))
            outputFrames += 1
            if analysis.isSpeech { speechFrames += 1 }
            if let vad {
                let lines = (count + 159) / 160
                try vad.write(analysis.isSpeech, lines: min(lines, linesPerFrame))
            }
            var nearCount = 0
            if let nearEnd {
                nearCount = try readFull(nearEnd, into: UnsafeMutableBufferPointer(start: nearFrame, count: count))
                for index in nearCount..<count { nearFrame[index] = 0 }
            }
            for start in stride(from: 0, to: count, by: AudioProcessScore.gridSamples) {
                let length = min(AudioProcessScore.gridSamples, count - start)
                score.add(
                    microphone: UnsafeBufferPointer(start: history + sourceSlot * frame + start, count: length),
                    output: UnsafeBufferPointer(start: outputFrame + start, count: length),
                    nearEnd: nearEnd == nil ? nil : UnsafeBufferPointer(start: nearFrame + start, count: length),
                    vad: analysis.isSpeech, farEndActive: analysis.farEndActive)
            }
        }
        let figures = score.finish()
        try writer.close()
        try vad?.close()

        let tenMillisecondUnits = Double(processedFrames * frame) / 160
        let automatic = configuration.referenceDelay == .automatic && configuration.echoCancellation
        return AudioProcessReport(
            frames: outputFrames, frameMilliseconds: configuration.frameDuration.rawValue, samples: samples,
            speechFrames: speechFrames,
            microsecondsPer10Milliseconds: tenMillisecondUnits > 0 ? microseconds(elapsed) / tenMillisecondUnits : 0,
            delayMilliseconds: frontEnd.delayMilliseconds, automaticDelay: automatic,
            estimatedEchoDelayMilliseconds: frontEnd.estimatedEchoDelayMilliseconds, realignments: frontEnd.realignments,
            erle: figures.erle, erleFrames: figures.erleFrames, doubleTalkSDR: figures.doubleTalkSDR,
            doubleTalkFrames: figures.doubleTalkFrames, vadAccuracy: figures.vadAccuracy,
            vadMissRate: figures.vadMissRate, vadFalseAlarmRate: figures.vadFalseAlarmRate,
            usedNearEnd: figures.usedNearEnd, speakerSaturation: frontEnd.speakerSaturation)
    }

    /// The loudest 10 ms frame of a 16 kHz file, as a sum of squares (a first pass over the near end).
    private static func loudestFrameEnergy(path: String) throws -> Double {
        let reader = try AudioFileReader(path: path, rawSampleRate: FrontEndConfiguration.sampleRate)
        guard reader.sampleRate == FrontEndConfiguration.sampleRate else {
            throw AudioFileError("\(path): the near-end file is \(reader.sampleRate) Hz; it must be 16000 Hz mono like the microphone file")
        }
        let buffer = UnsafeMutableBufferPointer<Int16>.allocate(capacity: AudioProcessScore.gridSamples)
        defer { buffer.deallocate() }
        var loudest: Double = 0
        while true {
            var filled = 0
            while filled < buffer.count {
                let got = try reader.read(into: UnsafeMutableBufferPointer(rebasing: buffer[filled...]))
                if got == 0 { break }
                filled += got
            }
            guard filled > 0 else { break }
            var energy: Double = 0
            for index in 0..<filled { energy += Double(buffer[index]) * Double(buffer[index]) }
            loudest = max(loudest, energy)
        }
        return loudest
    }

    /// Refuses an output that is one of the inputs (or the other output): opening it for writing would
    /// truncate the input before a sample of it was read. Files are compared by device and inode, so
    /// `./a.wav` and `a.wav`, hard links and symbolic links are all caught; an output that does not exist yet
    /// cannot be an input.
    private func refuseOverwritingInputs() throws {
        var inputs = [("--mic", microphonePath)]
        if let referencePath { inputs.append(("--reference", referencePath)) }
        var outputs = [("--output", outputPath)]
        if let vadPath { outputs.append(("--vad-output", vadPath)) }
        func identity(_ path: String) -> (UInt64, UInt64)? {
            var status = stat()
            guard stat(path, &status) == 0 else { return nil }
            return (UInt64(status.st_dev), UInt64(status.st_ino))
        }
        for (index, (option, path)) in outputs.enumerated() {
            guard let output = identity(path) else { continue }
            for (other, otherPath) in inputs + outputs[..<index] where identity(otherPath).map({ $0 == output }) == true {
                let role = inputs.contains { $0.0 == other } ? "the input" : "the other output"
                throw AudioFileError(
                    "\(option) '\(path)' is the same file as \(other) '\(otherPath)': writing it would destroy \(role); "
                        + "choose another \(option) path")
            }
        }
    }

    private func readFull(_ reader: AudioFileReader, into buffer: UnsafeMutableBufferPointer<Int16>) throws -> Int {
        var filled = 0
        while filled < buffer.count {
            let got = try reader.read(into: UnsafeMutableBufferPointer(rebasing: buffer[filled...]))
            if got == 0 { break }
            filled += got
        }
        return filled
    }

    private func microseconds(_ duration: Duration) -> Double {
        let parts = duration.components
        return Double(parts.seconds) * 1_000_000 + Double(parts.attoseconds) / 1_000_000_000_000
    }
}

/// The far-end file as a 16 kHz stream, resampled chunk by chunk, then silence after its end.
final class ReferenceStream {
    private let reader: AudioFileReader
    private let resampler: ReferenceResampler?
    private let input: UnsafeMutablePointer<Int16>
    private let inputCapacity = 1_024
    private let pending: UnsafeMutablePointer<Int16>
    private let pendingCapacity: Int
    private var pendingStart = 0
    private var pendingCount = 0
    private var ended = false

    init(reader: AudioFileReader) throws {
        self.reader = reader
        if reader.sampleRate == FrontEndConfiguration.sampleRate {
            resampler = nil
        } else {
            resampler = try ReferenceResampler(inputRate: reader.sampleRate)
        }
        let inputCapacity = self.inputCapacity
        input = .allocate(capacity: inputCapacity)
        var produced = inputCapacity
        if let resampler { produced = resampler.maximumOutputCount(forInputCount: inputCapacity) + resampler.latency + 2 }
        pendingCapacity = produced + 4_096
        pending = .allocate(capacity: pendingCapacity)
    }

    deinit {
        input.deallocate()
        pending.deallocate()
    }

    /// Fills `destination` with the next `count` samples (zeros once the file is exhausted).
    func next(into destination: UnsafeMutablePointer<Int16>, count: Int) throws {
        var written = 0
        while written < count {
            if pendingCount == 0 {
                if ended {
                    (destination + written).initialize(repeating: 0, count: count - written)
                    return
                }
                try refill()
                continue
            }
            let take = min(pendingCount, count - written)
            (destination + written).update(from: pending + pendingStart, count: take)
            pendingStart += take
            pendingCount -= take
            written += take
        }
    }

    private func refill() throws {
        pendingStart = 0
        let got = try reader.read(into: UnsafeMutableBufferPointer(start: input, count: inputCapacity))
        let output = UnsafeMutableBufferPointer(start: pending, count: pendingCapacity)
        if got == 0 {
            ended = true
            pendingCount = resampler?.flush(into: output) ?? 0
            return
        }
        if let resampler {
            pendingCount = resampler.resample(UnsafeBufferPointer(start: input, count: got), into: output)
        } else {
            pending.update(from: input, count: got)
            pendingCount = got
        }
    }
}

/// Writes `0`/`1` lines, buffered.
final class VADWriter {
    private let path: String
    private let handle: UnsafeMutablePointer<FILE>

    init(path: String) throws {
        guard let handle = fopen(path, "w") else {
            throw AudioFileError("\(path): cannot create it: \(String(cString: strerror(errno)))")
        }
        self.path = path
        self.handle = handle
    }

    deinit {
        fclose(handle)
    }

    func write(_ speech: Bool, lines: Int) throws {
        for _ in 0..<lines where fputs(speech ? "1\n" : "0\n", handle) < 0 {
            throw AudioFileError("\(path): cannot write it: \(String(cString: strerror(errno)))")
        }
    }

    func close() throws {
        if fflush(handle) != 0 {
            throw AudioFileError("\(path): cannot write it: \(String(cString: strerror(errno)))")
        }
    }
}
