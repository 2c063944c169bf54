// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

public import GeminiLive
public import Log

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Makes the Live API client the configuration asks for: the Gemini API with the API key, or Vertex AI
/// with a token file; an endpoint override (the local simulator, a proxy) is passed through, checked by
/// the client (plain `ws://` only to loopback).
public enum LiveClientFactory {
    /// The keep-alive the daemon uses: a ping every 20 s, and 45 s for its answer (the service has been
    /// seen answering pings only after 8–30 s, so a short timeout would drop healthy sessions).
    /// A close waits at most 800 ms for the server's answer, so the unit's stop stays within 2 s.
    public static let connector = CurlTransportConnector(
        pingInterval: .seconds(20), pongTimeout: .seconds(45), closeTimeout: .milliseconds(800))

    /// A client for `configuration`; `endpoint` and `caFile` override the file's. Without a key but with a
    /// loopback `ws://` endpoint (the local simulator), a placeholder key is used.
    public static func make(_ configuration: DaemonConfiguration, endpoint: String? = nil, caFile: String? = nil,
                            logger: Logger) throws(DaemonError) -> LiveClient {
        let live = configuration.live
        let endpoint = endpoint ?? live.endpoint
        let caFile = caFile ?? live.caFile
        if let project = live.vertexProject, let tokenFile = live.accessTokenFile {
            return LiveClient(
                vertexAI: project, location: live.vertexLocation,
                accessToken: { try APIKey.readKey(tokenFile, checkPermissions: true) },
                endpoint: endpoint, caFile: caFile, apiVersion: live.apiVersion, connector: connector, logger: logger)
        }
        let key: String
        do {
            let found = try APIKey.find(keyFile: live.apiKeyFile)
            logger.info("using the \(found)")
            key = found.value
        } catch {
            guard let endpoint, endpoint.lowercased().hasPrefix("ws://") else { throw error }
            key = "local-simulator"
        }
        return LiveClient(apiKey: key, endpoint: endpoint, caFile: caFile, apiVersion: live.apiVersion,
                          connector: connector, logger: logger)
    }
}
