// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

import Log

/// Text that came from the peer (a close reason, a header value), made safe to put into an error message
/// that ends up on a terminal or in the journal: cut to `limit` characters, then escaped the one way the
/// project escapes outside text (`String.escapingControlCharacters`, in Log).
func printable(_ text: String, limit: Int = 123) -> String {
    let scalars = text.unicodeScalars
    guard scalars.count > limit else { return text.escapingControlCharacters() }
    var cut = String.UnicodeScalarView()
    cut.append(contentsOf: scalars.prefix(limit))
    return (String(cut) + "…").escapingControlCharacters()
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
