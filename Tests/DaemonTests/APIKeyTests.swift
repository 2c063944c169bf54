// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

import Daemon
import Foundation
import Testing

@Suite("API key lookup")
struct APIKeyTests {
    static func file(_ contents: String, mode: Int) throws -> String {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("livevoiced-key-\(UUID().uuidString)")
        try contents.write(to: url, atomically: true, encoding: .utf8)
        chmod(url.path, mode_t(mode))
        return url.path
    }

    @Test("systemd's credential first, then the key file, then GEMINI_API_KEY, then GOOGLE_API_KEY")
    func order() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("livevoiced-cred-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try "credential-key\n".write(to: directory.appendingPathComponent("gemini-api-key"), atomically: true, encoding: .utf8)
        let keyFile = try Self.file("file-key\n", mode: 0o600)
        defer { unlink(keyFile) }
        var environment = ["CREDENTIALS_DIRECTORY": directory.path, "GEMINI_API_KEY": "env-key", "GOOGLE_API_KEY": "google-key"]
        func find(_ file: String?) throws -> APIKey { try APIKey.find(keyFile: file, environment: { environment[$0] }) }
        #expect(try find(keyFile).value == "credential-key")
        #expect(try find(keyFile).source == "the systemd credential gemini-api-key")
        environment["CREDENTIALS_DIRECTORY"] = nil
        #expect(try find(keyFile).value == "file-key")
        #expect(try find(nil).value == "env-key")
        environment["GEMINI_API_KEY"] = nil
        #expect(try find(nil).value == "google-key")
        environment["GOOGLE_API_KEY"] = "  "
        #expect(throws: DaemonError.self) { try find(nil) }
    }

    @Test("a key file others may read is refused, saying how to fix it; the key never shows")
    func worldReadable() throws {
        let keyFile = try Self.file("AIza-secret-value\n", mode: 0o644)
        defer { unlink(keyFile) }
        do {
            _ = try APIKey.find(keyFile: keyFile, environment: { _ in nil })
            Issue.record("a world-readable key file was accepted")
        } catch {
            #expect(error.message.contains("chmod 600"))
            #expect(!error.message.contains("AIza-secret-value"))
        }
        let key = try APIKey.find(keyFile: try Self.file("AIza-secret-value", mode: 0o640), environment: { _ in nil })
        #expect(!"\(key)".contains("AIza"))
        #expect(!String(reflecting: key).contains("AIza"))
        var dumped = ""
        dump(key, to: &dumped)
        #expect(!dumped.contains("AIza"))
    }

    @Test("an empty, huge or missing key file is a clear error")
    func badFiles() throws {
        let empty = try Self.file("\n\n", mode: 0o600)
        defer { unlink(empty) }
        #expect(throws: DaemonError.self) { try APIKey.find(keyFile: empty, environment: { _ in nil }) }
        let huge = try Self.file(String(repeating: "k", count: 100_000), mode: 0o600)
        defer { unlink(huge) }
        #expect(throws: DaemonError.self) { try APIKey.find(keyFile: huge, environment: { _ in nil }) }
        #expect(throws: DaemonError.self) { try APIKey.find(keyFile: "/nonexistent/key", environment: { _ in nil }) }
        #expect(throws: DaemonError.self) { try APIKey.find(keyFile: "/dev/zero", environment: { _ in nil }) }
    }
}
