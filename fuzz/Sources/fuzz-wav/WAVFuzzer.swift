// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

import AudioFrontEnd

#if canImport(Glibc)
import Glibc
#endif

/// Any bytes as a `.wav` file given to `audio process`: written to a file and read through
/// `AudioFileReader` in chunks, with its promises checked (never more samples than bytes allow, exactly
/// `sampleCount` when it gives one). `-rss_limit_mb` and `-malloc_limit_mb` catch allocations sized by a header.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzWAV(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard let file = fopen(scratchPath, "wb") else { fatalError("cannot create \(scratchPath)") }
    precondition(fwrite(data, 1, size, file) == size, "cannot write \(scratchPath)")
    fclose(file)
    let reader: AudioFileReader
    do {
        reader = try AudioFileReader(path: scratchPath, rawSampleRate: 16_000)
    } catch {
        precondition(error.message.hasPrefix(scratchPath), "an error that does not name the file")
        return 0
    }
    precondition(reader.container == .wav, "a RIFF-less .wav was read as raw")
    precondition(reader.sampleRate > 0)
    var total = 0
    do {
        while true {
            let count = try buffer.withUnsafeMutableBufferPointer { try reader.read(into: $0) }
            if count == 0 { break }
            total += count
        }
    } catch {
        return 0
    }
    precondition(total * 2 <= size, "more samples than the file has bytes")
    if let expected = reader.sampleCount { precondition(total == expected, "sampleCount \(expected) but \(total) read") }
    return 0
}

/// One file per fuzzing process, in memory when /dev/shm exists.
private let scratchPath: String = {
    let directory = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp"
    let path = "\(directory)/livevoiced-fuzz-wav-\(getpid()).wav"
    atexit { unlink(scratchPath) }
    return path
}()

nonisolated(unsafe) private var buffer = [Int16](repeating: 0, count: 4_096)
