// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Reads the running daemon's status from its socket (`livevoiced status`).
public enum StatusSocketClient {
    /// Where the unit's daemon serves it (`RuntimeDirectory=livevoiced`).
    public static let defaultPath = "/run/livevoiced/status.sock"
    /// The most a status document may be; anything longer is not one.
    static let maximumSize = 1 << 20

    /// The document the daemon at `path` serves, as text. `timeout` bounds the wait for its answer.
    public static func fetch(path: String = defaultPath, timeout: Duration = .seconds(5)) throws(StatusSocketError) -> String {
        guard let address = UnixSocketAddress(path: path) else {
            throw StatusSocketError(.badPath, "'\(path)' is too long for a Unix socket path")
        }
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw StatusSocketError(.system, "socket: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        let seconds = max(1, Int(timeout.components.seconds))
        var limit = timeval(tv_sec: seconds, tv_usec: 0)
        _ = setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
        let connected = address.withSocketAddress { connect(fd, $0, $1) }
        if connected != 0 {
            let code = errno
            switch code {
            case ENOENT:
                throw StatusSocketError(
                    .notRunning,
                    "livevoiced is not running here (no \(path)); `systemctl status livevoiced` says why, `systemctl start livevoiced` starts it")
            case ECONNREFUSED:
                throw StatusSocketError(
                    .notRunning, "livevoiced is not running (\(path) is left from an earlier run); `systemctl status livevoiced` says why")
            case EACCES, EPERM:
                throw StatusSocketError(
                    .permissionDenied,
                    "permission denied on \(path): the status is for group livevoiced; add yourself with `sudo adduser $USER livevoiced` and log in again, or use sudo")
            default:
                throw StatusSocketError(.system, "cannot connect to \(path): \(String(cString: strerror(code)))")
            }
        }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n < 0 && errno == EINTR { continue }
            if n < 0 {
                let code = errno
                if code == EAGAIN || code == EWOULDBLOCK {
                    throw StatusSocketError(.noAnswer, "livevoiced did not answer on \(path) within \(seconds) s (a hung daemon is restarted by systemd's watchdog)")
                }
                throw StatusSocketError(.system, "reading \(path): \(String(cString: strerror(code)))")
            }
            if n == 0 { break }
            bytes += chunk[0..<n]
            guard bytes.count <= maximumSize else {
                throw StatusSocketError(.noAnswer, "\(path) sent more than \(maximumSize) bytes: that is not livevoiced's status")
            }
        }
        guard !bytes.isEmpty else {
            throw StatusSocketError(.noAnswer, "\(path) closed without a status (is it livevoiced's socket?)")
        }
        return String(decoding: bytes, as: UTF8.self).trimmingWhitespace()
    }
}
