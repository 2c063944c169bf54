// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

/// Text that came from the peer (a close reason, a header value), made safe to put into an error message
/// that ends up on a terminal or in the journal: control characters (C0, DEL, C1: newlines that would forge
/// a log line, escape sequences a terminal acts on) are written as `\u{…}`, and it is cut to `limit`
/// characters.
func printable(_ text: String, limit: Int = 123) -> String {
    var output = ""
    var count = 0
    for scalar in text.unicodeScalars {
        if count == limit {
            output += "…"
            break
        }
        if scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value) {
            output += "\\u{" + String(scalar.value, radix: 16) + "}"
        } else {
            output.unicodeScalars.append(scalar)
        }
        count += 1
    }
    return output
}

extension StringProtocol {
    /// The text without leading and trailing spaces and tabs (optional whitespace around an HTTP header
    /// value or list element, RFC 9110 §5.6.3).
    var trimmingSpaces: String {
        var slice = Substring(self)
        while let first = slice.first, first == " " || first == "\t" { slice.removeFirst() }
        while let last = slice.last, last == " " || last == "\t" { slice.removeLast() }
        return String(slice)
    }
}
