// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

import CSysShims
import Synchronization
import Threads

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A Unix stream socket that answers every connection with one status document and closes it.
///
/// One thread (`lv-status`) polls the listening socket and a wake-up eventfd; a client gets the document
/// (built when it connects), then end of file. Clients are served one at a time with a one-second send
/// timeout, so a client that never reads cannot hold the thread, and nothing is kept per client.
/// The socket file is mode 0660: its owner (the daemon's user) and group (livevoiced) may connect.
final class StatusSocketServer: Sendable {
    /// The socket's path.
    let path: String
    private let listener: Int32
    private let wake: Int32
    private let thread: Mutex<PlatformThread?>

    /// Creates the socket at `path` (replacing a socket left there by an earlier run) and starts serving
    /// `document()`.
    init(path: String, document: @escaping @Sendable () -> String) throws(StatusSocketError) {
        guard let address = UnixSocketAddress(path: path) else {
            throw StatusSocketError(.badPath, "the status socket path '\(path)' is longer than a Unix socket path may be (107 bytes)")
        }
        var info = stat()
        if lstat(path, &info) == 0 {
            guard (info.st_mode & S_IFMT) == S_IFSOCK else {
                throw StatusSocketError(.badPath, "'\(path)' exists and is not a socket: remove it, or let systemd's RuntimeDirectory= make the directory")
            }
            unlink(path)  // left by a run that did not stop cleanly
        }
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw Self.failure("socket", path) }
        let bound = address.withSocketAddress { bind(fd, $0, $1) }
        guard bound == 0 else {
            let error = Self.failure("bind", path)
            close(fd)
            throw error
        }
        guard chmod(path, 0o660) == 0, listen(fd, 8) == 0 else {
            let error = Self.failure("chmod/listen", path)
            close(fd)
            unlink(path)
            throw error
        }
        let wake = csys_eventfd()
        guard wake >= 0 else {
            close(fd)
            unlink(path)
            throw StatusSocketError(.system, "eventfd for the status socket: \(String(cString: strerror(-wake)))")
        }
        self.path = path
        self.listener = fd
        self.wake = wake
        self.thread = Mutex(nil)
        let started: PlatformThread
        do {
            started = try PlatformThread(name: "lv-status") { [fd, wake] in
                Self.serve(listener: fd, wake: wake, document: document)
            }
        } catch {
            close(fd)
            close(wake)
            unlink(path)
            throw StatusSocketError(.system, "cannot start the status thread: \(error)")
        }
        thread.withLock { $0 = started }
    }

    /// Stops serving, closes the socket and removes its file. Safe to call more than once.
    func stop() {
        guard let running = thread.withLock({ slot -> PlatformThread? in
            defer { slot = nil }
            return slot
        }) else { return }
        _ = csys_eventfd_signal(wake)
        running.join()
        close(listener)
        close(wake)
        unlink(path)
    }

    deinit {
        stop()
    }

    private static func serve(listener: Int32, wake: Int32, document: @Sendable () -> String) {
        var fds = [pollfd(fd: listener, events: Int16(POLLIN), revents: 0), pollfd(fd: wake, events: Int16(POLLIN), revents: 0)]
        while true {
            fds[0].revents = 0
            fds[1].revents = 0
            let ready = poll(&fds, 2, -1)
            if ready < 0 {
                if errno == EINTR { continue }
                return
            }
            if fds[1].revents != 0 { return }
            guard fds[0].revents & Int16(POLLIN) != 0 else { continue }
            let client = accept(listener, nil, nil)
            guard client >= 0 else { continue }
            _ = fcntl(client, F_SETFD, FD_CLOEXEC)
            var timeout = timeval(tv_sec: 1, tv_usec: 0)
            _ = setsockopt(client, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            var text = document() + "\n"
            text.withUTF8 { bytes in
                var offset = 0
                while offset < bytes.count {
                    let sent = send(client, bytes.baseAddress! + offset, bytes.count - offset, Int32(MSG_NOSIGNAL))
                    if sent < 0 && errno == EINTR { continue }
                    if sent <= 0 { break }
                    offset += sent
                }
            }
            close(client)
        }
    }

    private static func failure(_ call: String, _ path: String) -> StatusSocketError {
        let code = errno
        let reason = String(cString: strerror(code))
        if code == EACCES || code == EPERM || code == EROFS || code == ENOENT {
            return StatusSocketError(
                .system,
                "cannot create the status socket '\(path)' (\(call): \(reason)): under systemd the unit's RuntimeDirectory=livevoiced makes its directory")
        }
        return StatusSocketError(.system, "cannot create the status socket '\(path)' (\(call): \(reason))")
    }
}
