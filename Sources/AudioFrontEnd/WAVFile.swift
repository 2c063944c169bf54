// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// How samples are stored in an audio file: a RIFF/WAVE file (16-bit PCM, mono) or headerless signed
/// 16-bit little-endian samples.
public enum AudioFileContainer: Sendable, Equatable {
    /// RIFF/WAVE with a `fmt ` chunk saying 16-bit PCM, one channel.
    case wav
    /// Headerless s16le mono; the rate comes from elsewhere.
    case raw

    /// `.wav` (any case) for WAV, anything else (`.raw`, `.pcm`, …) for raw.
    public init(path: String) {
        self = path.lowercased().hasSuffix(".wav") ? .wav : .raw
    }
}

/// A failure reading or writing an audio file, naming the file and what to do.
public struct AudioFileError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Human-readable explanation, starting with the path.
    public var message: String

    /// Creates an error with a message for the user.
    public init(_ message: String) { self.message = message }

    public var description: String { message }

    static func system(_ path: String, _ action: String) -> AudioFileError {
        AudioFileError("\(path): cannot \(action): \(String(cString: strerror(errno)))")
    }
}

/// Reads 16-bit mono samples from a WAV or raw file, in chunks, holding only the caller's buffer in memory.
///
/// A file is WAV when it starts with a RIFF/WAVE header (whatever its name); otherwise it must not be
/// named `.wav` and is read as raw s16le at the rate given. WAV files must be 16-bit PCM mono (format 1,
/// or WAVE_FORMAT_EXTENSIBLE with a PCM subformat); a data chunk whose size is 0 or 0xFFFFFFFF (written
/// by a streaming tool) is read to the end of the file.
///
/// Sizes in a header are not trusted: nothing is allocated from them. The `fmt ` chunk is read into a
/// fixed 40-byte buffer (the longest form, WAVE_FORMAT_EXTENSIBLE, has 40) and the rest of it skipped; a
/// `fmt ` chunk that claims more bytes than the file has left is refused as truncated. A data chunk that
/// claims more than the file holds (a truncated or still-growing file) reads what is there, and
/// ``sampleCount`` is then nil.
public final class AudioFileReader {
    /// The path the reader was opened with.
    public let path: String
    /// WAV or raw.
    public let container: AudioFileContainer
    /// Samples per second (from the WAV header, or the rate given for raw files).
    public let sampleRate: Int
    /// Total samples, when the file says (WAV data size or raw file size); `nil` for streams.
    public let sampleCount: Int?

    private let file: UnsafeMutablePointer<FILE>
    private var remainingBytes: Int?
    private var pendingByte: UInt8?

    /// Opens `path` and reads its header.
    ///
    /// - Parameter rawSampleRate: the rate of a raw file (ignored for WAV).
    /// - Throws: ``AudioFileError`` when the file cannot be opened or is not 16-bit PCM mono.
    public init(path: String, rawSampleRate: Int) throws(AudioFileError) {
        guard let file = fopen(path, "rb") else { throw .system(path, "open it for reading") }
        self.path = path
        self.file = file
        var fileSize: Int?
        if fseek(file, 0, SEEK_END) == 0 {
            let end = ftell(file)
            if end >= 0 { fileSize = end }
            rewind(file)
        }
        do throws(AudioFileError) {
            var magic = [UInt8](repeating: 0, count: 12)
            let got = fread(&magic, 1, 12, file)
            let isWAV = got == 12 && magic[0..<4] == [0x52, 0x49, 0x46, 0x46] && magic[8..<12] == [0x57, 0x41, 0x56, 0x45]
            if isWAV {
                let header = try Self.readWAVHeader(file, path: path, fileSize: fileSize)
                container = .wav
                sampleRate = header.sampleRate
                remainingBytes = header.dataBytes
                sampleCount = header.dataBytes.map { $0 / 2 }
            } else {
                if AudioFileContainer(path: path) == .wav {
                    throw AudioFileError("\(path): not a WAV file (no RIFF/WAVE header); name headerless s16le files .raw or .pcm")
                }
                guard rawSampleRate > 0 else { throw AudioFileError("\(path): raw file needs a sample rate") }
                rewind(file)
                container = .raw
                sampleRate = rawSampleRate
                remainingBytes = nil
                sampleCount = fileSize.map { $0 / 2 }
            }
        } catch {
            fclose(file)
            throw error
        }
    }

    deinit {
        fclose(file)
    }

    /// Reads up to `buffer.count` samples into the start of `buffer` and returns how many it read; 0 means
    /// the end of the samples. A trailing odd byte is ignored.
    public func read(into buffer: UnsafeMutableBufferPointer<Int16>) throws(AudioFileError) -> Int {
        guard let base = buffer.baseAddress, buffer.count > 0 else { return 0 }
        var wanted = buffer.count
        if let remainingBytes { wanted = min(wanted, remainingBytes / 2) }
        guard wanted > 0 else { return 0 }
        let count = fread(base, 2, wanted, file)
        if count < wanted && ferror(file) != 0 { throw .system(path, "read it") }
        if let remainingBytes { self.remainingBytes = remainingBytes - count * 2 }
        for index in 0..<count { base[index] = Int16(littleEndian: base[index]) }
        return count
    }

    private struct WAVHeader {
        var sampleRate: Int
        var dataBytes: Int?
    }

    /// WAVE_FORMAT_EXTENSIBLE's `fmt ` body; the plain PCM one has 16, some writers 18.
    private static let longestFormatChunk = 40

    private static func readWAVHeader(
        _ file: UnsafeMutablePointer<FILE>, path: String, fileSize: Int?
    ) throws(AudioFileError) -> WAVHeader {
        var format: (tag: Int, channels: Int, rate: Int, bits: Int)?
        while true {
            var chunk = [UInt8](repeating: 0, count: 8)
            guard fread(&chunk, 1, 8, file) == 8 else {
                throw AudioFileError("\(path): WAV file ends before its data chunk (truncated or not a WAV file)")
            }
            let id = String(decoding: chunk[0..<4], as: UTF8.self)
            let size = Int(littleEndian32(chunk, 4))
            if id == "fmt " {
                guard size >= 16 else { throw AudioFileError("\(path): WAV fmt chunk is too short (\(size) bytes)") }
                let position = ftell(file)
                if let fileSize, position >= 0, size > fileSize - position {
                    throw AudioFileError(
                        "\(path): WAV fmt chunk claims \(size) bytes but the file has only \(fileSize - position) left "
                            + "(truncated or not a WAV file)")
                }
                // The header's size decides nothing about memory: read what the fields need, skip the rest.
                let kept = min(size, Self.longestFormatChunk)
                var body = [UInt8](repeating: 0, count: Self.longestFormatChunk)
                guard fread(&body, 1, kept, file) == kept else { throw AudioFileError("\(path): WAV fmt chunk is truncated") }
                let skip = size - kept + (size & 1)
                guard skip == 0 || fseek(file, skip, SEEK_CUR) == 0 else {
                    throw AudioFileError("\(path): WAV fmt chunk is truncated")
                }
                var tag = Int(littleEndian16(body, 0))
                if tag == 0xFFFE && size >= 26 { tag = Int(littleEndian16(body, 24)) }
                format = (tag, Int(littleEndian16(body, 2)), Int(littleEndian32(body, 4)), Int(littleEndian16(body, 14)))
            } else if id == "data" {
                guard let format else { throw AudioFileError("\(path): WAV data chunk comes before the fmt chunk") }
                let convert = "convert it with: ffmpeg -i IN -ac 1 -c:a pcm_s16le OUT.wav"
                guard format.tag == 1 else {
                    let name = format.tag == 3 ? " (32-bit float)" : ""
                    throw AudioFileError("\(path): WAV encoding \(format.tag)\(name) is not supported; livevoiced reads 16-bit PCM (\(convert))")
                }
                guard format.bits == 16 else {
                    throw AudioFileError("\(path): WAV has \(format.bits)-bit samples; livevoiced reads 16-bit PCM (\(convert))")
                }
                guard format.channels == 1 else {
                    throw AudioFileError("\(path): WAV has \(format.channels) channels; livevoiced reads mono (\(convert))")
                }
                guard format.rate > 0 else { throw AudioFileError("\(path): WAV sample rate is 0") }
                var dataBytes: Int? = size
                let position = ftell(file)
                if size == 0 || size == 0xFFFF_FFFF { dataBytes = nil }
                if let fileSize, position >= 0, size > fileSize - position { dataBytes = nil }
                return WAVHeader(sampleRate: format.rate, dataBytes: dataBytes)
            } else {
                guard fseek(file, size + (size & 1), SEEK_CUR) == 0 else {
                    throw AudioFileError("\(path): cannot skip WAV chunk '\(id)'")
                }
            }
        }
    }
}

/// Writes 16-bit mono samples to a WAV or raw file as they come; a WAV header's sizes are filled in by
/// ``close()``.
public final class AudioFileWriter {
    /// The path being written.
    public let path: String
    /// WAV or raw.
    public let container: AudioFileContainer
    /// Samples per second recorded in a WAV header.
    public let sampleRate: Int
    /// Samples written so far.
    public private(set) var samplesWritten = 0

    private var file: UnsafeMutablePointer<FILE>?
    private let scratch: UnsafeMutablePointer<Int16>
    private static let scratchCount = 1024

    /// Creates (or truncates) `path`.
    ///
    /// - Parameter container: WAV or raw; by default from the file name (`.wav` or not).
    /// - Throws: ``AudioFileError`` when the file cannot be created.
    public init(path: String, sampleRate: Int, container: AudioFileContainer? = nil) throws(AudioFileError) {
        guard let file = fopen(path, "wb") else { throw .system(path, "create it") }
        self.path = path
        self.file = file
        self.sampleRate = sampleRate
        self.container = container ?? AudioFileContainer(path: path)
        scratch = .allocate(capacity: Self.scratchCount)
        if self.container == .wav {
            let header = Self.header(sampleRate: sampleRate, dataBytes: 0)
            guard fwrite(header, 1, header.count, file) == header.count else {
                let error = AudioFileError.system(path, "write its header")
                fclose(file)
                self.file = nil
                scratch.deallocate()
                throw error
            }
        }
    }

    deinit {
        if file != nil { try? close() }
        scratch.deallocate()
    }

    /// Appends `samples`.
    public func write(_ samples: UnsafeBufferPointer<Int16>) throws(AudioFileError) {
        guard let file else { throw AudioFileError("\(path): already closed") }
        var done = 0
        while done < samples.count {
            let count = min(Self.scratchCount, samples.count - done)
            for index in 0..<count { scratch[index] = samples[done + index].littleEndian }
            guard fwrite(scratch, 2, count, file) == count else { throw .system(path, "write it") }
            done += count
        }
        samplesWritten += samples.count
    }

    /// Completes the WAV header and closes the file. Calling it again does nothing.
    public func close() throws(AudioFileError) {
        guard let file else { return }
        self.file = nil
        var failure: AudioFileError?
        if container == .wav {
            let header = Self.header(sampleRate: sampleRate, dataBytes: samplesWritten * 2)
            if fseek(file, 0, SEEK_SET) != 0 || fwrite(header, 1, header.count, file) != header.count {
                failure = .system(path, "complete its WAV header")
            }
        }
        if fclose(file) != 0, failure == nil { failure = .system(path, "finish writing it") }
        if let failure { throw failure }
    }

    private static func header(sampleRate: Int, dataBytes: Int) -> [UInt8] {
        let data = UInt32(clamping: dataBytes)
        let riff = UInt32(clamping: dataBytes + 36)
        var bytes: [UInt8] = []
        bytes.reserveCapacity(44)
        func append(_ text: String) { bytes += Array(text.utf8) }
        func append32(_ value: UInt32) { for shift in stride(from: 0, to: 32, by: 8) { bytes.append(UInt8(truncatingIfNeeded: value >> UInt32(shift))) } }
        func append16(_ value: UInt16) { bytes.append(UInt8(truncatingIfNeeded: value)); bytes.append(UInt8(truncatingIfNeeded: value >> 8)) }
        append("RIFF")
        append32(riff)
        append("WAVE")
        append("fmt ")
        append32(16)
        append16(1)  // PCM
        append16(1)  // mono
        append32(UInt32(sampleRate))
        append32(UInt32(sampleRate * 2))
        append16(2)
        append16(16)
        append("data")
        append32(data)
        return bytes
    }
}

private func littleEndian16(_ bytes: [UInt8], _ offset: Int) -> UInt16 {
    UInt16(bytes[offset]) | UInt16(bytes[offset + 1]) << 8
}

private func littleEndian32(_ bytes: [UInt8], _ offset: Int) -> UInt32 {
    UInt32(bytes[offset]) | UInt32(bytes[offset + 1]) << 8 | UInt32(bytes[offset + 2]) << 16 | UInt32(bytes[offset + 3]) << 24
}
