// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

internal import CCurl

/// A libcurl result code (`CURLcode`), with Swift names for the ones this module acts on.
public struct CurlCode: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: Int32
    public init(rawValue: Int32) { self.rawValue = rawValue }

    /// `CURLE_OK`.
    public static let ok = CurlCode(rawValue: 0)
    /// `CURLE_UNSUPPORTED_PROTOCOL`: this libcurl was built without ws/wss.
    public static let unsupportedProtocol = CurlCode(rawValue: 1)
    /// `CURLE_NOT_BUILT_IN`.
    public static let notBuiltIn = CurlCode(rawValue: 4)
    /// `CURLE_COULDNT_RESOLVE_HOST`.
    public static let couldNotResolveHost = CurlCode(rawValue: 6)
    /// `CURLE_COULDNT_CONNECT`.
    public static let couldNotConnect = CurlCode(rawValue: 7)
    /// `CURLE_WEIRD_SERVER_REPLY`: the answer is not HTTP as libcurl knows it.
    public static let weirdServerReply = CurlCode(rawValue: 8)
    /// `CURLE_HTTP_RETURNED_ERROR`.
    public static let httpReturnedError = CurlCode(rawValue: 22)
    /// `CURLE_WRITE_ERROR`: a callback refused data (the header collector does, past its limits).
    public static let writeError = CurlCode(rawValue: 23)
    /// `CURLE_OPERATION_TIMEDOUT`.
    public static let timedOut = CurlCode(rawValue: 28)
    /// `CURLE_SSL_CONNECT_ERROR`.
    public static let sslConnectError = CurlCode(rawValue: 35)
    /// `CURLE_BAD_FUNCTION_ARGUMENT`: for ws, a new frame while another is half sent.
    public static let badFunctionArgument = CurlCode(rawValue: 43)
    /// `CURLE_GOT_NOTHING`: on ws, the peer closed TCP.
    public static let gotNothing = CurlCode(rawValue: 52)
    /// `CURLE_SEND_ERROR`.
    public static let sendError = CurlCode(rawValue: 55)
    /// `CURLE_RECV_ERROR`: on wss, the peer closed TCP without close_notify.
    public static let recvError = CurlCode(rawValue: 56)
    /// `CURLE_PEER_FAILED_VERIFICATION`: the server's certificate did not verify.
    public static let peerFailedVerification = CurlCode(rawValue: 60)
    /// `CURLE_SSL_CACERT_BADFILE`.
    public static let caCertBadFile = CurlCode(rawValue: 77)
    /// `CURLE_AGAIN`: nothing to read, or the socket cannot take more now.
    public static let again = CurlCode(rawValue: 81)
    /// `CURLE_TOO_LARGE`: something (a response header line) grew past libcurl's limit.
    public static let tooLarge = CurlCode(rawValue: 100)

    /// libcurl's own text for the code (`curl_easy_strerror`).
    public var description: String {
        guard let text = curl_easy_strerror(CURLcode(UInt32(bitPattern: rawValue))) else { return "curl error \(rawValue)" }
        return "\(String(cString: text)) (curl \(rawValue))"
    }

    /// The connection is gone: the peer closed TCP or the socket failed (52, 55, 56).
    var meansConnectionLost: Bool { self == .gotNothing || self == .recvError || self == .sendError }
}

extension CurlCode {
    init(_ code: CURLcode) { self.init(rawValue: Int32(bitPattern: code.rawValue)) }
}
