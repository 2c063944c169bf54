// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

import AudioEngine
import AudioFrontEnd

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// `simulate`'s sound devices as files, on alsa-lib's own `file` and `null` plugins (the real alsa-lib
/// runs; the engine paces them in real time): the microphone reads `--mic-file` and then silence, the
/// speaker writes exactly what it was handed to `--playback-file`.
final class SimulatedAudio {
    /// ALSA configuration text defining `sim_mic` and `sim_speaker`.
    let configurationText: String
    let captureDevice = "sim_mic"
    let playbackDevice = "sim_speaker"
    private let directory: String
    private let rawPlayback: String?
    private let playbackWAV: String?

    /// Silence after the speech, as a sparse file: a day of zeros costs no disk.
    static let silenceSeconds = 86_400

    /// - Parameter repeatMicrophone: repeat the microphone file for this many seconds (the benchmark),
    ///   instead of playing it once.
    init(micFile: String?, playbackFile: String?, repeatMicrophone seconds: Int? = nil) throws {
        var template = Array("/tmp/livevoiced-simulate.XXXXXX".utf8CString)
        guard template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) != nil else {
            throw failure("cannot make a temporary folder: \(String(cString: strerror(errno)))")
        }
        directory = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        var text = ""
        if let micFile {
            let raw = directory + "/mic.raw"
            try Self.prepareMicrophone(from: micFile, to: raw, repeatFor: seconds)
            text += "pcm.sim_mic {\ntype file\nslave { pcm { type null } }\nfile \"/dev/null\"\ninfile \"\(raw)\"\nformat \"raw\"\n}\n"
        } else {
            text += "pcm.sim_mic {\ntype null\n}\n"
        }
        if let playbackFile {
            let raw = directory + "/speaker.raw"
            rawPlayback = raw
            playbackWAV = playbackFile
            text += "pcm.sim_speaker {\ntype file\nslave { pcm { type null } }\nfile \"\(raw)\"\nformat \"raw\"\ntruncate true\n}\n"
        } else {
            rawPlayback = nil
            playbackWAV = nil
            text += "pcm.sim_speaker {\ntype null\n}\n"
        }
        configurationText = text
    }

    deinit {
        for name in ["mic.raw", "speaker.raw"] { unlink(directory + "/" + name) }
        rmdir(directory)
    }

    /// The speech as raw 16 kHz samples, then silence: the engine reads it at real-time pace.
    private static func prepareMicrophone(from path: String, to raw: String, repeatFor seconds: Int?) throws {
        let reader: AudioFileReader
        do {
            reader = try AudioFileReader(path: path, rawSampleRate: 16_000)
        } catch {
            throw failure("--mic-file \(path): \(error)")
        }
        // Another rate (espeak-ng writes 22.05 kHz) is resampled as the engine would.
        var resampler: SpeexSampleRateConverter?
        if reader.sampleRate != 16_000 {
            guard (8_000...192_000).contains(reader.sampleRate) else {
                throw failure("--mic-file \(path) is \(reader.sampleRate) Hz; give a 16 kHz mono WAV file")
            }
            resampler = try SpeexSampleRateConverter(inputRate: reader.sampleRate, outputRate: 16_000)
        }
        let fd = open(raw, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw failure("cannot write \(raw): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        let buffer = UnsafeMutableBufferPointer<Int16>.allocate(capacity: 16_000)
        defer { buffer.deallocate() }
        let converted = UnsafeMutableBufferPointer<Int16>.allocate(capacity: 16_000 * 16_000 / 8_000 + 64)
        defer { converted.deallocate() }
        var total = 0
        while true {
            let n: Int
            do {
                n = try reader.read(into: buffer)
            } catch {
                throw failure("--mic-file \(path): \(error)")
            }
            if n == 0 { break }
            var samples = UnsafeBufferPointer(rebasing: buffer[0..<n])
            if let resampler {
                let produced = resampler.process(samples, into: converted)
                samples = UnsafeBufferPointer(rebasing: converted[0..<produced])
            }
            var offset = 0
            while offset < samples.count * 2 {
                let written = write(fd, UnsafeRawPointer(samples.baseAddress!) + offset, samples.count * 2 - offset)
                guard written > 0 else { throw failure("cannot write \(raw): \(String(cString: strerror(errno)))") }
                offset += written
            }
            total += samples.count
        }
        if let seconds, total > 0 {
            // Copy the converted speech until the file covers the run.
            let once = off_t(total * 2)
            let wanted = off_t(seconds) * 32_000
            var copied = once
            let chunk = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 16, alignment: 2)
            defer { chunk.deallocate() }
            while copied < wanted {
                var offset: off_t = 0
                while offset < once && copied < wanted {
                    let n = pread(fd, chunk.baseAddress, min(chunk.count, Int(once - offset)), offset)
                    guard n > 0 else { throw failure("cannot read back \(raw): \(String(cString: strerror(errno)))") }
                    guard pwrite(fd, chunk.baseAddress, n, copied) == n else {
                        throw failure("cannot write \(raw): \(String(cString: strerror(errno)))")
                    }
                    offset += off_t(n)
                    copied += off_t(n)
                }
            }
            total = Int(copied / 2)
        }
        let size = off_t(total * 2) + off_t(silenceSeconds) * 32_000
        guard ftruncate(fd, size) == 0 else { throw failure("cannot extend \(raw) with silence: \(String(cString: strerror(errno)))") }
    }

    /// Writes what the speaker was handed as a 24 kHz WAV file (at exit). Returns its length in seconds.
    func finishPlaybackFile() throws -> Double? {
        guard let rawPlayback, let playbackWAV else { return nil }
        let reader: AudioFileReader
        let writer: AudioFileWriter
        do {
            reader = try AudioFileReader(path: rawPlayback, rawSampleRate: 24_000)
            writer = try AudioFileWriter(path: playbackWAV, sampleRate: 24_000, container: .wav)
        } catch {
            throw failure("--playback-file \(playbackWAV): \(error)")
        }
        let buffer = UnsafeMutableBufferPointer<Int16>.allocate(capacity: 24_000)
        defer { buffer.deallocate() }
        do {
            while true {
                let n = try reader.read(into: buffer)
                if n == 0 { break }
                try writer.write(UnsafeBufferPointer(rebasing: buffer[0..<n]))
            }
            try writer.close()
        } catch {
            throw failure("--playback-file \(playbackWAV): \(error)")
        }
        return Double(writer.samplesWritten) / 24_000
    }
}
