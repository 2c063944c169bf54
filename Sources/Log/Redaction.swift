// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

/// The one place that decides what of a URL may be shown: everything but credentials.
///
/// The query (where `?key=API_KEY` may sit) becomes `?…` and user information (`user:password@`) becomes
/// `…@`; scheme, host, port and path stay, because they are what a reader needs to see where a connection
/// went. Used by every message and log line that names a URL.
public func redactedURL(_ url: String) -> String {
    var result = Substring(url)
    var query = ""
    if let question = result.firstIndex(of: "?") {
        result = result[..<question]
        query = "?…"
    }
    // User information sits between "//" and the first "@" of the authority.
    if let schemeEnd = result.firstRange(of: "//") {
        let authorityStart = schemeEnd.upperBound
        let authorityEnd = result[authorityStart...].firstIndex(where: { $0 == "/" || $0 == "#" }) ?? result.endIndex
        if let at = result[authorityStart..<authorityEnd].lastIndex(of: "@") {
            result = result[..<authorityStart] + "…" + result[at...]
        }
    }
    return String(result) + query
}
