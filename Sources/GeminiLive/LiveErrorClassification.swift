// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

/// How a reconnect loop should treat a ``LiveError``: retry with backoff, stop because the key is refused,
/// stop because quota or billing ran out, or stop because the request itself is wrong.
///
/// Data, not code: an ordered list of ``rules``; the first that matches decides. The reasons the service
/// gives (close reasons, error objects) are matched by lower-case phrases, because the codes alone are
/// ambiguous: 1011 is both "Internal error encountered." (retry) and "You exceeded your current quota"
/// (do not), and 1007 is both a bad argument and "API key expired".
public enum LiveErrorClassification {
    /// What to do about an error.
    public enum Verdict: Sendable, Hashable {
        /// Reconnect, with backoff.
        case retry
        /// The key or token was refused: stop until the user gives a new one.
        case authenticationFailure
        /// Quota, billing or credits ran out: stop (or wait long) until the user acts.
        case quotaExhausted
        /// The request is wrong (bad argument, unknown model): retrying unchanged fails again.
        case permanent
    }

    /// One line of the table: every constraint that is set must hold.
    public struct Rule: Sendable {
        /// The verdict when the rule matches.
        public var verdict: Verdict
        /// The error's kind is one of these.
        public var kinds: Set<LiveError.Kind>
        /// The close code is one of these (nil: any, or none).
        public var closeCodes: Set<Int>?
        /// The HTTP status (or an error object's code) is one of these.
        public var httpStatuses: Set<Int>?
        /// The server's text (close reason, error status and message) contains one of these, lower case.
        public var phrases: [String]?

        /// A rule; unset constraints match anything.
        public init(_ verdict: Verdict, kinds: Set<LiveError.Kind>, closeCodes: Set<Int>? = nil,
                    httpStatuses: Set<Int>? = nil, phrases: [String]? = nil) {
            self.verdict = verdict
            self.kinds = kinds
            self.closeCodes = closeCodes
            self.httpStatuses = httpStatuses
            self.phrases = phrases
        }

        func matches(_ error: LiveError, text: String) -> Bool {
            guard kinds.contains(error.kind) else { return false }
            if let closeCodes, !(error.closeCode.map(closeCodes.contains) ?? false) { return false }
            if let httpStatuses, !(error.httpStatus.map(httpStatuses.contains) ?? false) { return false }
            if let phrases, !phrases.contains(where: text.contains) { return false }
            return true
        }
    }

    /// Phrases that mean the quota, billing or prepaid credits are used up, as the Gemini API and Vertex AI
    /// word it ("You exceeded your current quota, please check your plan and billing details",
    /// "Resource has been exhausted (e.g. check quota).", "Your prepayment credits are depleted").
    public static let quotaPhrases = [
        "quota", "billing", "credits", "resource_exhausted", "resource exhausted", "resource has been exhausted",
        "spending cap", "prepayment",
    ]

    /// Phrases that mean the credentials were refused ("API key not valid. Please pass a valid API key.",
    /// "API key expired. Please renew the API key.", "Method doesn't allow unregistered callers",
    /// "Request had invalid authentication credentials", "The caller does not have permission").
    public static let authenticationPhrases = [
        "api key", "api_key", "apikey", "unauthenticated", "authentication", "credentials", "unregistered callers",
        "permission denied", "permission_denied", "does not have permission", "access token",
    ]

    /// Status codes worth retrying on an HTTP upgrade or in an error object: timeouts, rate limits, 5xx.
    public static let retryableHTTPStatuses: Set<Int> = Set(500...599).union([408, 429])

    /// The table, checked in order.
    public static let rules: [Rule] = [
        // Quota first: its reasons may also name the API key ("consumer 'api_key:…'").
        Rule(.quotaExhausted, kinds: [.closedByServer], closeCodes: [1008, 1011, 1013], phrases: quotaPhrases),
        Rule(.quotaExhausted, kinds: [.handshakeRejected], httpStatuses: [429], phrases: quotaPhrases),
        Rule(.quotaExhausted, kinds: [.serverError], phrases: quotaPhrases),
        Rule(.authenticationFailure, kinds: [.closedByServer], closeCodes: [1007, 1008], phrases: authenticationPhrases),
        Rule(.authenticationFailure, kinds: [.handshakeRejected, .serverError], httpStatuses: [401, 403]),
        Rule(.authenticationFailure, kinds: [.serverError], phrases: authenticationPhrases),
        // Invalid argument, unknown model, policy: the same request fails again.
        Rule(.permanent, kinds: [.closedByServer], closeCodes: [1007, 1008]),
        // Anything else the server closed with (1000/1001 after goAway, 1011 internal, 1013 try again later,
        // 1012 restart) is the server's side: reconnect.
        Rule(.retry, kinds: [.closedByServer]),
        Rule(.retry, kinds: [.handshakeRejected, .serverError], httpStatuses: retryableHTTPStatuses),
        Rule(.permanent, kinds: [.serverError, .handshakeRejected], httpStatuses: Set(400...499)),
        // An error object with no code (UNAVAILABLE, INTERNAL, or nothing at all): retry, with backoff.
        Rule(.retry, kinds: [.serverError]),
        // Drops and timeouts; a malformed message is a glitch of that connection, the next starts clean.
        Rule(.retry, kinds: [.connectionLost, .timeout, .connectFailed, .messageTooBig, .protocolViolation]),
    ]

    /// The verdict of the first matching rule; ``Verdict/permanent`` when none matches (configuration,
    /// TLS, invalid arguments, a closed session, backpressure, cancellation).
    public static func verdict(for error: LiveError) -> Verdict {
        let text = error.serverText
        return rules.first { $0.matches(error, text: text) }?.verdict ?? .permanent
    }

    static func isRetryable(_ error: LiveError) -> Bool { verdict(for: error) == .retry }
    static func isAuthenticationFailure(_ error: LiveError) -> Bool { verdict(for: error) == .authenticationFailure }
    static func isQuotaExhausted(_ error: LiveError) -> Bool { verdict(for: error) == .quotaExhausted }
}
