// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Talks to systemd's notification socket (`sd_notify`), for a `Type=notify` unit with a watchdog:
/// `READY=1` once the daemon serves, `WATCHDOG=1` while it is healthy, `STOPPING=1`, `STATUS=…`.
///
/// A few lines over a Unix datagram socket instead of linking libsystemd. Without `$NOTIFY_SOCKET` (not run
/// by systemd) every call is a no-op that returns false.
public struct SystemdNotifier: Sendable {
    /// The socket path from `$NOTIFY_SOCKET` (`@` starts an abstract-namespace name).
    public let socketPath: String?
    /// Half of `$WATCHDOG_USEC`, when systemd's watchdog is on for this process: ping at least this often.
    public let watchdogInterval: Duration?

    /// Reads `$NOTIFY_SOCKET`, `$WATCHDOG_USEC` and `$WATCHDOG_PID` from the environment.
    public init() {
        self.init(environment: { name in getenv(name).map { String(cString: $0) } })
    }

    /// Reads the variables through `environment` (tests pass their own).
    public init(environment: (String) -> String?) {
        let path = environment("NOTIFY_SOCKET").flatMap { $0.isEmpty ? nil : $0 }
        socketPath = path
        if let usec = environment("WATCHDOG_USEC").flatMap({ Int64($0) }), usec > 0,
            environment("WATCHDOG_PID").flatMap({ Int32($0) }).map({ $0 == getpid() }) ?? true
        {
            watchdogInterval = .microseconds(usec / 2)
        } else {
            watchdogInterval = nil
        }
    }

    /// Whether systemd is listening.
    public var isEnabled: Bool { socketPath != nil }

    /// Sends one notification such as `READY=1` or `STATUS=Listening`. Returns whether it was sent.
    @discardableResult
    public func notify(_ state: String) -> Bool {
        guard let socketPath else { return false }
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        var path = Array(socketPath.utf8)
        if path.first == UInt8(ascii: "@") { path[0] = 0 }  // abstract namespace
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard path.count < capacity else { return false }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: path)
        }
        let length = socklen_t(MemoryLayout<sa_family_t>.size + path.count + (path.first == 0 ? 0 : 1))
        let bytes = Array(state.utf8)
        let sent = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { address in
                bytes.withUnsafeBytes { sendto(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL), address, length) }
            }
        }
        return sent == bytes.count
    }
}

/// Pings systemd's watchdog while `isHealthy` says the daemon works; stops pinging (so systemd restarts
/// the daemon) when it does not. Does nothing when the watchdog is off.
public struct WatchdogService: Service {
    public let name = "watchdog"
    let notifier: SystemdNotifier
    let isHealthy: @Sendable () -> Bool

    public init(notifier: SystemdNotifier, isHealthy: @escaping @Sendable () -> Bool) {
        self.notifier = notifier
        self.isHealthy = isHealthy
    }

    public func run(_ context: ServiceContext) async throws {
        context.ready()
        guard let interval = notifier.watchdogInterval else {
            await context.shutdownRequested()  // nothing to ping
            return
        }
        let pinger = Task {
            while !Task.isCancelled {
                if isHealthy() { notifier.notify("WATCHDOG=1") }
                try? await Task.sleep(for: interval)
            }
        }
        await context.shutdownRequested()
        pinger.cancel()
    }
}
