// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

public import Log

/// Returns a current OAuth 2 access token for Vertex AI; called on every connect, so it may refresh.
public typealias AccessTokenProvider = @Sendable () async throws -> String

/// The Live API client: the Swift counterpart of the official SDK's `genai.Client(...)` with its
/// `client.aio.live` namespace.
///
/// ```swift
/// let client = LiveClient(apiKey: key)
/// var config = LiveConnectConfig(responseModalities: [.audio])
/// config.outputAudioTranscription = AudioTranscriptionConfig()
/// let session = try await client.live.connect(model: LiveModels.defaultModel, config: config)
/// try await session.sendClientContent(turns: [.user("Hello")], turnComplete: true)
/// for try await message in session.receive() { ... }
/// ```
///
/// Credentials are sent only in request headers and never appear in descriptions, errors or logs.
public struct LiveClient: Sendable, CustomStringConvertible {
    /// Which service and credentials to use.
    public enum Backend: Sendable {
        /// Gemini Developer API with an API key (`x-goog-api-key` header). A key that starts with
        /// `auth_tokens/` is an ephemeral token and is used as ``ephemeralToken(_:)``, as the SDK does.
        case geminiAPI(apiKey: String)
        /// Gemini Developer API with an ephemeral token (`auth_tokens/…`), on the constrained endpoint.
        case ephemeralToken(String)
        /// Vertex AI with a project, a location (`us-central1`, `global`, ...) and an OAuth bearer token.
        case vertexAI(project: String, location: String, accessToken: AccessTokenProvider)
        /// Vertex AI express mode: an API key and no project.
        case vertexAIExpress(apiKey: String)
    }

    /// Which service and credentials. Its description and reflection never show the credentials.
    public let backend: Backend
    /// A base URL replacing Google's host, for proxies and tests (`ws://127.0.0.1:8765`). Plain `ws://` is
    /// accepted only for loopback hosts; anything else must be `wss://` (certificate verification stays on).
    /// With no path, the API's standard path is appended; with a path, the URL is used as given.
    public var endpoint: String?
    /// PEM file of CA certificates to trust for `wss://` (a private CA); the system store otherwise.
    public var caFile: String?
    /// API version in the path: `v1beta` by default for the Gemini API (as Google's Live docs),
    /// `v1alpha` for ephemeral tokens, `v1beta1` for Vertex AI.
    public var apiVersion: String?
    /// Timeouts and limits.
    public var options: LiveClientOptions
    /// How connections are opened; libcurl unless replaced (tests use ``InMemoryTransport``).
    public var connector: any LiveTransportConnector
    /// Where the client logs (connects, skipped messages); nothing by default.
    public var logger: Logger
    /// Vertex AI: the project billed for quota (`x-goog-user-project`), when it is not the one of the
    /// credentials, as the SDK sends a credential's `quota_project_id`.
    public var quotaProject: String?
    /// More request headers for the upgrade (the SDK's `http_options.headers`), for example for a gateway.
    /// A header named like one of the client's own replaces it (an `Authorization` replaces Vertex AI's
    /// bearer token, as in the SDK). Values are never printed; names and values with line breaks are refused.
    public var extraHeaders: [(name: String, value: String)] = []

    /// A client for `backend`.
    public init(backend: Backend, endpoint: String? = nil, caFile: String? = nil, apiVersion: String? = nil,
                options: LiveClientOptions = LiveClientOptions(),
                connector: any LiveTransportConnector = CurlTransportConnector(), logger: Logger = .disabled) {
        if case .geminiAPI(let key) = backend, key.hasPrefix("auth_tokens/") {
            self.backend = .ephemeralToken(key)
        } else {
            self.backend = backend
        }
        self.endpoint = endpoint
        self.caFile = caFile
        self.apiVersion = apiVersion
        self.options = options
        self.connector = connector
        self.logger = logger
    }

    /// The Gemini Developer API with an API key (from https://aistudio.google.com/apikey), or an ephemeral
    /// token (`auth_tokens/…`).
    public init(apiKey: String, endpoint: String? = nil, caFile: String? = nil, apiVersion: String? = nil,
                options: LiveClientOptions = LiveClientOptions(),
                connector: any LiveTransportConnector = CurlTransportConnector(), logger: Logger = .disabled) {
        self.init(backend: .geminiAPI(apiKey: apiKey), endpoint: endpoint, caFile: caFile, apiVersion: apiVersion,
                  options: options, connector: connector, logger: logger)
    }

    /// Vertex AI with a bearer token from `accessToken`, asked for on every connect.
    public init(vertexAI project: String, location: String, accessToken: @escaping AccessTokenProvider,
                endpoint: String? = nil, caFile: String? = nil, apiVersion: String? = nil,
                options: LiveClientOptions = LiveClientOptions(),
                connector: any LiveTransportConnector = CurlTransportConnector(), logger: Logger = .disabled) {
        self.init(backend: .vertexAI(project: project, location: location, accessToken: accessToken),
                  endpoint: endpoint, caFile: caFile, apiVersion: apiVersion, options: options,
                  connector: connector, logger: logger)
    }

    /// The `client.aio.live` namespace.
    public var live: AsyncLive { AsyncLive(client: self) }

    /// Backend and endpoint only; never the credentials.
    public var description: String {
        let kind: String
        switch backend {
        case .geminiAPI: kind = "Gemini API (API key)"
        case .ephemeralToken: kind = "Gemini API (ephemeral token)"
        case .vertexAI(let project, let location, _): kind = "Vertex AI (project \(project), \(location))"
        case .vertexAIExpress: kind = "Vertex AI express (API key)"
        }
        return "LiveClient(\(kind)" + (endpoint.map { ", endpoint \(redactedURL($0))" } ?? "") + ")"
    }
}

extension LiveClient.Backend: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// The kind of backend, never its credentials.
    public var description: String {
        switch self {
        case .geminiAPI: "geminiAPI(apiKey: <redacted>)"
        case .ephemeralToken: "ephemeralToken(<redacted>)"
        case .vertexAI(let project, let location, _): "vertexAI(project: \(project), location: \(location), accessToken: <provider>)"
        case .vertexAIExpress: "vertexAIExpress(apiKey: <redacted>)"
        }
    }

    /// The text form.
    public var debugDescription: String { description }

    /// `dump()` and debuggers see the redacted description only.
    public var customMirror: Mirror { Mirror(self, children: ["backend": description]) }
}

extension LiveClient: CustomReflectable {
    /// `dump(client)` shows no credentials.
    public var customMirror: Mirror {
        Mirror(self, children: ["backend": backend.description, "endpoint": endpoint.map(redactedURL) as Any,
                                "caFile": caFile as Any, "apiVersion": apiVersion as Any,
                                "quotaProject": quotaProject as Any, "extraHeaders": extraHeaders.map(\.name)])
    }
}

/// Timeouts and size limits of a ``LiveClient``.
public struct LiveClientOptions: Sendable {
    /// TCP + TLS + WebSocket upgrade.
    public var connectTimeout: Duration = .seconds(10)
    /// From sending `setup` to receiving `setupComplete` (the reference SDK waits forever; a daemon cannot).
    public var setupTimeout: Duration = .seconds(15)
    /// Largest server message accepted (the reference client's default is 1 MiB).
    public var maxMessageSize: Int = 1 << 20
    /// Sent as `User-Agent` and in `x-goog-api-client`.
    public var userAgent: String = "livevoiced/0.1"

    /// The defaults above.
    public init() {}
}

/// The Live API namespace of a client (`client.aio.live`).
public struct AsyncLive: Sendable {
    /// The client whose backend and transport it uses.
    public let client: LiveClient

    /// Opens a session: connects, sends `setup` built from `config`, and returns once the server answered
    /// `setupComplete` (or throws: a close with the server's code and reason, a refused upgrade, a timeout).
    ///
    /// Checked before connecting, as the SDK checks: the model name (no `..`, `?` or `&`), and
    /// `sessionResumption.transparent` only on Vertex AI.
    ///
    /// - Parameter model: a model id (``LiveModels/defaultModel``), `publisher/model` on Vertex AI, or a full
    ///   resource name.
    public func connect(model: String = LiveModels.defaultModel,
                        config: LiveConnectConfig = LiveConnectConfig()) async throws(LiveError) -> LiveSession {
        let endpoint = try client.endpointURL()
        let normalizedModel = try client.normalizedModel(model)
        try client.check(config)
        var setupConfig = config
        if case .vertexAI = client.backend, setupConfig.mergedGenerationConfig()?.responseModalities == nil {
            // Vertex AI with OAuth needs an explicit modality; the SDK injects AUDIO the same way.
            setupConfig.responseModalities = [.audio]
        }
        let setup = LiveClientSetup(model: normalizedModel, config: setupConfig)
        let request = LiveTransportRequest(
            url: endpoint, headers: try await client.headers(), caFile: client.caFile,
            connectTimeout: client.options.connectTimeout, maxMessageSize: client.options.maxMessageSize,
            userAgent: client.options.userAgent)
        client.warnAboutKnownRefusals(model: normalizedModel, config: setupConfig)
        client.logger.debug("connecting to \(redactedURL(endpoint)) for \(normalizedModel)")
        let transport = try await client.connector.connect(request, logger: client.logger)
        return try await LiveSession.open(transport: transport, setup: setup, client: client)
    }
}

extension LiveClient {
    static let googleGeminiHost = "wss://generativelanguage.googleapis.com"

    var defaultAPIVersion: String {
        switch backend {
        case .geminiAPI: "v1beta"
        case .ephemeralToken: "v1alpha"
        case .vertexAI, .vertexAIExpress: "v1beta1"
        }
    }

    /// The path of the BidiGenerateContent method for this backend (single slash, as in Google's docs).
    var methodPath: String {
        let version = apiVersion ?? defaultAPIVersion
        switch backend {
        case .geminiAPI:
            return "/ws/google.ai.generativelanguage.\(version).GenerativeService.BidiGenerateContent"
        case .ephemeralToken:
            return "/ws/google.ai.generativelanguage.\(version).GenerativeService.BidiGenerateContentConstrained"
        case .vertexAI, .vertexAIExpress:
            return "/ws/google.cloud.aiplatform.\(version).LlmBidiService/BidiGenerateContent"
        }
    }

    var defaultHost: String {
        switch backend {
        case .geminiAPI, .ephemeralToken: return Self.googleGeminiHost
        case .vertexAI(_, let location, _):
            return location == "global" ? "wss://aiplatform.googleapis.com" : "wss://\(location)-aiplatform.googleapis.com"
        case .vertexAIExpress: return "wss://aiplatform.googleapis.com"
        }
    }

    /// The full WebSocket URL, after checking an endpoint override.
    func endpointURL() throws(LiveError) -> String {
        guard let endpoint, !endpoint.isEmpty else { return defaultHost + methodPath }
        let parsed = try EndpointURL(endpoint)
        return parsed.hasPath ? endpoint : parsed.base + methodPath
    }

    func normalizedModel(_ model: String) throws(LiveError) -> String {
        let trimmed = model.trimmedWhitespace
        guard !trimmed.isEmpty else {
            throw LiveError(.configuration, "no model name given (for example \(LiveModels.defaultModel))")
        }
        if trimmed.contains("..") || trimmed.contains("?") || trimmed.contains("&") {
            throw LiveError(.configuration,
                            "invalid model name '\(trimmed.escapingControlCharacters())': it may not contain '..', '?' or '&' (for example \(LiveModels.defaultModel))")
        }
        switch backend {
        case .geminiAPI, .ephemeralToken:
            if trimmed.hasPrefix("models/") || trimmed.hasPrefix("tunedModels/") { return trimmed }
            return "models/" + trimmed
        case .vertexAI(let project, let location, _):
            if trimmed.hasPrefix("projects/") { return trimmed }
            return "projects/\(project)/locations/\(location)/" + Self.vertexPublisherModel(trimmed)
        case .vertexAIExpress:
            if trimmed.hasPrefix("projects/") { return trimmed }
            return Self.vertexPublisherModel(trimmed)
        }
    }

    /// `publishers/{publisher}/models/{id}` from an id (Google's), `publisher/id` (as the SDK maps it),
    /// `models/id` or a name that already is one.
    static func vertexPublisherModel(_ model: String) -> String {
        if model.hasPrefix("publishers/") { return model }
        let id = model.hasPrefix("models/") ? String(model.dropFirst("models/".count)) : model
        if let slash = id.firstIndex(of: "/") {
            return "publishers/\(id[..<slash])/models/\(id[id.index(after: slash)...])"
        }
        return "publishers/google/models/" + id
    }

    /// Warns (the server has the last word) about what the model table says will be refused.
    func warnAboutKnownRefusals(model: String, config: LiveConnectConfig) {
        if case .geminiAPI = backend, apiVersion == "v1" {
            logger.warning("the Gemini API does not serve the Live API on v1 (the SDK's own tests say so): use v1beta")
        }
        let capabilities = LiveModels.capabilities(for: model)
        guard capabilities.isKnown else { return }
        let generation = config.mergedGenerationConfig()
        if generation?.thinkingConfig != nil, !capabilities.acceptsThinkingConfig {
            logger.warning("\(capabilities.id) does not take thinkingConfig; the server may refuse the setup: leave it unset")
        }
        if generation?.responseModalities?.contains(.text) == true, capabilities.refusesTextOutput {
            logger.warning("\(capabilities.id) answers only in audio; ask for AUDIO with outputAudioTranscription, or use \(LiveModels.textCapableModel)")
        }
        if case .shutDown(let date) = capabilities.lifecycle {
            logger.warning("\(capabilities.id) was shut down on \(date); use \(LiveModels.defaultModel)")
        }
    }

    /// What the SDK refuses before connecting.
    func check(_ config: LiveConnectConfig) throws(LiveError) {
        switch backend {
        case .geminiAPI, .ephemeralToken:
            if config.sessionResumption?.transparent != nil {
                throw LiveError(.configuration,
                                "sessionResumption.transparent is only supported on Vertex AI, not on the Gemini API: leave it unset")
            }
        case .vertexAI, .vertexAIExpress:
            break
        }
    }

    /// Request headers, credentials included (PROTOCOL.md §1).
    func headers() async throws(LiveError) -> [(name: String, value: String)] {
        var headers: [(name: String, value: String)] = [
            ("Content-Type", "application/json"),
            ("x-goog-api-client", "\(options.userAgent) gl-swift/6"),
        ]
        switch backend {
        case .geminiAPI(let key), .vertexAIExpress(let key):
            guard !key.isEmpty else {
                throw LiveError(.configuration, "the API key is empty: set GEMINI_API_KEY or pass a key file")
            }
            headers.append(("x-goog-api-key", key))
        case .ephemeralToken(let token):
            headers.append(("Authorization", "Token \(token)"))
            headers.append(("x-goog-api-key", token))
        case .vertexAI(_, _, let provider):
            // An Authorization among the extra headers replaces the bearer token (the SDK does the same).
            if !extraHeaders.contains(where: { $0.name.lowercased() == "authorization" }) {
                let token: String
                do {
                    token = try await provider()
                } catch {
                    throw LiveError(.configuration, "could not get a Vertex AI access token: \(error)")
                }
                guard !token.isEmpty else { throw LiveError(.configuration, "the Vertex AI access token is empty") }
                headers.append(("Authorization", "Bearer \(token)"))
            }
            if let quotaProject, !quotaProject.isEmpty {
                try Self.checkHeader(name: "x-goog-user-project", value: quotaProject)
                headers.append(("x-goog-user-project", quotaProject))
            }
        }
        for extra in extraHeaders {
            try Self.checkHeader(name: extra.name, value: extra.value)
            headers.removeAll { $0.name.lowercased() == extra.name.lowercased() }
            headers.append(extra)
        }
        return headers
    }

    /// A header name must be an HTTP token; a value may not break the request's lines.
    static func checkHeader(name: String, value: String) throws(LiveError) {
        let tokenCharacters = Set("!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
        guard !name.isEmpty, name.allSatisfy(tokenCharacters.contains) else {
            throw LiveError(.configuration, "header name '\(name.escapingControlCharacters())' is not a valid HTTP header name")
        }
        guard !value.unicodeScalars.contains(where: { $0.value < 0x20 && $0 != "\t" || $0.value == 0x7F }) else {
            // The value may be a secret: name only.
            throw LiveError(.configuration, "the value of header '\(name)' contains a line break or control character")
        }
    }
}

/// A checked endpoint override.
struct EndpointURL {
    let base: String
    let hasPath: Bool

    init(_ text: String) throws(LiveError) {
        let lower = text.lowercased()
        let isPlain: Bool
        let rest: Substring
        if lower.hasPrefix("wss://") {
            isPlain = false
            rest = text.dropFirst(6)
        } else if lower.hasPrefix("ws://") {
            isPlain = true
            rest = text.dropFirst(5)
        } else {
            throw LiveError(.configuration, "endpoint '\(redactedURL(text))' must start with wss:// (or ws:// for a loopback address)")
        }
        let authority = rest.prefix(while: { $0 != "/" && $0 != "?" })
        let host = Self.host(of: authority)
        guard !host.isEmpty else { throw LiveError(.configuration, "endpoint '\(redactedURL(text))' has no host") }
        if isPlain && !Self.isLoopback(host) {
            throw LiveError(.configuration,
                            "refusing unencrypted ws:// to '\(host)': plain WebSocket is only allowed to loopback (127.0.0.1, ::1, localhost); use wss://")
        }
        let path = rest.dropFirst(authority.count)
        hasPath = !(path.isEmpty || path == "/")
        base = String(text.prefix(text.count - path.count)).trimmingSuffix("/")
    }

    static func host(of authority: Substring) -> String {
        var hostPort = authority
        if let at = hostPort.lastIndex(of: "@") { hostPort = hostPort[hostPort.index(after: at)...] }
        if hostPort.hasPrefix("[") {
            return String(hostPort.dropFirst().prefix(while: { $0 != "]" })).lowercased()
        }
        return String(hostPort.prefix(while: { $0 != ":" })).lowercased()
    }

    static func isLoopback(_ host: String) -> Bool {
        if host == "localhost" || host == "::1" { return true }
        let octets = host.split(separator: ".")
        return octets.count == 4 && octets[0] == "127" && octets.allSatisfy { UInt8($0) != nil }
    }
}

extension String {
    func trimmingSuffix(_ suffix: String) -> String {
        var result = self
        while result.hasSuffix(suffix) { result.removeLast(suffix.count) }
        return result
    }

    /// The string without leading and trailing white space.
    var trimmedWhitespace: String {
        var scalars = Substring(self)
        while let first = scalars.first, first.isWhitespace { scalars.removeFirst() }
        while let last = scalars.last, last.isWhitespace { scalars.removeLast() }
        return String(scalars)
    }
}
