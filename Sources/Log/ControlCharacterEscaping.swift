// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

extension String {
    /// The text with every character that could act on a terminal or a log reader made visible, for
    /// anything from outside (server text, close reasons, file contents) before it is printed or logged.
    ///
    /// Escaped: C0 controls (NUL, BEL, ESC that starts ANSI and OSC sequences, CR that rewrites a line…) as
    /// `\n`, `\r`, `\t` or `\u{1B}`; DEL; C1 controls (U+0080–U+009F, of which U+009B is a one-byte CSI);
    /// the line and paragraph separators U+2028/U+2029; and the bidirectional overrides and isolates
    /// (U+202A–U+202E, U+2066–U+2069) that can make text read differently from what it is. Backslashes
    /// are left alone, so escaped text never grows escapes of its own on a second pass.
    ///
    /// - Parameter keepingLineBreaks: keep `\n` and `\t` as they are, for multi-line text shown to a person
    ///   (a chat reply); log lines escape them so that no message can forge a second line.
    public func escapingControlCharacters(keepingLineBreaks: Bool = false) -> String {
        // Fast path: nothing to escape (the common case) costs one scan and no allocation.
        guard utf8.contains(where: { $0 < 0x20 || $0 == 0x7F || $0 == 0xC2 || $0 == 0xE2 }) else { return self }
        var result = ""
        result.reserveCapacity(utf8.count + 16)
        for scalar in unicodeScalars {
            switch scalar.value {
            case 0x0A where keepingLineBreaks, 0x09 where keepingLineBreaks:
                result.unicodeScalars.append(scalar)
            case 0x0A: result += "\\n"
            case 0x0D: result += "\\r"
            case 0x09: result += "\\t"
            case 0x00..<0x20, 0x7F, 0x80..<0xA0, 0x2028, 0x2029, 0x202A...0x202E, 0x2066...0x2069:
                result += "\\u{" + String(scalar.value, radix: 16, uppercase: true) + "}"
            default:
                result.unicodeScalars.append(scalar)
            }
        }
        return result
    }
}
