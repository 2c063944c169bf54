// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

import Conversation
public import GeminiLive
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
public import Log
public import Time

/// `livevoiced check --online`: connects the way the daemon does (TLS, the WebSocket upgrade, and the
/// daemon's own `setup` with the configured key, model, voice and tools), waits for `setupComplete`,
/// sends no audio and closes. Times the round trip, and sorts a failure into a reason the user can act on.
public enum OnlineCheck {
    /// A successful check.
    public struct Success: Sendable {
        /// The server, without any credential (`wss://generativelanguage.googleapis.com`).
        public var server: String
        /// The model that accepted the setup.
        public var model: String
        /// Where the key came from (never the key).
        public var keySource: String
        /// From the first byte out to `setupComplete`: connect, TLS, upgrade, setup.
        public var roundTrip: Duration
    }

    /// Why the check failed.
    public struct Failure: Error, Sendable, CustomStringConvertible {
        /// What kind of problem it is.
        public enum Reason: String, Sendable {
            /// No key in the credentials directory, the configuration or the environment.
            case noKey = "no API key"
            /// The server refused the key.
            case badKey = "bad API key"
            /// The key's quota, billing or credits are used up.
            case quota = "quota exhausted"
            /// The server does not serve the configured model for the Live API.
            case modelNotFound = "model not found"
            /// The server could not be reached: DNS, route, refused connection.
            case noRoute = "no route to the server"
            /// The server's certificate did not verify.
            case tls = "TLS"
            /// Connected, but no `setupComplete` in time.
            case timeout = "no answer"
            /// The server refused the setup for another reason.
            case refused = "refused"
            /// The configuration cannot make a client (a bad endpoint, say).
            case configuration = "configuration"
        }

        /// The kind of problem.
        public var reason: Reason
        /// What happened and what to do (never the key).
        public var message: String
        /// The server's close code, when it closed the connection.
        public var closeCode: Int?

        public var description: String { "\(reason.rawValue): \(message)" }
    }

    /// The file the unit loads as the credential `gemini-api-key`.
    public static let unitKeyFile = "/etc/livevoiced/gemini-api-key"

    /// Runs the check for `configuration`; `endpoint` and `caFile` override the file's. Without a key in
    /// the environment or the configuration, the unit's key file is used when this user may read it (root).
    public static func run(_ configuration: DaemonConfiguration, endpoint: String? = nil, caFile: String? = nil,
                           clock: any MonotonicClock, logger: Logger) async -> Result<Success, Failure> {
        var configuration = configuration
        if let endpoint { configuration.live.endpoint = endpoint }
        if let caFile { configuration.live.caFile = caFile }
        // Run by root outside the unit: the key the unit would hand over as its credential.
        if configuration.live.apiKeyFile == nil, configuration.live.vertexProject == nil,
            (try? APIKey.find(keyFile: nil)) == nil, access(unitKeyFile, R_OK) == 0
        {
            configuration.live.apiKeyFile = unitKeyFile
        }
        let live = configuration.live
        let keySource: String
        if live.vertexProject != nil {
            keySource = "the access token in \(live.accessTokenFile ?? "?")"
        } else if let found = try? APIKey.find(keyFile: live.apiKeyFile) {
            keySource = found.source
        } else if live.endpoint?.lowercased().hasPrefix("ws://") == true {
            keySource = "a placeholder key (a loopback ws:// endpoint)"
        } else {
            keySource = ""
        }
        let client: LiveClient
        do {
            client = try LiveClientFactory.make(configuration, logger: logger)
        } catch {
            return .failure(Failure(reason: error.kind == .credentials ? .noKey : .configuration, message: error.message))
        }
        let setup = LiveSetup(
            configuration: configuration,
            tools: ToolAdapter(tools: configuration.tools,
                               functionCalls: LiveModels.capabilities(for: live.model).functionCalls))
        let server = serverName(live.endpoint, client: client)
        let started = clock.now()
        do {
            let session = try await client.live.connect(model: live.model, config: setup.connectConfig(resumptionHandle: nil))
            let roundTrip = clock.now() - started
            await session.close()
            return .success(Success(server: server, model: live.model, keySource: keySource, roundTrip: roundTrip))
        } catch {
            return .failure(classify(error, server: server, model: live.model))
        }
    }

    /// The server a client talks to, for the report: the endpoint override's scheme and host, or Google's.
    static func serverName(_ endpoint: String?, client: LiveClient) -> String {
        guard let endpoint else {
            if case .vertexAI(_, let location, _) = client.backend {
                return location == "global" ? "wss://aiplatform.googleapis.com" : "wss://\(location)-aiplatform.googleapis.com"
            }
            return "wss://generativelanguage.googleapis.com"
        }
        // Scheme and authority only: a path or query could hold a token.
        guard let schemeEnd = endpoint.firstRange(of: "://") else { return endpoint }
        let rest = endpoint[schemeEnd.upperBound...]
        let authority = rest.prefix { $0 != "/" && $0 != "?" }
        let host = authority.split(separator: "@").last.map(String.init) ?? String(authority)
        return endpoint[..<schemeEnd.upperBound] + host
    }

    /// A Live API failure as a reason and what to do about it.
    static func classify(_ error: LiveError, server: String, model: String) -> Failure {
        let code = error.closeCode
        if error.kind == .connectFailed {
            return Failure(
                reason: .noRoute,
                message: "cannot reach \(server): \(error.message). Check the network: the default route (`ip route`), "
                    + "DNS (`getent hosts \(hostOnly(server))`), a firewall or proxy")
        }
        if error.kind == .tls {
            return Failure(
                reason: .tls,
                message: "\(error.message). Is the clock right (`timedatectl`; certificates need it)? A private "
                    + "endpoint needs live.ca_file")
        }
        if error.kind == .timeout {
            return Failure(reason: .timeout, message: "\(error.message). The network is up but \(server) did not answer in time")
        }
        let failure = SessionFailure(error)
        let said = [error.closeReason, error.message].compactMap { $0 }.first ?? error.message
        switch failure.category {
        case .authentication:
            return Failure(
                reason: .badKey,
                message: "\(server) refused the API key (\(said)). Put a valid key in /etc/livevoiced/gemini-api-key "
                    + "(chmod 600); get one at https://aistudio.google.com/apikey", closeCode: code)
        case .quota:
            return Failure(reason: .quota, message: "\(said). Check the key's quota and billing in Google AI Studio", closeCode: code)
        case .configuration, .invalidRequest:
            let lower = said.lowercased()
            if lower.contains("model") || lower.contains("not found") {
                return Failure(
                    reason: .modelNotFound,
                    message: "\(server) does not serve '\(model)' for the Live API (\(said)). Set live.model to a Live "
                        + "model (the README's model table)", closeCode: code)
            }
            return Failure(reason: .refused, message: "\(server) refused the setup (\(said))", closeCode: code)
        case .retryable:
            return Failure(reason: .refused, message: "\(said) (a passing failure: try again)", closeCode: code)
        }
    }

    private static func hostOnly(_ server: String) -> String {
        let host = server.split(separator: "/").last.map(String.init) ?? server
        if host.hasPrefix("[") { return host }
        return host.split(separator: ":").first.map(String.init) ?? host
    }
}
