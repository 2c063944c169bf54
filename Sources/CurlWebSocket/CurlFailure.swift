// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// What libcurl said when a call failed: its code, the text it left in the error buffer and the socket
/// `errno`. Turned here into errors that say what happened ("the server reset the connection") instead of
/// libcurl's generic code text ("Failure when receiving data from the peer", or for a connection libcurl
/// already dropped, "A libcurl function was given a bad argument").
struct CurlFailure {
    var code: CurlCode
    /// libcurl's error-buffer text; empty when it left none.
    var detail: String
    var osErrno: Int32

    /// libcurl's text when there is one, else the code's own.
    var explanation: String { detail.isEmpty ? code.description : "\(printable(detail, limit: 200)) (curl \(code.rawValue))" }

    private var wasReset: Bool { osErrno == ECONNRESET || detail.lowercased().contains("reset by peer") }

    // MARK: Before the upgrade completed

    /// How far the upgrade got before it failed.
    enum Stage {
        /// For wss, libcurl's connect phase includes TLS and records no time until both are done, so a
        /// stall in either reads the same.
        case tcpConnect, tcpConnectOrTLSHandshake, waitingForResponse, readingResponse

        var text: String {
            switch self {
            case .tcpConnect: "during the TCP connect"
            case .tcpConnectOrTLSHandshake: "during the TCP connect or the TLS handshake"
            case .waitingForResponse: "waiting for the upgrade response"
            case .readingResponse: "reading the upgrade response"
            }
        }
    }

    /// The error for a failed `curl_easy_perform` of the upgrade to `server`.
    func upgradeError(server: String, stage: Stage, response: UpgradeResponse, httpStatus: Int, timeout: Duration) -> WebSocketError {
        func connect(_ text: String) -> WebSocketError { WebSocketError(.connectFailed, text, curlCode: code) }
        func invalid(_ text: String) -> WebSocketError { WebSocketError(.handshakeInvalid, text, curlCode: code) }
        switch code {
        case .caCertBadFile:
            // Not the server's fault: the CA bundle itself could not be loaded (missing ca-certificates, or
            // a --ca-file that is not a readable PEM file), so no server could ever verify.
            return WebSocketError(
                .tlsVerification,
                "cannot load the CA certificates to verify \(server): \(explanation). Install the ca-certificates package for public servers, or pass a readable PEM file with --ca-file; verification is never disabled.",
                curlCode: code)
        case .peerFailedVerification:
            return WebSocketError(
                .tlsVerification,
                "TLS certificate of \(server) did not verify: \(explanation). Pass the server's CA with --ca-file if it uses a private CA; verification is never disabled.",
                curlCode: code)
        case .timedOut:
            return WebSocketError(.handshakeTimeout, "connecting to \(server) timed out after \(timeout) \(stage.text): \(explanation)",
                                  curlCode: code)
        case .sslConnectError:
            return connect(wasReset ? "\(server) reset the connection during the TLS handshake: \(explanation)"
                           : "the TLS handshake with \(server) failed: \(explanation)")
        case .couldNotResolveHost:
            return connect("cannot resolve the host of \(server): \(explanation)")
        case .couldNotConnect:
            return connect("cannot connect to \(server): \(explanation)")
        case .gotNothing:
            return connect("\(server) closed the connection before the WebSocket upgrade completed (no HTTP response)")
        case .recvError, .sendError:
            if detail.contains("Too large response headers") {
                return invalid("\(server) sent more response headers than libcurl accepts (\(explanation)): not a WebSocket upgrade")
            }
            if wasReset { return connect("\(server) reset the connection before the WebSocket upgrade completed") }
            return connect("the connection to \(server) failed before the WebSocket upgrade completed: \(explanation)")
        case .writeError where response.overflowed:
            return invalid("\(server) sent more than \(UpgradeResponse.byteLimit / 1024) KiB or \(UpgradeResponse.fieldLimit) lines of "
                           + "response headers to the upgrade request: not a WebSocket upgrade")
        case .tooLarge:
            return invalid("\(server) sent response headers with a line longer than libcurl accepts (\(explanation)): not a WebSocket upgrade")
        case .weirdServerReply:
            return invalid("\(server) answered with a response that is not valid HTTP/1.1 for an upgrade (\(explanation))")
        case .unsupportedProtocol where detail.contains("HTTP") || detail.contains("response code"):
            return invalid("\(server) answered with something that is not HTTP (\(explanation))")
        case .unsupportedProtocol:
            return WebSocketError(.unsupported, "libcurl refused \(server): \(explanation)", curlCode: code)
        default:
            if httpStatus != 0 && httpStatus != 101 {
                return WebSocketError(.handshakeRejected, "server refused the WebSocket upgrade at \(server) with HTTP \(httpStatus)",
                                      httpStatus: httpStatus, curlCode: code)
            }
            return connect("cannot connect to \(server): \(explanation)")
        }
    }

    // MARK: After the upgrade

    /// What a failed `curl_ws_recv`/`curl_ws_send` on an open connection means.
    enum SessionOutcome {
        /// The peer broke the framing rules (libcurl's decoder refused a frame); the socket still works, so
        /// the connection is closed with 1002. The text names the problem.
        case framingError(String)
        /// The connection is gone.
        case lost(WebSocketError)
    }

    /// Classifies a failure on the open connection. libcurl reports framing errors as `CURLE_RECV_ERROR`
    /// with a `[WS]` text (lib/ws.c), and a dead connection as 52, 55 or 56, or as 43 when it has already
    /// dropped the connection from its pool.
    func sessionOutcome(whileSending: Bool) -> SessionOutcome {
        if code == .recvError, detail.hasPrefix("[WS]") { return .framingError(Self.framingProblem(detail)) }
        let text: String
        switch code {
        case .gotNothing:
            text = "the server closed the connection without a WebSocket close frame"
        case .recvError, .sendError:
            if wasReset {
                text = "the server reset the connection (TCP RST) without a WebSocket close frame"
            } else if osErrno == EPIPE {
                text = "the server closed the connection while a message was being sent"
            } else if detail.lowercased().contains("eof") {
                // OpenSSL's "unexpected eof while reading": TCP closed with no TLS close_notify either.
                text = "the server closed the connection without a WebSocket close frame (TLS: \(explanation))"
            } else if detail.contains("SSL") || detail.contains("TLS") {
                text = "the TLS connection failed: \(explanation)"
            } else {
                text = (whileSending ? "sending failed: " : "receiving failed: ") + explanation
            }
        case .badFunctionArgument:
            text = "libcurl no longer has the connection (the server closed or reset it right after the upgrade)"
        default:
            text = (whileSending ? "sending failed: " : "receiving failed: ") + explanation
        }
        return .lost(WebSocketError(.connectionLost, "connection lost: " + text, closeCode: 1006, curlCode: code))
    }

    /// libcurl 8.14's decoder texts, said as what the server did wrong.
    static func framingProblem(_ detail: String) -> String {
        let known: [(String, String)] = [
            ("invalid reserved bits", "a frame with reserved bits set, although no extension was negotiated"),
            ("invalid opcode", "a frame with a reserved opcode"),
            ("masked input frame", "a masked frame (a server must not mask its frames)"),
            ("frame is too big", "a control frame longer than 125 bytes"),
            ("invalid fragmented", "a fragmented control frame (a CLOSE, PING or PONG without FIN)"),
            ("longer than 64 signed", "a frame length of 2^63 bytes or more (the top bit of a 64-bit length must be 0)"),
            ("no ongoing fragmented message", "a continuation frame with no fragmented message to continue"),
            ("fragmented message interrupted", "a new data frame in the middle of a fragmented message"),
        ]
        let name = known.first { detail.contains($0.0) }?.1 ?? "a frame libcurl could not decode"
        return "\(name) (libcurl: \(printable(detail, limit: 120)))"
    }
}
