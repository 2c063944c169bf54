// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

import Log
import Testing

/// Text from outside (server replies, close reasons, config keys) must not drive the terminal or forge log lines.
@Suite("Control characters in printed and logged text")
struct EscapingTests {
    @Test("ANSI and OSC escapes, C1 controls, BEL, NUL, CR and newlines are made visible")
    func escapes() {
        let hostile = "ok\u{1B}[31mred\u{1B}]0;title\u{07} \u{9B}2J \u{00}nul\r\nwarning forged: line\tend\u{7F}"
        let escaped = hostile.escapingControlCharacters()
        #expect(escaped == #"ok\u{1B}[31mred\u{1B}]0;title\u{7} \u{9B}2J \u{0}nul\r\nwarning forged: line\tend\u{7F}"#)
        #expect(!escaped.unicodeScalars.contains { $0.value < 0x20 || (0x7F..<0xA0).contains($0.value) })
    }

    @Test("line and paragraph separators and bidirectional overrides are escaped; other text is untouched")
    func unicode() {
        #expect("a\u{2028}b\u{2029}c\u{202E}d\u{2066}e".escapingControlCharacters() == #"a\u{2028}b\u{2029}c\u{202E}d\u{2066}e"#)
        let plain = "Grüße, 日本語, emoji 😀, \\n stays a backslash and an n, é"
        #expect(plain.escapingControlCharacters() == plain)
        #expect("".escapingControlCharacters() == "")
    }

    @Test("keeping line breaks leaves newlines and tabs for multi-line text shown to a person")
    func keepingLineBreaks() {
        #expect("line one\n\tline two\r\u{1B}[2J".escapingControlCharacters(keepingLineBreaks: true)
            == "line one\n\tline two\\r\\u{1B}[2J")
    }

    @Test("escaping twice changes nothing more")
    func idempotent() {
        let once = "a\nb\u{1B}c\u{85}".escapingControlCharacters()
        #expect(once.escapingControlCharacters() == once)
    }

    @Test("the standard error handler writes one line per record, whatever the message holds")
    func oneLinePerRecord() {
        for style in [StandardErrorLogHandler.Style.terminal, .journald] {
            let handler = StandardErrorLogHandler(style: style)
            let line = handler.line(level: .warning, label: "live\nfake",
                                    message: "server closed (1011): Internal\n<3>live: forged critical line\u{1B}[2J")
            #expect(line.filter { $0 == "\n" }.count == 1, "\(style)")
            #expect(line.hasSuffix("\n"))
            // Computed outside #expect: Swift 6.0.3's macro misreads this closure inside a negation.
            let body = String(line.dropLast())
            let rawControls = body.unicodeScalars.filter { $0.value < 0x20 }.count
            #expect(rawControls == 0, "\(style): \(body)")
            #expect(line.contains(#"Internal\n<3>live: forged critical line\u{1B}[2J"#))
        }
        #expect(StandardErrorLogHandler(style: .journald).line(level: .error, label: "live", message: "x") == "<3>live: x\n")
        #expect(StandardErrorLogHandler(style: .terminal).line(level: .error, label: "live", message: "x") == "error live: x\n")
    }
}
