// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

import AudioFrontEnd
import FoundationEssentials
#if canImport(Glibc)
import Glibc
#endif
import JSON

/// What `livevoiced audio process` measured.
struct AudioProcessReport: Equatable {
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
        let erleText = erle.map { "\(fixed($0)) dB over \(erleFrames) frames with the far end active and no near-end speech" }
            ?? "n/a (no frame with the far end active and no near-end speech)"
        return """
            frames       \(frames) × \(frameMilliseconds) ms (\(fixed(seconds, 2)) s)
            speech       \(fixed(speechPercent)) % of frames
            processing   \(fixed(microsecondsPer10Milliseconds)) µs per 10 ms
            delay        \(delayText)
            ERLE         \(erleText)
            """
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
        defer {
            history.deallocate()
            referenceFrame.deallocate()
            outputFrame.deallocate()
        }

        var metrics = EchoMetrics()
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
            if analysis.farEndActive && !analysis.isSpeech {
                metrics.add(
                    microphone: UnsafeBufferPointer(start: history + sourceSlot * frame, count: count),
                    output: UnsafeBufferPointer(start: outputFrame, count: count))
            }
        }
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
            erle: metrics.erle, erleFrames: metrics.frames)
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
