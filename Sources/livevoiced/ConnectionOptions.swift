// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

import ArgumentParser
import FoundationEssentials
import GeminiLive
import Log
import TOML
#if canImport(Glibc)
import Glibc
#endif

/// Where and how to reach the Live API: shared by every command that talks to it.
struct ConnectionOptions: ParsableArguments {
    @Option(help: "Live API base URL, e.g. ws://127.0.0.1:8765 for the local simulator (plain ws:// only to loopback).")
    var endpoint: String?

    @Option(name: .customLong("ca-file"), help: "PEM file of CA certificates to trust for a wss:// endpoint.")
    var caFile: String?

    @Option(help: ArgumentHelp("Model name.", discussion: "Live models checked on \(LiveModels.checkedOn): \(LiveModels.known.filter(\.lifecycle.isAvailable).map(\.id).joined(separator: ", ")).", valueName: "model"))
    var model: String = LiveModels.defaultModel

    @Option(name: .customLong("api-key-file"), help: "Read the API key from this file (instead of GEMINI_API_KEY).")
    var apiKeyFile: String?

    @Option(name: .customLong("vertex-project"), help: "Use Vertex AI with this Google Cloud project.")
    var vertexProject: String?

    @Option(name: .customLong("vertex-location"), help: "Vertex AI location.")
    var vertexLocation: String = "us-central1"

    @Option(name: .customLong("access-token-file"), help: "Vertex AI: read the OAuth access token from this file (re-read on every connect).")
    var accessTokenFile: String?

    @Option(name: .customLong("api-version"), help: "API version in the URL path (default v1beta; v1beta1 for Vertex AI).")
    var apiVersion: String?

    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error.")
    var logLevel: String = "warning"

    func logger() -> Logger {
        Logger(label: "livevoiced", level: Logger.Level(name: logLevel) ?? .warning, handler: StandardErrorLogHandler())
    }

    func makeClient(logger: Logger) throws -> LiveClient {
        if let vertexProject {
            guard let accessTokenFile else {
                throw ValidationError("--vertex-project needs --access-token-file (for example from `gcloud auth print-access-token > token`)")
            }
            let path = accessTokenFile
            return LiveClient(vertexAI: vertexProject, location: vertexLocation,
                              accessToken: { try readSecret(path: path, what: "access token") },
                              endpoint: endpoint, caFile: caFile, apiVersion: apiVersion, logger: logger)
        }
        let key = try apiKey()
        return LiveClient(apiKey: key, endpoint: endpoint, caFile: caFile, apiVersion: apiVersion, logger: logger)
    }

    /// The key from the file or the environment; for a loopback endpoint with no key, a placeholder (the
    /// local simulator accepts any key unless started with --api-key).
    private func apiKey() throws -> String {
        if let apiKeyFile { return try readSecret(path: apiKeyFile, what: "API key") }
        for name in ["GEMINI_API_KEY", "GOOGLE_API_KEY"] {
            if let value = getenv(name).map({ String(cString: $0) }), !value.isEmpty { return value }
        }
        if let endpoint, endpoint.lowercased().hasPrefix("ws://") { return "local-simulator" }
        throw failure("""
            no API key: set GEMINI_API_KEY (get a key at https://aistudio.google.com/apikey) or pass \
            --api-key-file FILE. To try livevoiced without a key, run the local simulator \
            (`swift run live-simulator --port 8765`) and add --endpoint ws://127.0.0.1:8765.
            """)
    }
}

/// Reads a one-line secret from a file (at most ``TextFile/secretLimit`` bytes), trimmed; the error never
/// contains the contents.
func readSecret(path: String, what: String) throws -> String {
    let text = try readTextFile(path, what: "the \(what) file", limit: TextFile.secretLimit)
        .split(whereSeparator: \.isNewline).first.map(String.init) ?? ""
    let trimmed = text.drop(while: { $0 == " " || $0 == "\t" })
    guard !trimmed.isEmpty else { throw failure("the \(what) file '\(path)' is empty") }
    return String(trimmed).trimmingTrailingWhitespace()
}

extension String {
    func trimmingTrailingWhitespace() -> String {
        var copy = self
        while let last = copy.last, last.isWhitespace { copy.removeLast() }
        return copy
    }
}
