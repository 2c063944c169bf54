// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

import TOML

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The Gemini API key, found where the daemon looks for it, in order:
/// 1. `$CREDENTIALS_DIRECTORY/gemini-api-key` (systemd's `LoadCredential=`),
/// 2. the configuration's `live.api_key_file`, which must not be readable by other users,
/// 3. `GEMINI_API_KEY`, then `GOOGLE_API_KEY`.
///
/// The key itself never appears in a description, a log line or an error; only where it came from.
public struct APIKey: Sendable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// The key.
    public let value: String
    /// Where it came from, for the log ("the systemd credential gemini-api-key").
    public let source: String

    public var description: String { "API key from \(source)" }
    public var debugDescription: String { description }
    public var customMirror: Mirror { Mirror(self, children: ["source": source]) }

    /// Finds the key in this process's environment.
    public static func find(keyFile: String?) throws(DaemonError) -> APIKey {
        try find(keyFile: keyFile, environment: { getenv($0).map { String(cString: $0) } })
    }

    /// Finds the key; `environment` reads a variable (tests pass their own).
    public static func find(keyFile: String?, environment: (String) -> String?) throws(DaemonError) -> APIKey {
        if let directory = environment("CREDENTIALS_DIRECTORY"), !directory.isEmpty {
            let path = directory + "/gemini-api-key"
            if access(path, F_OK) == 0 {
                return APIKey(value: try readKey(path, checkPermissions: false), source: "the systemd credential gemini-api-key")
            }
        }
        if let keyFile {
            return APIKey(value: try readKey(keyFile, checkPermissions: true), source: keyFile)
        }
        for name in ["GEMINI_API_KEY", "GOOGLE_API_KEY"] {
            if let value = environment(name)?.trimmingWhitespace(), !value.isEmpty {
                return APIKey(value: value, source: "$\(name)")
            }
        }
        throw DaemonError(
            .credentials,
            "no API key: put it in /etc/livevoiced/gemini-api-key (chmod 600; the unit loads it as a systemd "
                + "credential), set live.api_key_file, or set GEMINI_API_KEY. Get one at https://aistudio.google.com/apikey")
    }

    /// Reads a one-line key file, at most ``TOML/TextFile/secretLimit`` bytes, which (unless systemd handed
    /// it over) must not be readable by other users. The error never holds the contents.
    static func readKey(_ path: String, checkPermissions: Bool) throws(DaemonError) -> String {
        var info = stat()
        if checkPermissions, stat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG, info.st_mode & S_IROTH != 0 {
            throw DaemonError(
                .credentials,
                "the API key file '\(path)' is readable by every user; make it private with `chmod 600 \(path)` "
                    + "(or 640 with group livevoiced)")
        }
        let text: String
        do {
            text = try TextFile.read(atPath: path, what: "the API key file", limit: TextFile.secretLimit)
        } catch {
            throw DaemonError(.credentials, error.message)
        }
        let key = text.split(whereSeparator: \.isNewline).first.map(String.init)?.trimmingWhitespace() ?? ""
        guard !key.isEmpty else { throw DaemonError(.credentials, "the API key file '\(path)' is empty") }
        return key
    }
}

extension String {
    func trimmingWhitespace() -> String {
        var scalars = Substring(self)
        while let first = scalars.first, first.isWhitespace { scalars.removeFirst() }
        while let last = scalars.last, last.isWhitespace { scalars.removeLast() }
        return String(scalars)
    }
}
