// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

import Daemon
import Foundation
import Testing

/// sd_notify against a real Unix datagram socket, as systemd listens.
@Suite("SystemdNotifier")
struct SystemdNotifierTests {
    /// Binds a datagram socket at `path` (or an abstract name starting with `@`) and returns it.
    private func listen(_ path: String) throws -> Int32 {
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        var bytes = Array(path.utf8)
        if bytes.first == UInt8(ascii: "@") { bytes[0] = 0 }
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: bytes) }
        let length = socklen_t(MemoryLayout<sa_family_t>.size + bytes.count + (bytes.first == 0 ? 0 : 1))
        let bound = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
        try #require(bound == 0, "bind \(path): errno \(errno)")
        var timeout = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        return fd
    }

    private func receive(_ fd: Int32) -> String {
        var buffer = [UInt8](repeating: 0, count: 256)
        let count = recv(fd, &buffer, buffer.count, 0)
        return count > 0 ? String(decoding: buffer[0..<count], as: UTF8.self) : ""
    }

    @Test("READY=1 and STATUS reach a path socket and an abstract one")
    func notify() throws {
        let path = NSTemporaryDirectory() + "lv-notify-\(getpid())"
        unlink(path)
        let fd = try listen(path)
        defer { close(fd); unlink(path) }
        let notifier = SystemdNotifier(environment: { $0 == "NOTIFY_SOCKET" ? path : nil })
        #expect(notifier.notify("READY=1"))
        #expect(receive(fd) == "READY=1")
        #expect(notifier.notify("STATUS=Listening"))
        #expect(receive(fd) == "STATUS=Listening")

        let abstract = "@lv-notify-\(getpid())"
        let afd = try listen(abstract)
        defer { close(afd) }
        #expect(SystemdNotifier(environment: { $0 == "NOTIFY_SOCKET" ? abstract : nil }).notify("WATCHDOG=1"))
        #expect(receive(afd) == "WATCHDOG=1")
    }

    @Test("without NOTIFY_SOCKET nothing is sent; the watchdog interval is half of WATCHDOG_USEC for this pid")
    func environment() {
        #expect(!SystemdNotifier(environment: { _ in nil }).notify("READY=1"))
        let env = ["WATCHDOG_USEC": "30000000", "WATCHDOG_PID": "\(getpid())", "NOTIFY_SOCKET": "/run/x"]
        #expect(SystemdNotifier(environment: { env[$0] }).watchdogInterval == .seconds(15))
        let other = ["WATCHDOG_USEC": "30000000", "WATCHDOG_PID": "1"]
        #expect(SystemdNotifier(environment: { other[$0] }).watchdogInterval == nil)
    }
}
