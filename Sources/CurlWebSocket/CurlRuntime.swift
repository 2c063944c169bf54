// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

internal import CCurl

/// What the libcurl loaded at run time can do.
///
/// A binary links against Debian 12's libcurl 7.88 just as well as against 8.14, but 7.88 has no ws/wss
/// and only fails when a connection is attempted; so the daemon checks this at start-up and refuses with a
/// clear message instead.
public struct CurlRuntime: Sendable {
    /// The version string, such as `8.14.1`.
    public let version: String
    /// The version as libcurl's `version_num`: `0xXXYYZZ` for XX.YY.ZZ (8.14.1 is `0x080E01`).
    public let versionNumber: Int
    /// Every protocol this libcurl was built with (`curl_version_info()->protocols`).
    public let protocols: [String]
    /// The TLS backend's name and version (`ssl_version`), when there is one.
    public let tlsBackend: String?

    /// Reads `curl_version_info(CURLVERSION_NOW)`.
    public static var current: CurlRuntime {
        CurlGlobal.initialize()
        guard let info = ccurl_version_info_now() else {
            return CurlRuntime(version: "unknown", versionNumber: 0, protocols: [], tlsBackend: nil)
        }
        var protocols: [String] = []
        if var cursor = info.pointee.protocols {
            while let name = cursor.pointee {
                protocols.append(String(cString: name))
                cursor += 1
            }
        }
        return CurlRuntime(
            version: info.pointee.version.map { String(cString: $0) } ?? "unknown",
            versionNumber: Int(info.pointee.version_num),
            protocols: protocols,
            tlsBackend: info.pointee.ssl_version.map { String(cString: $0) })
    }

    /// A runtime description given field by field (tests use it for versions not installed here).
    init(version: String, versionNumber: Int, protocols: [String], tlsBackend: String?) {
        self.version = version
        self.versionNumber = versionNumber
        self.protocols = protocols
        self.tlsBackend = tlsBackend
    }

    /// The oldest libcurl the client works with: 8.14.0 brought `CURLWS_NOAUTOPONG`. Older versions answer
    /// pings from inside `curl_ws_recv`, which breaks a frame that is half sent and spins under a ping flood,
    /// and they ignore the option bit instead of refusing it, so the version is what tells.
    public static let minimumVersionNumber = 0x08_0E_00

    /// True when both `ws` and `wss` are compiled in.
    public var supportsWebSocket: Bool { protocols.contains("ws") && protocols.contains("wss") }

    private static let installHint = "on Debian 12 install curl, libcurl4 and libcurl4-openssl-dev from bookworm-backports "
        + "(scripts/bootstrap does this); Debian 13 / Raspberry Pi OS trixie has it."

    /// Throws a ``WebSocketError`` of kind ``WebSocketError/Kind/unsupported`` naming the fix when this
    /// libcurl cannot do WebSocket, or is older than 8.14.
    public func requireWebSocket() throws(WebSocketError) {
        guard supportsWebSocket else {
            throw WebSocketError(
                .unsupported,
                "libcurl \(version) was built without WebSocket (ws/wss) support; livevoiced needs libcurl 8.14 or "
                    + "newer with ws enabled: " + Self.installHint)
        }
        guard versionNumber >= Self.minimumVersionNumber else {
            throw WebSocketError(
                .unsupported,
                "libcurl \(version) is too old: livevoiced needs 8.14 or newer, the first with CURLWS_NOAUTOPONG "
                    + "(without it libcurl answers pings itself and breaks frames that are half sent): " + Self.installHint)
        }
    }
}

/// `curl_global_init` must run once, before any other thread uses libcurl.
enum CurlGlobal {
    private static let done: Bool = {
        curl_global_init(Int(CURL_GLOBAL_DEFAULT)) == CURLE_OK
    }()

    static func initialize() { _ = done }
}
