// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

import AudioFrontEnd
import Foundation
import Testing

/// A fresh temporary directory, removed by the caller.
func temporaryDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("livevoiced-audio-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

func readAll(_ reader: AudioFileReader, chunk: Int = 100) throws -> [Int16] {
    var samples: [Int16] = []
    var buffer = [Int16](repeating: 0, count: chunk)
    while true {
        let count = try buffer.withUnsafeMutableBufferPointer { try reader.read(into: $0) }
        if count == 0 { return samples }
        samples += buffer[0..<count]
    }
}

func write(_ samples: [Int16], to path: String, sampleRate: Int, container: AudioFileContainer? = nil) throws {
    let writer = try AudioFileWriter(path: path, sampleRate: sampleRate, container: container)
    try samples.withUnsafeBufferPointer { try writer.write($0) }
    try writer.close()
}

/// A hand-made WAV file: `fmt ` fields, optional extra chunks before `data`.
func wavBytes(
    tag: UInt16 = 1, channels: UInt16 = 1, rate: UInt32 = 16_000, bits: UInt16 = 16, samples: [Int16],
    extraChunk: (String, [UInt8])? = nil, dataSize: UInt32? = nil
) -> Data {
    var bytes: [UInt8] = []
    func u32(_ value: UInt32) { bytes += withUnsafeBytes(of: value.littleEndian, Array.init) }
    func u16(_ value: UInt16) { bytes += withUnsafeBytes(of: value.littleEndian, Array.init) }
    bytes += Array("RIFF".utf8)
    u32(0)
    bytes += Array("WAVE".utf8)
    if let extraChunk {
        bytes += Array(extraChunk.0.utf8)
        u32(UInt32(extraChunk.1.count))
        bytes += extraChunk.1
        if extraChunk.1.count % 2 == 1 { bytes.append(0) }
    }
    bytes += Array("fmt ".utf8)
    u32(16)
    u16(tag)
    u16(channels)
    u32(rate)
    u32(rate * UInt32(channels) * UInt32(bits / 8))
    u16(channels * bits / 8)
    u16(bits)
    bytes += Array("data".utf8)
    u32(dataSize ?? UInt32(samples.count * 2))
    for sample in samples { u16(UInt16(bitPattern: sample)) }
    return Data(bytes)
}

@Suite("WAV and raw files")
struct WAVFileTests {
    let samples: [Int16] = (0..<1_001).map { Int16(truncatingIfNeeded: $0 * 97 - 30_000) }

    @Test("WAV written and read back sample for sample")
    func wavRoundTrip() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("a.wav").path
        try write(samples, to: path, sampleRate: 24_000)
        let size = try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int
        #expect(size == 44 + 2 * samples.count)
        let reader = try AudioFileReader(path: path, rawSampleRate: 16_000)
        #expect(reader.container == .wav)
        #expect(reader.sampleRate == 24_000)
        #expect(reader.sampleCount == samples.count)
        #expect(try readAll(reader, chunk: 64) == samples)
    }

    @Test("raw files take the rate they are given, whatever their name")
    func rawRoundTrip() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        for name in ["a.raw", "a.pcm", "a.s16"] {
            let path = directory.appendingPathComponent(name).path
            try write(samples, to: path, sampleRate: 16_000)
            let reader = try AudioFileReader(path: path, rawSampleRate: 16_000)
            #expect(reader.container == .raw)
            #expect(reader.sampleCount == samples.count)
            #expect(try readAll(reader) == samples)
        }
    }

    @Test("other chunks are skipped, odd sizes padded, and a streamed data size reads to the end")
    func chunks() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("b.wav").path
        try wavBytes(samples: samples, extraChunk: ("LIST", [1, 2, 3])).write(to: URL(fileURLWithPath: path))
        #expect(try readAll(AudioFileReader(path: path, rawSampleRate: 1)) == samples)
        try wavBytes(samples: samples, dataSize: 0xFFFF_FFFF).write(to: URL(fileURLWithPath: path))
        let streamed = try AudioFileReader(path: path, rawSampleRate: 1)
        #expect(streamed.sampleCount == nil)
        #expect(try readAll(streamed) == samples)
        // A WAV header in a file not named .wav still counts.
        let other = directory.appendingPathComponent("b.audio").path
        try wavBytes(rate: 22_050, samples: samples).write(to: URL(fileURLWithPath: other))
        #expect(try AudioFileReader(path: other, rawSampleRate: 16_000).sampleRate == 22_050)
    }

    @Test("files livevoiced cannot read are refused with the reason")
    func refusals() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        func refusal(_ data: Data?, name: String = "c.wav") throws -> String {
            let path = directory.appendingPathComponent(name).path
            if let data { try data.write(to: URL(fileURLWithPath: path)) }
            do {
                _ = try AudioFileReader(path: path, rawSampleRate: 16_000)
                return ""
            } catch {
                return error.message
            }
        }
        #expect(try refusal(wavBytes(channels: 2, samples: samples)).contains("2 channels; livevoiced reads mono"))
        #expect(try refusal(wavBytes(tag: 3, bits: 32, samples: samples)).contains("32-bit float"))
        #expect(try refusal(wavBytes(bits: 8, samples: samples)).contains("8-bit samples"))
        #expect(try refusal(Data([1, 2, 3, 4])).contains("not a WAV file"))
        #expect(try refusal(nil, name: "missing.wav").contains("cannot open it for reading: No such file or directory"))
        #expect(throws: AudioFileError.self) { try AudioFileWriter(path: directory.path + "/no/such/dir/x.wav", sampleRate: 16_000) }
    }
}

/// A WAV file with a `fmt ` chunk of `formatBody` (its size field `claimedFormatSize`, or its real size).
private func wavBytes(formatBody: [UInt8], claimedFormatSize: UInt32? = nil, samples: [Int16], dataSize: UInt32? = nil) -> Data {
    var bytes: [UInt8] = []
    func u32(_ value: UInt32) { bytes += withUnsafeBytes(of: value.littleEndian, Array.init) }
    bytes += Array("RIFF".utf8)
    u32(0)
    bytes += Array("WAVE".utf8)
    bytes += Array("fmt ".utf8)
    u32(claimedFormatSize ?? UInt32(formatBody.count))
    bytes += formatBody
    if formatBody.count % 2 == 1 { bytes.append(0) }
    bytes += Array("data".utf8)
    u32(dataSize ?? UInt32(samples.count * 2))
    for sample in samples { bytes += withUnsafeBytes(of: UInt16(bitPattern: sample).littleEndian, Array.init) }
    return Data(bytes)
}

/// The 16 bytes of a PCM mono 16-bit `fmt ` body at `rate`, then `extra` bytes.
private func pcmFormat(rate: UInt32 = 16_000, tag: UInt16 = 1, extra: [UInt8] = []) -> [UInt8] {
    var bytes: [UInt8] = []
    func u32(_ value: UInt32) { bytes += withUnsafeBytes(of: value.littleEndian, Array.init) }
    func u16(_ value: UInt16) { bytes += withUnsafeBytes(of: value.littleEndian, Array.init) }
    u16(tag)
    u16(1)
    u32(rate)
    u32(rate * 2)
    u16(2)
    u16(16)
    return bytes + extra
}

@Suite("WAV headers that lie")
struct WAVHeaderSizeTests {
    let samples: [Int16] = (0..<1_000).map { Int16(truncatingIfNeeded: $0 &* 37) }

    private func open(_ data: Data) throws -> (reader: AudioFileReader?, error: AudioFileError?, cleanup: () -> Void) {
        let directory = try temporaryDirectory()
        let path = directory.appendingPathComponent("lie.wav").path
        try data.write(to: URL(fileURLWithPath: path))
        let cleanup = { try? FileManager.default.removeItem(at: directory) }
        do {
            return (try AudioFileReader(path: path, rawSampleRate: 16_000), nil, { cleanup() })
        } catch {
            return (nil, error, { cleanup() })
        }
    }

    @Test("a 3 KB file whose fmt chunk claims 4 GiB or 256 MiB is refused as truncated, allocating nothing")
    func hugeFormatChunk() throws {
        for claimed: UInt32 in [0xFFFF_FFFF, 256 << 20, 4_000] {
            let data = wavBytes(formatBody: pcmFormat(), claimedFormatSize: claimed, samples: Array(samples.prefix(1_400)))
            #expect(data.count < 3_000)
            let result = try open(data)
            defer { result.cleanup() }
            let error = try #require(result.error, "claimed \(claimed)")
            #expect(error.message.contains("fmt chunk claims \(claimed) bytes but the file has only"), "\(error)")
            #expect(error.message.contains("truncated"))
        }
    }

    @Test("fmt chunks of 18, 40 and 60 bytes (extra bytes skipped) and an odd size with its pad byte all read")
    func formatChunkSizes() throws {
        var extensible = pcmFormat(tag: 0xFFFE, extra: [22, 0, 16, 0, 4, 0, 0, 0])
        extensible += [1, 0] + [UInt8](repeating: 0xAA, count: 14)  // subformat GUID starting with PCM (1)
        #expect(extensible.count == 40)
        let bodies: [[UInt8]] = [
            pcmFormat(extra: [0, 0]), extensible, extensible + [UInt8](repeating: 7, count: 20),
            pcmFormat(extra: [9]),
        ]
        for body in bodies {
            let result = try open(wavBytes(formatBody: body, samples: samples))
            defer { result.cleanup() }
            let reader = try #require(result.reader, "\(body.count)-byte fmt: \(String(describing: result.error))")
            #expect(reader.sampleRate == 16_000)
            #expect(reader.sampleCount == samples.count)
            #expect(try readAll(reader) == samples)
        }
    }

    @Test("a data chunk that claims more than the file holds reads what is there")
    func truncatedData() throws {
        let result = try open(wavBytes(formatBody: pcmFormat(), samples: samples, dataSize: 0x7FFF_0000))
        defer { result.cleanup() }
        let reader = try #require(result.reader)
        #expect(reader.sampleCount == nil)
        #expect(try readAll(reader, chunk: 333) == samples)
    }

    @Test("a chunk skipped past the end of the file is a clear error")
    func skippedPastTheEnd() throws {
        var data = Data(Array("RIFF".utf8) + [0, 0, 0, 0] + Array("WAVE".utf8) + Array("LIST".utf8))
        data += Data([0xFF, 0xFF, 0xFF, 0x7F]) + Data(repeating: 0, count: 100)
        let result = try open(data)
        defer { result.cleanup() }
        #expect(result.error?.message.contains("ends before its data chunk") == true)
    }
}
