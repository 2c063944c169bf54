// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

import FoundationEssentials

/// Writes 16-bit mono PCM as a RIFF/WAVE file.
enum WAVWriter {
    static func write(pcm16 data: Data, sampleRate: Int, to path: String) throws {
        var header = [UInt8]()
        func append32(_ value: UInt32) { withUnsafeBytes(of: value.littleEndian) { header += $0 } }
        func append16(_ value: UInt16) { withUnsafeBytes(of: value.littleEndian) { header += $0 } }
        header += Array("RIFF".utf8)
        append32(UInt32(36 + data.count))
        header += Array("WAVEfmt ".utf8)
        append32(16)
        append16(1)  // PCM
        append16(1)  // mono
        append32(UInt32(sampleRate))
        append32(UInt32(sampleRate * 2))
        append16(2)
        append16(16)
        header += Array("data".utf8)
        append32(UInt32(data.count))
        do {
            try (Data(header) + data).write(to: URL(fileURLWithPath: path))
        } catch {
            throw ExitError(message: "cannot write '\(path)': \(error)")
        }
    }
}
