// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

import Conversation
import GeminiLive

extension SessionFailure {
    /// Sorts a Live API failure the way the controller decides: retry (with backoff), stop for the user
    /// (key, quota, configuration), or start afresh (a 1007 refusal, which with a handle means a stale
    /// handle). The message is the client's, which never holds the key.
    init(_ error: LiveError) {
        let reason = (error.closeReason ?? "") + " " + error.message
        let lower = reason.lowercased()
        let category: Category
        if Self.mentionsQuota(lower) {
            category = .quota
        } else if Self.mentionsKey(lower) || error.httpStatus == 401 || error.httpStatus == 403 {
            category = .authentication
        } else if error.closeCode == 1008 {
            // Policy violation: the key, or a model this key may not use.
            category = lower.contains("model") ? .configuration : .authentication
        } else if error.closeCode == 1007 {
            category = .invalidRequest
        } else if error.kind == .configuration || error.kind == .unsupported || error.kind == .tls
            || error.kind == .invalidArgument
        {
            category = error.kind == .tls ? .retryable : .configuration
        } else if let status = error.httpStatus, (400..<500).contains(status), status != 429, status != 408 {
            category = .configuration
        } else {
            category = .retryable
        }
        self.init(category, closeCode: error.closeCode, message: error.message)
    }

    private static func mentionsQuota(_ text: String) -> Bool {
        ["quota", "resource_exhausted", "resource exhausted", "billing", "credits", "exceeded your current"]
            .contains { text.contains($0) }
    }

    private static func mentionsKey(_ text: String) -> Bool {
        ["api key", "api_key", "apikey", "permission denied", "unauthenticated", "unauthorized"]
            .contains { text.contains($0) }
    }
}
