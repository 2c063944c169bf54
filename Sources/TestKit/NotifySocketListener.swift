// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

import Foundation
import Synchronization

/// A Unix datagram socket where `$NOTIFY_SOCKET` would point, listening as systemd does: every
/// notification a daemon sends (`READY=1`, `RELOADING=1`, `STOPPING=1`, `STATUS=…`) is collected in order,
/// read on a thread of its own so a sender never waits on a full socket queue.
public final class NotifySocketListener: Sendable {
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// The path to hand to the notifier as `NOTIFY_SOCKET`.
    public let path: String
    private let received = Mutex<[String]>([])
    private let stopping = Atomic<Bool>(false)
    private let done = Atomic<Bool>(false)

    /// Binds a fresh socket in the temporary directory and starts reading it.
    public init() throws {
        path = NSTemporaryDirectory() + "livevoiced-notify-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        unlink(path)
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw Failure(description: "socket(AF_UNIX, SOCK_DGRAM): errno \(errno)") }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else {
            close(fd)
            throw Failure(description: "socket path too long: \(path)")
        }
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: bytes) }
        let length = socklen_t(MemoryLayout<sa_family_t>.size + bytes.count + 1)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
        }
        guard bound == 0 else {
            let code = errno
            close(fd)
            throw Failure(description: "bind \(path): errno \(code)")
        }
        // Short receive timeouts so the reader sees stop() soon.
        var timeout = timeval(tv_sec: 0, tv_usec: 50_000)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let path = path
        Thread.detachNewThread { [self] in
            var buffer = [UInt8](repeating: 0, count: 4096)
            while !stopping.load(ordering: .acquiring) {
                let count = recv(fd, &buffer, buffer.count, 0)
                if count > 0 {
                    let message = String(decoding: buffer[0..<count], as: UTF8.self)
                    received.withLock { $0.append(message) }
                }
            }
            close(fd)
            unlink(path)
            done.store(true, ordering: .releasing)
        }
    }

    /// Every notification received so far, in order.
    public var messages: [String] { received.withLock { $0 } }

    /// The notifications other than the periodic ones (`WATCHDOG=1`, `STATUS=…`).
    public var lifecycle: [String] {
        messages.filter { $0 != "WATCHDOG=1" && !$0.hasPrefix("STATUS=") }
    }

    /// Waits (polling) until `predicate` holds for the messages; false after `seconds`.
    public func wait(seconds: Double = 10, until predicate: ([String]) -> Bool) async -> Bool {
        let deadline = ContinuousClock.now + .seconds(seconds)
        while ContinuousClock.now < deadline {
            if predicate(messages) { return true }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return predicate(messages)
    }

    /// Stops reading and removes the socket (the reading thread holds the listener until then).
    public func stop() {
        stopping.store(true, ordering: .releasing)
        while !done.load(ordering: .acquiring) { usleep(5_000) }
    }
}
