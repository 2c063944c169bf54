// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

import Foundation
import Testing

import TOML

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

@Suite("Reading configuration and secret files with a limit")
struct TextFileTests {
    private func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("livevoiced-textfile-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    private func failure(_ path: String, limit: Int = TextFile.secretLimit) -> TextFileError? {
        do {
            _ = try TextFile.read(atPath: path, what: "the API key file", limit: limit)
            return nil
        } catch {
            return error
        }
    }

    @Test("a regular file is read whole, up to exactly the limit; a byte order mark is dropped")
    func regularFiles() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("key").path
        try Data("AIza-key\n".utf8).write(to: URL(fileURLWithPath: path))
        #expect(try TextFile.read(atPath: path, what: "the API key file", limit: 100) == "AIza-key\n")
        try Data([0xEF, 0xBB, 0xBF] + Array("x = 1\n".utf8)).write(to: URL(fileURLWithPath: path))
        #expect(try TextFile.read(atPath: path, what: "--config", limit: 100) == "x = 1\n")

        try Data(repeating: UInt8(ascii: "k"), count: 100).write(to: URL(fileURLWithPath: path))
        #expect(try TextFile.read(atPath: path, what: "--config", limit: 100).count == 100)
        try Data(repeating: UInt8(ascii: "k"), count: 101).write(to: URL(fileURLWithPath: path))
        let error = try #require(failure(path, limit: 100))
        #expect(error.kind == .tooLarge)
        #expect(error.message == "the API key file: '\(path)' is too large: 101 bytes, more than the limit of 100 bytes; is it the right file?")
    }

    @Test("/dev/zero is refused as too large after limit + 1 bytes, not read until memory runs out")
    func endlessDevice() throws {
        let error = try #require(failure("/dev/zero"))
        #expect(error.kind == .tooLarge)
        #expect(error.message == "the API key file: '/dev/zero' is too large: more than the limit of \(TextFile.secretLimit) bytes; is it the right file?")
        let config = try #require(failure("/dev/zero", limit: TextFile.configurationLimit))
        #expect(config.kind == .tooLarge)
    }

    @Test("a pipe is read as it comes (process substitution); one that keeps sending is cut at the limit")
    func pipes() throws {
        var ends: [Int32] = [0, 0]
        try #require(pipe(&ends) == 0)
        defer {
            close(ends[0])
            close(ends[1])
        }
        // A short secret, then end of file: what `--api-key-file <(pass show gemini)` gives.
        let key = Array("AIza-from-a-pipe\n".utf8)
        #expect(write(ends[1], key, key.count) == key.count)
        close(ends[1])
        ends[1] = -1
        #expect(try TextFile.read(atPath: "/proc/self/fd/\(ends[0])", what: "the API key file", limit: 100) == "AIza-from-a-pipe\n")

        // More than the limit with the writer still open: refused without waiting for an end that never comes.
        var endless: [Int32] = [0, 0]
        try #require(pipe(&endless) == 0)
        defer {
            close(endless[0])
            close(endless[1])
        }
        let chunk = [UInt8](repeating: UInt8(ascii: "z"), count: TextFile.secretLimit + 100)  // fits a pipe's 64 KiB
        #expect(write(endless[1], chunk, chunk.count) == chunk.count)
        let error = try #require(failure("/proc/self/fd/\(endless[0])"))
        #expect(error.kind == .tooLarge)
        #expect(error.message.contains("is too large: more than the limit of \(TextFile.secretLimit) bytes"))
    }

    @Test("a FIFO without a writer is read as empty at once instead of blocking the open")
    func fifoWithoutWriter() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("fifo").path
        try #require(mkfifo(path, 0o600) == 0)
        #expect(try TextFile.read(atPath: path, what: "the API key file", limit: 100) == "")
    }

    @Test("directories, missing files and files that are not UTF-8 are refused, naming the file and the problem")
    func refusals() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let folder = try #require(failure(directory.path))
        #expect(folder.kind == .notAFile)
        #expect(folder.message == "the API key file: '\(directory.path)' is a directory; give the path of a text file")

        let missing = try #require(failure(directory.path + "/missing"))
        #expect(missing.kind == .cannotOpen)
        #expect(missing.message == "the API key file: cannot read '\(directory.path)/missing': No such file or directory")

        let latin1 = directory.appendingPathComponent("latin1.toml").path
        try Data([0x61, 0x3D, 0x22, 0xE9, 0x22]).write(to: URL(fileURLWithPath: latin1))  // a="é" in Latin-1
        let encoding = try #require(failure(latin1))
        #expect(encoding.kind == .notUTF8)
        #expect(encoding.message.contains("invalid byte at offset 3"))
        // The contents never appear in a message.
        #expect(!encoding.message.contains("a=\""))
    }
}
