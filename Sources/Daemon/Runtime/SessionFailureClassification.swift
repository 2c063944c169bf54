// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

import Conversation
import GeminiLive

extension SessionFailure {
    /// Sorts a Live API failure the way the controller decides, on the client's classification
    /// (``GeminiLive/LiveError/isRetryable`` and its siblings): retry with backoff, stop for the user (key,
    /// quota, configuration), or start afresh (a refused request, which with a resumption handle means a
    /// stale handle). The message is the client's, which never holds the key.
    init(_ error: LiveError) {
        let category: Category
        let reason = ((error.closeReason ?? "") + " " + error.message).lowercased()
        if error.isQuotaExhausted {
            category = .quota
        } else if error.isAuthenticationFailure {
            category = .authentication
        } else if error.closeCode == 1007 || reason.contains("resumption") || reason.contains("handle") {
            // Checked before "retryable": a handle the server refuses is not worth a retry with the same handle.
            category = .invalidRequest
        } else if error.isRetryable {
            category = .retryable
        } else {
            category = .configuration
        }
        self.init(category, closeCode: error.closeCode, message: error.message)
    }
}
