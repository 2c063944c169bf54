// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// ALSA configurations for tests, built on alsa-lib's own `file` and `null` plugins so that the real
/// alsa-lib runs with no sound card: a capture device reads a prepared raw file (`file` plugin with
/// `infile`, slave `null`), a playback device writes one.
///
/// The text is meant for `PCMConfiguration.configurationText` (opened with `snd_pcm_open_lconf`), so
/// tests never depend on, or change, the system's ALSA configuration.
///
/// One alsa-lib quirk to know: a capture `file` plugin *behind a plug* (``capture(name:from:slaveRate:)``
/// with a rate) reads its input file in `mmap_begin` for every frame the slave offers, and a smaller
/// commit drops the rest, so reads shorter than the buffer skip input. Read whole buffers there, or
/// check levels and frequencies rather than samples. Without a plug, reads are sample-exact.
///
/// What these plugins do about time (read from alsa-lib 1.2.8 `pcm_null.c`/`pcm_file.c`): nothing.
/// `null` reports the whole buffer as available in every state but PREPARED, so reads and writes return
/// at once and never xrun; `file` passes timing through to its slave. A test that needs real time must
/// pace itself (the audio engine does, for devices without a clock).
public enum ALSATestConfig {
    /// A capture PCM called `name` that delivers the raw S16_LE samples of `inputPath`, then whatever the
    /// reader's buffer held (alsa-lib does not zero it at the end of the file). When `slaveRate` is given,
    /// a `plug` in front fixes the device rate, as a sound card that can only do that rate would.
    public static func capture(name: String, from inputPath: String, slaveRate: Int? = nil) -> String {
        let file = """
            type file
            slave { pcm { type null } }
            file "/dev/null"
            infile "\(inputPath)"
            format "raw"
            """
        return definition(name: name, file: file, slaveRate: slaveRate)
    }

    /// A playback PCM called `name` that appends every sample it is given, raw S16_LE, to `outputPath`.
    public static func playback(name: String, to outputPath: String, slaveRate: Int? = nil) -> String {
        let file = """
            type file
            slave { pcm { type null } }
            file "\(outputPath)"
            format "raw"
            truncate true
            """
        return definition(name: name, file: file, slaveRate: slaveRate)
    }

    /// A `null` PCM called `name` (silence in, everything out discarded), optionally behind a `plug` that
    /// fixes the rate.
    public static func null(name: String, slaveRate: Int? = nil) -> String {
        definition(name: name, file: "type null", slaveRate: slaveRate)
    }

    private static func definition(name: String, file body: String, slaveRate: Int?) -> String {
        guard let slaveRate else { return "pcm.\(name) {\n\(body)\n}\n" }
        return "pcm.\(name) {\ntype plug\nslave { pcm { \(body) } rate \(slaveRate) }\n}\n"
    }
}

/// A temporary directory removed (with its files) when the value goes away.
public final class ALSATestDirectory {
    /// The directory's absolute path.
    public let path: String

    /// Creates a fresh directory under `$TMPDIR` (or /tmp).
    public init(prefix: String = "livevoiced-alsa") {
        let base = getenv("TMPDIR").map { String(cString: $0) } ?? "/tmp"
        var template = Array("\(base)/\(prefix).XXXXXX".utf8CString)
        let made = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        precondition(made != nil, "mkdtemp failed: errno \(errno)")
        path = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
    }

    deinit {
        if let dir = opendir(path) {
            while let entry = readdir(dir) {
                let name = withUnsafeBytes(of: entry.pointee.d_name) { String(cString: $0.bindMemory(to: CChar.self).baseAddress!) }
                if name != "." && name != ".." { unlink("\(path)/\(name)") }
            }
            closedir(dir)
        }
        rmdir(path)
    }

    /// The path of `name` inside the directory.
    public func file(_ name: String) -> String { "\(path)/\(name)" }

    /// Writes samples as raw S16_LE (this machine is little-endian; checked) to `name`; returns the path.
    @discardableResult
    public func writeRaw(_ name: String, _ samples: [Int16]) -> String {
        precondition(1.littleEndian == 1, "raw test files assume a little-endian machine")
        let path = file(name)
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        precondition(fd >= 0, "cannot create \(path): errno \(errno)")
        samples.withUnsafeBytes { bytes in
            var offset = 0
            while offset < bytes.count {
                let n = write(fd, bytes.baseAddress! + offset, bytes.count - offset)
                precondition(n > 0, "write to \(path) failed: errno \(errno)")
                offset += n
            }
        }
        close(fd)
        return path
    }

    /// Reads a raw S16_LE file (an odd trailing byte is ignored); empty when the file does not exist.
    public func readRaw(_ name: String) -> [Int16] {
        Self.readRaw(path: file(name))
    }

    /// Reads a raw S16_LE file at `path`; empty when it does not exist.
    public static func readRaw(path: String) -> [Int16] {
        let bytes = readBytes(path: path)
        let count = bytes.count / 2
        return (0..<count).map { Int16(bitPattern: UInt16(bytes[2 * $0]) | UInt16(bytes[2 * $0 + 1]) << 8) }
    }

    /// Reads a UTF-8 text file at `path`; empty when it does not exist.
    public static func readText(path: String) -> String {
        String(decoding: readBytes(path: path), as: UTF8.self)
    }

    private static func readBytes(path: String) -> [UInt8] {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { return [] }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress!, $0.count) }
            if n <= 0 { break }
            bytes += chunk[0..<n]
        }
        return bytes
    }
}

/// Deterministic test signals (generated in the test run; nothing is stored in git).
public enum ALSATestSignal {
    /// A sequence where every sample differs from its neighbours, so a lost, repeated or reordered sample
    /// shows up in a comparison: a counter mixed with a pseudo-random part.
    public static func pattern(count: Int, seed: UInt32 = 1) -> [Int16] {
        var state = seed
        return (0..<count).map { i in
            state = state &* 1_664_525 &+ 1_013_904_223
            return Int16(truncatingIfNeeded: (Int(state >> 20) & 0x0FF0) ^ (i & 0x7FFF))
        }
    }

    /// A sine at `frequency` Hz and `amplitude` (0...1 of full scale).
    public static func sine(frequency: Double, sampleRate: Int, count: Int, amplitude: Double = 0.5) -> [Int16] {
        (0..<count).map { i in
            Int16((sin(2 * Double.pi * frequency * Double(i) / Double(sampleRate)) * amplitude * 32767).rounded())
        }
    }
}
