// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

internal import CCurl
import Time
import Log
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The network thread's body: connect, then move frames between libcurl and the ``Core`` queues until
/// the connection ends. Everything here runs on that one thread; the libcurl handle never leaves it.
struct ConnectionLoop: Sendable {
    let core: Core
    let url: String
    let options: WebSocketOptions
    let logger: Logger

    /// Size of the buffer handed to `curl_ws_recv`; a frame arrives in pieces no larger than this.
    static let receiveChunkSize = 64 << 10

    func run() {
        let easy: CurlEasy
        do {
            easy = try connect()
        } catch {
            core.connectFinished(.failure(error))
            return
        }
        guard let socket = easy.activeSocket else {
            core.connectFinished(.failure(WebSocketError(.connectFailed, "no socket after the WebSocket upgrade")))
            return
        }
        core.networkThreadStarted()
        core.connectFinished(.success(()))
        logger.debug("connected to \(redactedURL(url))")
        var session = ConnectionSession(core: core, easy: easy, socket: socket, options: options, logger: logger)
        let error = session.run()
        if let error {
            logger.debug("connection ended: \(error.message)")
        } else {
            logger.debug("connection closed")
        }
        core.finish(error: error)
    }

    private func connect() throws(WebSocketError) -> CurlEasy {
        let headers = try RequestHeaders(options.headers)
        let key = HandshakeKey()
        let easy = try CurlEasy()
        let timeout = max(1, Int(options.connectTimeout.milliseconds))
        try easy.set(CURLOPT_URL, url)
        try easy.set(CURLOPT_CONNECT_ONLY, 2)  // 2: stop after the WebSocket upgrade
        try easy.set(CURLOPT_PROTOCOLS_STR, "ws,wss")
        try easy.set(CURLOPT_NOSIGNAL, 1)
        try easy.set(CURLOPT_CONNECTTIMEOUT_MS, timeout)
        try easy.set(CURLOPT_TIMEOUT_MS, timeout)  // bounds the handshake only, not the session
        try easy.set(CURLOPT_SSL_VERIFYPEER, 1)
        try easy.set(CURLOPT_SSL_VERIFYHOST, 2)
        try easy.set(CURLOPT_USERAGENT, options.userAgent)
        // Pings are answered by the session loop, which finishes a half-sent frame first; libcurl's own
        // answer (from inside curl_ws_recv) breaks such a frame and spins when the socket is full.
        try easy.set(CURLOPT_WS_OPTIONS, Int(CURLWS_NOAUTOPONG))
        if let caFile = options.caFile { try easy.set(CURLOPT_CAINFO, caFile) }
        // Our own key: libcurl then sends no key of its own, and the answer can be checked against it.
        try easy.setHeaders(headers.lines + ["Sec-WebSocket-Key: \(key.value)"])

        let code = easy.perform()
        let server = redactedURL(url)
        let response = easy.upgradeResponse
        guard code == .ok else {
            let failure = CurlFailure(code: code, detail: easy.lastErrorText, osErrno: easy.osErrno)
            let stage: CurlFailure.Stage
            if !easy.connected {
                stage = url.lowercased().hasPrefix("wss:") ? .tcpConnectOrTLSHandshake : .tcpConnect
            } else {
                stage = response.statusLine == nil ? .waitingForResponse : .readingResponse
            }
            throw failure.upgradeError(server: server, stage: stage, response: response, httpStatus: easy.responseCode,
                                       timeout: options.connectTimeout)
        }
        guard response.statusLine != nil, easy.responseCode == 101 else {
            throw WebSocketError(.connectFailed, "\(server) closed the connection before the WebSocket upgrade completed (no HTTP response)")
        }
        try response.verify(key: key, requestedProtocols: headers.offeredProtocols, server: server)
        // libcurl keeps only the first failure text of a transfer: start the session with an empty buffer.
        easy.clearErrorText()
        return easy
    }
}
