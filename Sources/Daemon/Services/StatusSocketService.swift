// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

public import AudioEngine
public import Log
public import Time

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Serves `livevoiced status` on a Unix socket: `$RUNTIME_DIRECTORY/status.sock` under the unit
/// (`/run/livevoiced/status.sock`, group livevoiced only). Without a runtime directory (run by hand) there
/// is no socket. A socket that cannot be made is a warning, not a reason to stop the speaker.
public struct StatusSocketService: Service {
    public let name = "status-socket"
    let path: String?
    let logger: Logger
    let document: @Sendable () -> String

    /// Serves the status of `status` and `engine` at `path` (default: from `$RUNTIME_DIRECTORY`).
    public init(status: RuntimeStatus, engine: AudioEngine, clock: any MonotonicClock, logger: Logger,
                path: String? = StatusSocketService.defaultPath()) {
        self.path = path
        self.logger = logger
        self.document = { StatusDocument.serialize(StatusDocument.make(status: status, engine: engine, clock: clock)) }
    }

    /// `status.sock` in the first directory of this process's `$RUNTIME_DIRECTORY`, or nil.
    public static func defaultPath() -> String? {
        defaultPath(environment: { getenv($0).map { String(cString: $0) } })
    }

    /// `status.sock` in the first directory of `$RUNTIME_DIRECTORY` (systemd's `RuntimeDirectory=`), or nil.
    public static func defaultPath(environment: (String) -> String?) -> String? {
        guard let directories = environment("RUNTIME_DIRECTORY"),
            let first = directories.split(separator: ":").first, !first.isEmpty
        else { return nil }
        return String(first) + "/status.sock"
    }

    public func run(_ context: ServiceContext) async throws {
        var server: StatusSocketServer?
        if let path {
            do {
                server = try StatusSocketServer(path: path, document: document)
                logger.info("status on \(path)")
            } catch {
                logger.warning("no `livevoiced status`: \(error.message)")
            }
        }
        context.ready()
        await context.shutdownRequested()
        server?.stop()
    }
}
