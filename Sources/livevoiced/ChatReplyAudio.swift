// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

import AudioFrontEnd
import FoundationEssentials
import GeminiLive

/// `chat --audio-out`: the reply's audio written to a WAV file chunk by chunk as it arrives, so memory stays
/// the size of one chunk however long the reply (it used to be held whole: 72 MB of audio, 189 MB of RSS).
struct ChatReplyAudio {
    let path: String
    private var writer: AudioFileWriter?
    /// A byte of a sample split across two chunks (a chunk of odd length), written with the next chunk.
    private var pendingByte: UInt8?
    /// The rate of the first chunk (`audio/pcm;rate=24000`); the WAV header says it.
    private(set) var sampleRate = 24_000

    /// Remembers `path`; the file is created at the first chunk (with that chunk's rate) or at ``close()``.
    init(path: String) throws {
        self.path = path
    }

    /// Seconds of audio written.
    var seconds: Double { Double(writer?.samplesWritten ?? 0) / Double(sampleRate) }

    /// Appends one chunk of 16-bit little-endian PCM.
    mutating func append(_ blob: Blob) throws {
        if writer == nil {
            sampleRate = blob.sampleRate ?? 24_000
            try open()
        }
        guard let writer, !blob.data.isEmpty else { return }
        var bytes = blob.data
        if let pendingByte {
            bytes.insert(pendingByte, at: bytes.startIndex)
            self.pendingByte = nil
        }
        if bytes.count % 2 == 1 { pendingByte = bytes.removeLast() }
        let samples = bytes.count / 2
        do {
            try bytes.withUnsafeBytes { raw in
                // Copy out sample by sample: the chunk's bytes need not be 2-byte aligned.
                var block = [Int16](repeating: 0, count: min(samples, 4096))
                var done = 0
                while done < samples {
                    let count = min(block.count, samples - done)
                    for index in 0..<count {
                        block[index] = Int16(littleEndian: raw.loadUnaligned(fromByteOffset: (done + index) * 2, as: Int16.self))
                    }
                    try block.withUnsafeBufferPointer { try writer.write(UnsafeBufferPointer(rebasing: $0[0..<count])) }
                    done += count
                }
            }
        } catch {
            throw ExitError(message: "cannot write '\(path)': \(error)")
        }
    }

    /// Completes the WAV header (an empty WAV when no audio came).
    mutating func close() throws {
        if writer == nil { try open() }
        do {
            try writer?.close()
        } catch {
            throw ExitError(message: "cannot write '\(path)': \(error)")
        }
    }

    private mutating func open() throws {
        do {
            writer = try AudioFileWriter(path: path, sampleRate: sampleRate, container: .wav)
        } catch {
            throw ExitError(message: "cannot write '\(path)': \(error)")
        }
    }
}
