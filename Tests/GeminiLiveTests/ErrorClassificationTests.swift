// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

@testable import GeminiLive
import Testing

/// `LiveError`'s verdicts for a reconnect loop, from errors shaped as the Gemini API and Vertex AI send them
/// (close codes and reasons as reported in the field, error objects as Google's APIs write them).
@Suite("LiveError classification")
struct ErrorClassificationTests {
    private static func closed(_ code: Int, _ reason: String) -> LiveError {
        LiveError(.closedByServer, "server closed the connection (code \(code)): \(reason)", closeCode: code, closeReason: reason)
    }

    private static func inBand(_ json: String) throws -> LiveError {
        do {
            _ = try LiveSession.decode(Array(json.utf8))
        } catch {
            return error
        }
        throw LiveError(.invalidArgument, "\(json) decoded as a message")
    }

    private typealias Verdict = LiveErrorClassification.Verdict

    private static let closes: [(LiveError, Verdict)] = [
        (closed(1011, "Internal error encountered."), .retry),
        (closed(1011, "Deadline expired before operation could complete."), .retry),
        (closed(1011, "You exceeded your current quota, please check your plan and billing details. For more information on this error, head to: https://ai.google.dev/gemini-api/docs/rate-limits."), .quotaExhausted),
        (closed(1011, "Resource has been exhausted (e.g. check quota)."), .quotaExhausted),
        (closed(1011, "Your prepayment credits are depleted. Please go to AI Studio at https://ai.studio/projects to manage your project and billing."), .quotaExhausted),
        (closed(1011, "RESOURCE_EXHAUSTED"), .quotaExhausted),
        (closed(1008, "Quota exceeded for quota metric 'Generate Content API requests per minute' and limit 'GenerateContent request limit per minute for a region' of service 'generativelanguage.googleapis.com' for consumer 'project_number:123'."), .quotaExhausted),
        (closed(1013, "Your project has exceeded its monthly spending cap."), .quotaExhausted),
        (closed(1013, "Service is temporarily unavailable, try again later."), .retry),
        (closed(1008, "API key not valid. Please pass a valid API key."), .authenticationFailure),
        (closed(1007, "API key expired. Please renew the API key."), .authenticationFailure),
        (closed(1008, "Method doesn't allow unregistered callers (callers without established identity). Please use API Key or other form of API consumer identity to call this API."), .authenticationFailure),
        (closed(1008, "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential."), .authenticationFailure),
        (closed(1008, "Permission denied on resource project my-project."), .authenticationFailure),
        (closed(1008, "The caller does not have permission"), .authenticationFailure),
        (closed(1008, "models/gemini-live-2.5-flash-preview is not found for API version v1beta, or is not supported for bidiGenerateContent."), .permanent),
        (closed(1007, "Request contains an invalid argument."), .permanent),
        (closed(1007, "Invalid JSON payload received. Unknown name \"foo\" at 'setup': Cannot find field."), .permanent),
        (closed(1000, ""), .retry),
        (closed(1001, "going away"), .retry),
        (closed(1012, "service restart"), .retry),
        (closed(4003, "something new"), .retry),
        (LiveError(.closedByServer, "closed without a code"), .retry),
    ]

    @Test("close codes and reasons as the service sends them")
    func closeReasons() {
        for (error, verdict) in Self.closes {
            #expect(LiveErrorClassification.verdict(for: error) == verdict, "\(error.closeCode ?? 0) \(error.closeReason ?? "")")
            #expect(error.isRetryable == (verdict == .retry), "\(error.closeReason ?? "")")
            #expect(error.isAuthenticationFailure == (verdict == .authenticationFailure), "\(error.closeReason ?? "")")
            #expect(error.isQuotaExhausted == (verdict == .quotaExhausted), "\(error.closeReason ?? "")")
        }
    }

    @Test("refused upgrades by HTTP status")
    func httpStatuses() {
        func rejected(_ status: Int) -> LiveError {
            LiveError(.handshakeRejected, "the server refused the WebSocket upgrade (HTTP \(status))", httpStatus: status)
        }
        for status in [401, 403] { #expect(rejected(status).isAuthenticationFailure, "\(status)") }
        for status in [408, 429, 500, 502, 503, 504] { #expect(rejected(status).isRetryable, "\(status)") }
        for status in [400, 404] {
            #expect(!rejected(status).isRetryable && !rejected(status).isAuthenticationFailure, "\(status)")
            #expect(rejected(status).isClientError)
        }
        #expect(!rejected(429).isQuotaExhausted)  // a bare 429 is a rate limit: back off and retry
    }

    @Test("in-band error objects in both of Google's shapes become typed errors")
    func inBandErrors() throws {
        let quota = try Self.inBand(#"{"error": {"code": 429, "message": "Resource has been exhausted (e.g. check quota).", "status": "RESOURCE_EXHAUSTED"}}"#)
        #expect(quota.kind == .serverError)
        #expect(quota.httpStatus == 429 && quota.serverStatus == "RESOURCE_EXHAUSTED")
        #expect(quota.message == "the server reported an error 429 (RESOURCE_EXHAUSTED): Resource has been exhausted (e.g. check quota).")
        #expect(quota.isQuotaExhausted && !quota.isRetryable)

        let auth = try Self.inBand(#"{"error": {"code": 401, "message": "Request had invalid authentication credentials.", "status": "UNAUTHENTICATED"}}"#)
        #expect(auth.isAuthenticationFailure && !auth.isRetryable)
        let denied = try Self.inBand(#"{"code": 403, "message": "The caller does not have permission", "status": "PERMISSION_DENIED"}"#)
        #expect(denied.isAuthenticationFailure)
        let unavailable = try Self.inBand(#"{"error": {"code": 503, "message": "The service is currently unavailable.", "status": "UNAVAILABLE"}}"#)
        #expect(unavailable.isRetryable)
        let internalError = try Self.inBand(#"{"error": {"message": "Internal error", "status": "INTERNAL"}}"#)
        #expect(internalError.isRetryable && internalError.httpStatus == nil)
        let badRequest = try Self.inBand(#"{"error": {"code": 400, "message": "Invalid value at 'setup.model'", "status": "INVALID_ARGUMENT"}}"#)
        #expect(!badRequest.isRetryable && badRequest.isClientError)
        let bare = try Self.inBand(#"{"error": {}}"#)
        #expect(bare.kind == .serverError && bare.isRetryable)
        // A message kind this library does not know is not an error.
        #expect(try LiveSession.decode(Array(#"{"someFutureMessage": {"code": 1}}"#.utf8)).isUnknown)
    }

    @Test("receive() throws an in-band error, closes the session, and logs nothing raw")
    func inBandErrorFromReceive() async throws {
        let (client, transport) = SessionTests.makeClient()
        let session = try await client.live.connect(model: "m")
        transport.push(#"{"serverContent": {"modelTurn": {"parts": [{"text": "partial"}]}}}"#)
        transport.push(#"{"error": {"code": 429, "message": "You exceeded your current quota.\n\u001b[2Jforged", "status": "RESOURCE_EXHAUSTED"}}"#)
        var received = 0
        do {
            for try await _ in session.receive() { received += 1 }
            Issue.record("expected a serverError")
        } catch let error as LiveError {
            #expect(error.kind == .serverError)
            #expect(error.isQuotaExhausted)
            #expect(!error.message.contains("\n") && !error.message.contains("\u{1B}"))
        }
        #expect(received == 1)
        #expect(session.isClosed)
        #expect(transport.localClose?.code == 1000)
    }

    @Test("an error object instead of setupComplete is thrown from connect")
    func inBandErrorDuringSetup() async throws {
        let (client, transport) = SessionTests.makeClient(answerSetup: false)
        transport.push(#"{"error": {"code": 403, "message": "Method doesn't allow unregistered callers.", "status": "PERMISSION_DENIED"}}"#)
        do {
            _ = try await client.live.connect(model: "m")
            Issue.record("expected a serverError")
        } catch {
            #expect(error.kind == .serverError && error.isAuthenticationFailure)
        }
        #expect(transport.localClose?.code == 1000)
    }

    @Test("the others: drops and timeouts retry; configuration, TLS, arguments, closed sessions do not")
    func kinds() {
        for kind in [LiveError.Kind.connectionLost, .timeout, .connectFailed, .messageTooBig, .protocolViolation] {
            #expect(LiveError(kind, "x").isRetryable, "\(kind)")
        }
        for kind in [LiveError.Kind.configuration, .tls, .unsupported, .invalidArgument, .sessionClosed, .backpressure, .cancelled] {
            #expect(!LiveError(kind, "x").isRetryable, "\(kind)")
            #expect(!LiveError(kind, "x").isAuthenticationFailure && !LiveError(kind, "x").isQuotaExhausted, "\(kind)")
        }
    }
}
