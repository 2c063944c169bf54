// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

internal import CCurl

/// Owns one libcurl easy handle (`CURL *`) and everything it borrows: the header list, the error buffer
/// and the response-header collector live exactly as long as the handle.
///
/// Not `Sendable`: libcurl handles must not be used from two threads at once. One network thread creates,
/// uses and destroys it.
final class CurlEasy {
    private let handle: OpaquePointer
    private var headers: UnsafeMutablePointer<curl_slist>?
    private let errorBuffer: UnsafeMutablePointer<CChar>
    private let responseCollector = ResponseCollector()

    /// What libcurl's header callback delivered for the upgrade's response, bounded.
    final class ResponseCollector {
        var response = UpgradeResponse()
    }

    init() throws(WebSocketError) {
        CurlGlobal.initialize()
        guard let handle = curl_easy_init() else {
            throw WebSocketError(.connectFailed, "curl_easy_init failed (out of memory?)")
        }
        self.handle = OpaquePointer(handle)
        errorBuffer = .allocate(capacity: Int(CURL_ERROR_SIZE) + 1)
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
        try set(CURLOPT_ERRORBUFFER, pointer: UnsafeMutableRawPointer(errorBuffer))
        // Unretained: the collector is a stored property, so it outlives the handle that points at it.
        let collector = Unmanaged.passUnretained(responseCollector).toOpaque()
        let code = ccurl_easy_setopt_header_callback(raw, { buffer, size, count, user in
            guard let user else { return 0 }
            let length = size * count
            let collector = Unmanaged<ResponseCollector>.fromOpaque(user).takeUnretainedValue()
            // Returning less than `length` makes libcurl abort the transfer (CURLE_WRITE_ERROR).
            return collector.response.take(line: UnsafeRawBufferPointer(start: buffer, count: length)) ? length : 0
        }, collector)
        try check(code, CURLOPT_HEADERFUNCTION)
    }

    /// The upgrade's response headers (the last response's, when there were several).
    var upgradeResponse: UpgradeResponse { responseCollector.response }

    deinit {
        curl_easy_cleanup(UnsafeMutableRawPointer(handle))
        if let headers { curl_slist_free_all(headers) }
        errorBuffer.deallocate()
    }

    private var raw: UnsafeMutableRawPointer { UnsafeMutableRawPointer(handle) }

    /// - SeeAlso: https://curl.se/libcurl/c/curl_easy_setopt.html
    func set(_ option: CURLoption, _ value: Int) throws(WebSocketError) {
        try check(ccurl_easy_setopt_long(raw, option, value), option)
    }

    func set(_ option: CURLoption, _ value: String) throws(WebSocketError) {
        // libcurl copies string options (since 7.17), so the temporary C string may go away afterwards.
        let code = value.withCString { ccurl_easy_setopt_string(raw, option, $0) }
        try check(code, option)
    }

    private func set(_ option: CURLoption, pointer: UnsafeMutableRawPointer) throws(WebSocketError) {
        try check(ccurl_easy_setopt_string(raw, option, pointer.assumingMemoryBound(to: CChar.self)), option)
    }

    /// Sets `CURLOPT_HTTPHEADER`; the list is owned here until the handle is cleaned up.
    func setHeaders(_ lines: [String]) throws(WebSocketError) {
        var list: UnsafeMutablePointer<curl_slist>?
        for line in lines {
            guard let appended = curl_slist_append(list, line) else {
                if let list { curl_slist_free_all(list) }
                throw WebSocketError(.connectFailed, "curl_slist_append failed")
            }
            list = appended
        }
        if let headers { curl_slist_free_all(headers) }
        headers = list
        try check(ccurl_easy_setopt_slist(raw, CURLOPT_HTTPHEADER, list), CURLOPT_HTTPHEADER)
    }

    /// Runs the transfer; with `CURLOPT_CONNECT_ONLY` 2 that is the WebSocket upgrade.
    func perform() -> CurlCode { CurlCode(curl_easy_perform(raw)) }

    /// The text libcurl left in the error buffer, if any. libcurl writes only the first failure of a
    /// transfer there, so the connection loop clears it after the upgrade and reads it once, when the
    /// connection fails.
    var lastErrorText: String {
        let text = String(cString: errorBuffer)
        return text
    }

    /// Empties the error buffer.
    func clearErrorText() { errorBuffer[0] = 0 }

    /// The `errno` of the last failed socket call (`CURLINFO_OS_ERRNO`), 0 when there is none.
    var osErrno: Int32 {
        var value = 0
        _ = ccurl_easy_getinfo_long(raw, CURLINFO_OS_ERRNO, &value)
        return Int32(truncatingIfNeeded: value)
    }

    var responseCode: Int {
        var value = 0
        _ = ccurl_easy_getinfo_long(raw, CURLINFO_RESPONSE_CODE, &value)
        return value
    }

    /// Whether the connect phase (TCP, and TLS for wss) finished: `CURLINFO_CONNECT_TIME_T` is only
    /// recorded then.
    var connected: Bool {
        var time: curl_off_t = 0
        _ = ccurl_easy_getinfo_off_t(raw, CURLINFO_CONNECT_TIME_T, &time)
        return time > 0
    }

    /// The connected socket (`CURLINFO_ACTIVESOCKET`), for poll().
    var activeSocket: Int32? {
        var socket: curl_socket_t = -1
        guard ccurl_easy_getinfo_socket(raw, CURLINFO_ACTIVESOCKET, &socket) == CURLE_OK, socket >= 0 else {
            return nil
        }
        return socket
    }

    /// `curl_ws_send`: returns the code and how many payload bytes libcurl took.
    func wsSend(_ buffer: UnsafeRawBufferPointer, flags: UInt32) -> (CurlCode, Int) {
        var sent = 0
        let code = curl_ws_send(raw, buffer.baseAddress, buffer.count, &sent, 0, flags)
        return (CurlCode(code), sent)
    }

    /// One frame chunk received by `curl_ws_recv`.
    struct Chunk {
        var code: CurlCode
        var count: Int
        var flags: Int32
        var offset: Int64
        var bytesLeft: Int64
    }

    /// `curl_ws_recv` into `buffer`.
    func wsRecv(_ buffer: UnsafeMutableRawBufferPointer) -> Chunk {
        var received = 0
        var meta: UnsafePointer<curl_ws_frame>?
        let code = CurlCode(curl_ws_recv(raw, buffer.baseAddress, buffer.count, &received, &meta))
        guard code == .ok, let frame = meta?.pointee else {
            return Chunk(code: code, count: 0, flags: 0, offset: 0, bytesLeft: 0)
        }
        return Chunk(code: code, count: received, flags: frame.flags, offset: Int64(frame.offset), bytesLeft: Int64(frame.bytesleft))
    }

    private func check(_ code: CURLcode, _ option: CURLoption) throws(WebSocketError) {
        guard code != CURLE_OK else { return }
        throw WebSocketError(.connectFailed, "curl_easy_setopt(\(option.rawValue)) failed: \(CurlCode(code))",
                             curlCode: CurlCode(code))
    }
}

/// The ws frame flag bits (`CURLWS_*`).
enum FrameFlag {
    static let text = UInt32(CURLWS_TEXT)
    static let binary = UInt32(CURLWS_BINARY)
    static let cont = UInt32(CURLWS_CONT)
    static let close = UInt32(CURLWS_CLOSE)
    static let ping = UInt32(CURLWS_PING)
    static let pong = UInt32(CURLWS_PONG)
}
