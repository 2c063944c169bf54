// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A configuration or secret file that could not be read: names the file, the problem and the fix, and
/// never contains the file's contents.
public struct TextFileError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What went wrong.
    public enum Kind: Sendable, Equatable {
        /// `open` failed (missing file, no permission, …).
        case cannotOpen
        /// A directory, block device or socket: nothing a setting can be read from.
        case notAFile
        /// More bytes than the limit.
        case tooLarge
        /// `read` failed.
        case readFailed
        /// The bytes are not UTF-8 text.
        case notUTF8
    }

    /// What went wrong.
    public var kind: Kind
    /// The path as given.
    public var path: String
    /// The whole explanation, starting with what the file is and its path.
    public var message: String

    /// An error about `path`.
    public init(_ kind: Kind, path: String, message: String) {
        self.kind = kind
        self.path = path
        self.message = message
    }

    /// The message.
    public var description: String { message }
}

/// Reads the small text files a user points livevoiced at (configuration files, API keys, access tokens)
/// with a size limit, so that a wrong path (`/dev/zero`, an endless pipe, a multi-gigabyte log) is a clear
/// error instead of memory that grows until the process is killed.
///
/// What it accepts, and why:
/// - Regular files, refused up front when `fstat` already says they are over the limit.
/// - Pipes, FIFOs and character devices (`--api-key-file <(pass show gemini)`, `/dev/stdin`): read as
///   they come, and refused as soon as more than `limit` bytes arrived. A FIFO is opened without waiting
///   for a writer; one that never writes nor closes blocks the read, as reading standard input would.
/// - Directories, block devices and sockets are refused: they never hold a setting.
///
/// At most `limit + 1` bytes are ever held, whatever the file is.
public enum TextFile {
    /// The limit for secrets (API keys, OAuth access tokens): 16 KiB. A Gemini API key is 39 characters and
    /// an access token about 2 KB.
    public static let secretLimit = 16 * 1024

    /// The limit for configuration files: 4 MiB, far more than any hand-written configuration.
    public static let configurationLimit = 4 * 1024 * 1024

    /// Reads the whole file at `path` as UTF-8 text, holding at most `limit + 1` bytes.
    ///
    /// - Parameters:
    ///   - what: what the file is, for messages: `"--config"`, `"the API key file"`.
    ///   - limit: the most bytes accepted, e.g. ``secretLimit`` or ``configurationLimit``.
    /// - Throws: ``TextFileError`` naming `what`, the path, the problem and the fix.
    public static func read(atPath path: String, what: String, limit: Int) throws(TextFileError) -> String {
        // O_NONBLOCK so that opening a FIFO without a writer returns at once; cleared below for reading.
        let descriptor = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY)
        guard descriptor >= 0 else {
            throw TextFileError(.cannotOpen, path: path, message: "\(what): cannot read '\(path)': \(systemError())")
        }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else {
            throw TextFileError(.readFailed, path: path, message: "\(what): cannot read '\(path)': \(systemError())")
        }
        let type = status.st_mode & S_IFMT
        switch type {
        case S_IFREG:
            if Int(status.st_size) > limit {
                throw tooLarge(path, what: what, limit: limit, size: "\(status.st_size) bytes")
            }
        case S_IFIFO, S_IFCHR:
            break
        default:
            let name = type == S_IFDIR ? "a directory" : type == S_IFBLK ? "a block device" : "not a regular file"
            throw TextFileError(
                .notAFile, path: path, message: "\(what): '\(path)' is \(name); give the path of a text file")
        }
        let flags = fcntl(descriptor, F_GETFL)
        if flags >= 0 { _ = fcntl(descriptor, F_SETFL, flags & ~O_NONBLOCK) }

        // Grows with what arrives, never past limit + 1: one byte over is enough to know the file is too big.
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16 * 1024)
        while bytes.count <= limit {
            let wanted = min(chunk.count, limit + 1 - bytes.count)
            let count = chunk.withUnsafeMutableBytes { readBytes(descriptor, $0.baseAddress, wanted) }
            if count < 0 {
                if errno == EINTR { continue }
                throw TextFileError(.readFailed, path: path, message: "\(what): cannot read '\(path)': \(systemError())")
            }
            if count == 0 { break }
            bytes += chunk[0..<count]
        }
        if bytes.count > limit { throw tooLarge(path, what: what, limit: limit, size: nil) }
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes.removeFirst(3) }  // a byte order mark some editors add
        guard let text = String(validating: bytes, as: UTF8.self) else {
            let offset = firstInvalidUTF8Offset(bytes)
            throw TextFileError(
                .notUTF8, path: path,
                message: "\(what): '\(path)' is not UTF-8 text (invalid byte at offset \(offset)); save it as UTF-8")
        }
        return text
    }

    /// `size` is the size when `fstat` knows it ("100000 bytes"), nil for a stream cut at the limit.
    private static func tooLarge(_ path: String, what: String, limit: Int, size: String?) -> TextFileError {
        TextFileError(
            .tooLarge, path: path,
            message: "\(what): '\(path)' is too large: \(size.map { "\($0), " } ?? "")more than the limit of \(limit) "
                + "bytes; is it the right file?")
    }

    private static func systemError() -> String { String(cString: strerror(errno)) }

    /// Where the first byte that is not part of valid UTF-8 is, for the message.
    private static func firstInvalidUTF8Offset(_ bytes: [UInt8]) -> Int {
        var offset = 0
        var iterator = bytes.makeIterator()
        var decoder = UTF8()
        while true {
            switch decoder.decode(&iterator) {
            case .scalarValue(let scalar): offset += UTF8.width(scalar)
            case .emptyInput, .error: return offset
            }
        }
    }
}

/// `read(2)`, named apart from ``TextFile/read(atPath:what:limit:)``.
private func readBytes(_ descriptor: Int32, _ buffer: UnsafeMutableRawPointer?, _ count: Int) -> Int {
    read(descriptor, buffer, count)
}
