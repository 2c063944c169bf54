// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

/// The URL paths, credentials and model names the real service accepts.
enum Endpoint {
    static let geminiVersions = ["v1", "v1beta", "v1alpha"]
    static let vertexVersions = ["v1", "v1beta1"]

    /// The API version named in `path` when it is a Live API endpoint, else `nil`. Accepts the Gemini
    /// paths (`…GenerativeService.BidiGenerateContent` and `…BidiGenerateContentConstrained`) and the
    /// Vertex path (`…LlmBidiService/BidiGenerateContent`), with one or two leading slashes.
    static func apiVersion(ofPath path: String) -> String? {
        var rest = Substring(path)
        if rest.hasPrefix("//") { rest = rest.dropFirst() }
        guard rest.hasPrefix("/ws/") else { return nil }
        rest = rest.dropFirst(4)
        for version in geminiVersions {
            let stem = "google.ai.generativelanguage.\(version).GenerativeService."
            if rest == stem + "BidiGenerateContent" || rest == stem + "BidiGenerateContentConstrained" {
                return version
            }
        }
        for version in vertexVersions where rest == "google.cloud.aiplatform.\(version).LlmBidiService/BidiGenerateContent" {
            return version
        }
        return nil
    }

    /// Whether the request carries the configured credentials (always true when none are configured).
    static func isAuthorized(
        headers: [HeaderField], queryKey: String?, configuration: SimulatorConfiguration
    ) -> Bool {
        if configuration.apiKey == nil && configuration.bearerToken == nil { return true }
        func header(_ name: String) -> String? {
            headers.first { $0.name.lowercased() == name }?.value
        }
        if let key = configuration.apiKey {
            if header("x-goog-api-key") == key || queryKey == key { return true }
        }
        if let token = configuration.bearerToken, let authorization = header("authorization") {
            let parts = authorization.split(separator: " ", maxSplits: 1)
            if parts.count == 2, parts[0].lowercased() == "bearer", parts[1] == token { return true }
        }
        return false
    }

    static let invalidKeyReason = "API key not valid. Please pass a valid API key."

    /// Whether `model` has one of the shapes the service accepts: `models/{id}`, `tunedModels/{id}`,
    /// `publishers/google/models/{id}` or `projects/{p}/locations/{l}/publishers/google/models/{id}`.
    static func isWellFormedModel(_ model: String) -> Bool {
        func hasID(after prefix: String) -> Bool {
            model.hasPrefix(prefix) && model.count > prefix.count && !model.dropFirst(prefix.count).contains("/")
        }
        if hasID(after: "models/") || hasID(after: "tunedModels/") || hasID(after: "publishers/google/models/") {
            return true
        }
        // projects/{p}/locations/{l}/publishers/google/models/{id}
        let parts = model.split(separator: "/", omittingEmptySubsequences: false)
        return parts.count == 8 && parts[0] == "projects" && parts[2] == "locations" && parts[4] == "publishers"
            && parts[5] == "google" && parts[6] == "models" && !parts[1].isEmpty && !parts[3].isEmpty
            && !parts[7].isEmpty
    }
}
