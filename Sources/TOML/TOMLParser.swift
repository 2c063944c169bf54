// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

/// A TOML syntax error: where it happened and what was expected there.
public struct TOMLSyntaxError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The 1-based line of the offending character.
    public var line: Int
    /// The 1-based column of the offending character.
    public var column: Int
    /// What is wrong and what was expected ("expected '=' after the key \"name\", found 'x'").
    public var message: String

    /// An error at `position`.
    public init(_ message: String, at position: SourcePosition) {
        self.line = position.line
        self.column = position.column
        self.message = message
    }

    /// `line L, column C: message`.
    public var description: String { "line \(line), column \(column): \(message)" }
}

// MARK: - The tree under construction

/// A table while the document is being read; it remembers how it was made, because TOML's rules on
/// redefining a table depend on that.
private final class BuildTable {
    enum Origin {
        /// Created as the parent of a `[a.b]` header; may still get its own header once.
        case implicit
        /// Defined by its own `[header]` (or the root).
        case header
        /// Created by a dotted key (`a.b = 1`); closed to headers.
        case dotted
    }

    var origin: Origin
    var position: SourcePosition
    /// How many tables and arrays enclose it (the root is 0), for the nesting limit.
    let depth: Int
    var keys: [String] = []
    var nodes: [String: BuildNode] = [:]
    var keyPositions: [String: SourcePosition] = [:]

    init(origin: Origin, position: SourcePosition, depth: Int) {
        self.origin = origin
        self.position = position
        self.depth = depth
    }

    func add(_ key: String, _ node: BuildNode, at position: SourcePosition) {
        keys.append(key)
        nodes[key] = node
        keyPositions[key] = position
    }

    func freeze() -> TOMLTable {
        var table = TOMLTable()
        for key in keys {
            let value: TOMLValue
            switch nodes[key]! {
            case .value(let v): value = v
            case .table(let t): value = TOMLValue(.table(t.freeze()), at: t.position)
            case .tableArray(let array):
                value = TOMLValue(
                    .array(array.tables.map { TOMLValue(.table($0.freeze()), at: $0.position) }), at: array.position)
            }
            table.set(key, value, keyPosition: keyPositions[key]!)
        }
        return table
    }
}

private final class BuildTableArray {
    var tables: [BuildTable]
    let position: SourcePosition
    /// The array's own depth; its tables are one deeper.
    let depth: Int

    init(first: BuildTable, position: SourcePosition, depth: Int) {
        tables = [first]
        self.position = position
        self.depth = depth
    }
}

private enum BuildNode {
    /// A finished value: scalars, static arrays and inline tables (which are closed to additions).
    case value(TOMLValue)
    case table(BuildTable)
    case tableArray(BuildTableArray)
}

private struct KeyPart {
    var name: String
    var position: SourcePosition
}

// MARK: - The parser

/// Reads TOML 1.0 byte by byte, keeping line and column. Dates and times are refused with a clear message.
///
/// Nesting is limited to ``TOMLDocument/maximumNestingDepth`` levels of tables and arrays, whichever way
/// they are written (headers, dotted keys, arrays, inline tables): the parser, the tree and every decoder
/// above recurse once per level, so an unlimited depth would let a small file overflow the stack.
struct TOMLParser {
    private let bytes: [UInt8]
    private var index = 0
    private var line = 1
    private var column = 1

    init(text: String) {
        bytes = Array(text.utf8)
    }

    // MARK: Cursor

    private var position: SourcePosition { SourcePosition(line: line, column: column) }
    private var atEnd: Bool { index >= bytes.count }
    private var peek: UInt8? { index < bytes.count ? bytes[index] : nil }

    private func peek(_ offset: Int) -> UInt8? {
        index + offset < bytes.count ? bytes[index + offset] : nil
    }

    private mutating func advance() {
        let byte = bytes[index]
        index += 1
        if byte == ascii("\n") {
            line += 1
            column = 1
        } else if byte & 0xC0 != 0x80 {
            column += 1
        }
    }

    private func error(_ message: String, at position: SourcePosition? = nil) -> TOMLSyntaxError {
        TOMLSyntaxError(message, at: position ?? self.position)
    }

    /// The character under the cursor, for "found ..." in messages.
    private var found: String {
        guard let byte = peek else { return "the end of the file" }
        switch byte {
        case ascii("\n"): return "the end of the line"
        case ascii("\r"): return "a carriage return"
        case ascii("\t"): return "a tab"
        case 0..<0x20, 0x7F: return "control character U+\(hex(UInt32(byte)))"
        default:
            var end = index + 1
            while end < bytes.count, bytes[end] & 0xC0 == 0x80 { end += 1 }
            return "'\(String(decoding: bytes[index..<end], as: UTF8.self))'"
        }
    }

    private mutating func skipSpaces() {
        while let byte = peek, byte == ascii(" ") || byte == ascii("\t") { advance() }
    }

    private func isNewline() -> Bool {
        peek == ascii("\n") || (peek == ascii("\r") && peek(1) == ascii("\n"))
    }

    private mutating func skipNewline() {
        if peek == ascii("\r") { advance() }
        advance()
    }

    private mutating func skipComment() throws(TOMLSyntaxError) {
        advance()  // '#'
        while let byte = peek, !isNewline() {
            if isForbiddenControl(byte) {
                throw error("\(found) is not allowed in a comment")
            }
            advance()
        }
    }

    /// Spaces, newlines and comments, as allowed between array elements.
    private mutating func skipSpacesNewlinesAndComments() throws(TOMLSyntaxError) {
        while true {
            skipSpaces()
            if peek == ascii("#") {
                try skipComment()
            } else if isNewline() {
                skipNewline()
            } else {
                return
            }
        }
    }

    /// After a statement only a comment and the end of the line may follow.
    private mutating func expectEndOfLine(after what: String) throws(TOMLSyntaxError) {
        skipSpaces()
        if peek == ascii("#") { try skipComment() }
        if atEnd { return }
        guard isNewline() else {
            throw error("expected the end of the line after \(what), found \(found)")
        }
        skipNewline()
    }

    // MARK: Document

    mutating func parseDocument() throws(TOMLSyntaxError) -> TOMLTable {
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { index = 3 }  // UTF-8 byte order mark
        let root = BuildTable(origin: .header, position: SourcePosition(line: 1, column: 1), depth: 0)
        var current = root
        while true {
            skipSpaces()
            guard let byte = peek else { break }
            if byte == ascii("#") {
                try skipComment()
            } else if isNewline() {
                skipNewline()
            } else if byte == ascii("\r") {
                throw error("a carriage return must be followed by a line feed")
            } else if byte == ascii("[") {
                current = try parseHeader(root: root)
            } else {
                try parseKeyValue(into: current)
                try expectEndOfLine(after: "the value")
            }
        }
        return root.freeze()
    }

    // MARK: Headers

    private mutating func parseHeader(root: BuildTable) throws(TOMLSyntaxError) -> BuildTable {
        let start = position
        advance()
        let isArray = peek == ascii("[")
        if isArray { advance() }
        skipSpaces()
        let parts = try parseKey()
        skipSpaces()
        guard peek == ascii("]") else {
            throw error("expected '\(isArray ? "]]" : "]")' to close the table header, found \(found)")
        }
        advance()
        if isArray {
            guard peek == ascii("]") else {
                throw error("expected ']]' to close the array-of-tables header, found \(found)")
            }
            advance()
        }
        // Every part is at least one level; refuse before building anything for a huge header.
        try checkDepth(parts.count + (isArray ? 1 : 0), at: start)
        let name = Self.dotted(parts)
        let header = isArray ? "[[\(name)]]" : "[\(name)]"
        try expectEndOfLine(after: "the table header \(header)")

        var table = root
        var walked: [KeyPart] = []
        for part in parts.dropLast() {
            walked.append(part)
            switch table.nodes[part.name] {
            case nil:
                let child = BuildTable(origin: .implicit, position: start, depth: table.depth + 1)
                table.add(part.name, .table(child), at: part.position)
                table = child
            case .table(let child):
                table = child
            case .tableArray(let array):
                table = array.tables[array.tables.count - 1]
            case .value(let value):
                throw Self.notATable(Self.dotted(walked), value, at: part.position)
            }
        }
        // Arrays of tables on the way add a level each, so the real depth can exceed the part count.
        try checkDepth(table.depth + 1 + (isArray ? 1 : 0), at: start)
        let last = parts[parts.count - 1]
        let existing = table.nodes[last.name]
        if isArray {
            let element = BuildTable(origin: .header, position: start, depth: table.depth + 2)
            switch existing {
            case nil:
                table.add(
                    last.name, .tableArray(BuildTableArray(first: element, position: start, depth: table.depth + 1)),
                    at: last.position)
            case .tableArray(let array):
                array.tables.append(element)
            case .table(let other):
                throw error("\(header) conflicts with the table [\(name)] defined at line \(other.position.line)", at: start)
            case .value(let value):
                throw error(
                    "\(header) cannot add to \(name): it already has \(article(value.typeName)) value at line "
                        + "\(value.position.line)", at: start)
            }
            return element
        }
        switch existing {
        case nil:
            let child = BuildTable(origin: .header, position: start, depth: table.depth + 1)
            table.add(last.name, .table(child), at: last.position)
            return child
        case .table(let child):
            switch child.origin {
            case .implicit:
                child.origin = .header
                child.position = start
                return child
            case .header:
                throw error("table \(header) is defined twice (first at line \(child.position.line))", at: start)
            case .dotted:
                throw error(
                    "table \(header) was already defined with dotted keys at line \(child.position.line)", at: start)
            }
        case .tableArray(let array):
            throw error(
                "\(header) conflicts with the array of tables [[\(name)]] at line \(array.position.line)", at: start)
        case .value(let value):
            throw Self.notATable(name, value, at: start)
        }
    }

    /// Refuses a table or array `depth` levels below the root when that is more than the limit.
    private func checkDepth(_ depth: Int, at position: SourcePosition) throws(TOMLSyntaxError) {
        guard depth > TOMLDocument.maximumNestingDepth else { return }
        throw error(
            "too deeply nested: tables and arrays may nest at most \(TOMLDocument.maximumNestingDepth) levels deep "
                + "(headers, dotted keys, arrays and inline tables all count); flatten this part of the file",
            at: position)
    }

    private static func notATable(_ name: String, _ value: TOMLValue, at position: SourcePosition) -> TOMLSyntaxError {
        if value.tableValue != nil {
            return TOMLSyntaxError(
                "\(name) is an inline table (line \(value.position.line)), which cannot be extended", at: position)
        }
        return TOMLSyntaxError(
            "\(name) already has \(article(value.typeName)) value at line \(value.position.line); it cannot also be a table",
            at: position)
    }

    private static func dotted(_ parts: [KeyPart]) -> String {
        parts.map { quoteIfNeeded($0.name) }.joined(separator: ".")
    }

    // MARK: Keys

    private mutating func parseKey() throws(TOMLSyntaxError) -> [KeyPart] {
        var parts = [try parseSimpleKey()]
        while true {
            let save = (index, line, column)
            skipSpaces()
            guard peek == ascii(".") else {
                (index, line, column) = save
                return parts
            }
            advance()
            skipSpaces()
            parts.append(try parseSimpleKey())
        }
    }

    private mutating func parseSimpleKey() throws(TOMLSyntaxError) -> KeyPart {
        let start = position
        switch peek {
        case ascii("\""):
            if peek(1) == ascii("\""), peek(2) == ascii("\"") {
                throw error("a key cannot be a multi-line string")
            }
            return KeyPart(name: try parseBasicString(), position: start)
        case ascii("'"):
            if peek(1) == ascii("'"), peek(2) == ascii("'") {
                throw error("a key cannot be a multi-line string")
            }
            return KeyPart(name: try parseLiteralString(), position: start)
        default:
            let from = index
            while let byte = peek, isBareKeyByte(byte) { advance() }
            guard index > from else {
                throw error("expected a key (letters, digits, '_', '-' or a quoted string), found \(found)")
            }
            return KeyPart(name: String(decoding: bytes[from..<index], as: UTF8.self), position: start)
        }
    }

    // MARK: Key/value pairs

    private mutating func parseKeyValue(into table: BuildTable) throws(TOMLSyntaxError) {
        let start = position
        let parts = try parseKey()
        // A dotted key makes a table per part but the last; a container value sits one level below that.
        let valueDepth = table.depth + parts.count
        try checkDepth(valueDepth - 1, at: start)
        skipSpaces()
        guard peek == ascii("=") else {
            throw error("expected '=' after the key \(Self.dotted(parts)), found \(found)")
        }
        advance()
        skipSpaces()
        let value = try parseValue(depth: valueDepth)
        try insert(value, at: parts, into: table)
    }

    private func insert(_ value: TOMLValue, at parts: [KeyPart], into root: BuildTable) throws(TOMLSyntaxError) {
        var table = root
        var walked: [KeyPart] = []
        for part in parts.dropLast() {
            walked.append(part)
            switch table.nodes[part.name] {
            case nil:
                let child = BuildTable(origin: .dotted, position: part.position, depth: table.depth + 1)
                table.add(part.name, .table(child), at: part.position)
                table = child
            case .table(let child) where child.origin == .dotted:
                table = child
            case .table(let child):
                throw error(
                    "cannot add to the table [\(Self.dotted(walked))] with a dotted key: it was defined by a header "
                        + "at line \(child.position.line)", at: part.position)
            case .tableArray(let array):
                throw error(
                    "\(Self.dotted(walked)) is an array of tables (line \(array.position.line)); a dotted key "
                        + "cannot add to it", at: part.position)
            case .value(let existing):
                throw Self.notATable(Self.dotted(walked), existing, at: part.position)
            }
        }
        let last = parts[parts.count - 1]
        if table.nodes[last.name] != nil {
            let first = table.keyPositions[last.name]!.line
            throw error("duplicate key \(Self.dotted(parts)) (first defined at line \(first))", at: last.position)
        }
        table.add(last.name, .value(value), at: last.position)
    }

    // MARK: Values

    /// A value; `depth` is the level an array or inline table written here would have.
    private mutating func parseValue(depth: Int) throws(TOMLSyntaxError) -> TOMLValue {
        let start = position
        guard let byte = peek else {
            throw error("expected a value after '=', found the end of the file")
        }
        switch byte {
        case ascii("\""):
            if peek(1) == ascii("\""), peek(2) == ascii("\"") {
                return TOMLValue(.string(try parseMultilineBasicString()), at: start)
            }
            return TOMLValue(.string(try parseBasicString()), at: start)
        case ascii("'"):
            if peek(1) == ascii("'"), peek(2) == ascii("'") {
                return TOMLValue(.string(try parseMultilineLiteralString()), at: start)
            }
            return TOMLValue(.string(try parseLiteralString()), at: start)
        case ascii("["):
            return try parseArray(depth: depth)
        case ascii("{"):
            return try parseInlineTable(depth: depth)
        case ascii("t"), ascii("f"), ascii("i"), ascii("n"), ascii("+"), ascii("-"), ascii("0")...ascii("9"):
            return try parseScalarToken()
        default:
            if isBareKeyByte(byte) { return try parseScalarToken() }  // a bare word: say it needs quotes
            throw error(
                "expected a value (a string, number, boolean, array or inline table), found \(found)")
        }
    }

    private mutating func parseArray(depth: Int) throws(TOMLSyntaxError) -> TOMLValue {
        let start = position
        try checkDepth(depth, at: start)
        advance()
        var elements: [TOMLValue] = []
        while true {
            try skipSpacesNewlinesAndComments()
            if peek == ascii("]") {
                advance()
                return TOMLValue(.array(elements), at: start)
            }
            elements.append(try parseValue(depth: depth + 1))
            try skipSpacesNewlinesAndComments()
            if peek == ascii(",") {
                advance()
            } else if peek == ascii("]") {
                advance()
                return TOMLValue(.array(elements), at: start)
            } else {
                throw error(
                    "expected ',' or ']' after an element of the array that starts at line \(start.line), "
                        + "found \(found)")
            }
        }
    }

    private mutating func parseInlineTable(depth: Int) throws(TOMLSyntaxError) -> TOMLValue {
        let start = position
        try checkDepth(depth, at: start)
        advance()
        let table = BuildTable(origin: .header, position: start, depth: depth)
        skipSpaces()
        if peek == ascii("}") {
            advance()
            return TOMLValue(.table(table.freeze()), at: start)
        }
        while true {
            skipSpaces()
            if peek == ascii("}") {
                throw error("a trailing comma is not allowed in an inline table (TOML 1.0)")
            }
            if isNewline() {
                throw error("an inline table must be written on one line (TOML 1.0)")
            }
            try parseKeyValue(into: table)
            skipSpaces()
            if peek == ascii(",") {
                advance()
            } else if peek == ascii("}") {
                advance()
                return TOMLValue(.table(table.freeze()), at: start)
            } else if isNewline() {
                throw error("an inline table must be written on one line (TOML 1.0); expected ',' or '}'")
            } else {
                throw error("expected ',' or '}' in the inline table, found \(found)")
            }
        }
    }

    // MARK: Strings

    private mutating func parseBasicString() throws(TOMLSyntaxError) -> String {
        let start = position
        advance()
        var out: [UInt8] = []
        while true {
            guard let byte = peek, !isNewline(), byte != ascii("\n") else {
                throw error("unterminated string (started at \(start)): expected '\"' before \(found)")
            }
            if byte == ascii("\"") {
                advance()
                return String(decoding: out, as: UTF8.self)
            }
            if byte == ascii("\\") {
                try parseEscape(into: &out)
            } else if isForbiddenControl(byte) {
                throw error("\(found) is not allowed in a string; write it as an escape such as \\u0001")
            } else {
                out.append(byte)
                advance()
            }
        }
    }

    private mutating func parseMultilineBasicString() throws(TOMLSyntaxError) -> String {
        try parseMultilineString(quote: ascii("\""), kind: "multi-line string", delimiter: "'\"\"\"'", escapes: true)
    }

    private mutating func parseMultilineLiteralString() throws(TOMLSyntaxError) -> String {
        try parseMultilineString(quote: ascii("'"), kind: "multi-line literal string", delimiter: "\"'''\"", escapes: false)
    }

    /// A `"""…"""` or `'''…'''` string: the same rules for both (a newline right after the opening
    /// delimiter is dropped, up to two quotes may stand just before the closing one), except that only the
    /// basic kind has escapes and line-ending backslashes.
    private mutating func parseMultilineString(
        quote: UInt8, kind: String, delimiter: String, escapes: Bool
    ) throws(TOMLSyntaxError) -> String {
        let start = position
        advance()
        advance()
        advance()
        if isNewline() { skipNewline() }
        var out: [UInt8] = []
        while true {
            guard let byte = peek else {
                throw error("unterminated \(kind): expected \(delimiter) to close the string that starts here", at: start)
            }
            if byte == quote {
                var quotes = 0
                while peek(quotes) == quote { quotes += 1 }
                if quotes >= 3 {
                    guard quotes <= 5 else {
                        throw error("too many quotes: at most two may stand just before the closing \(delimiter)")
                    }
                    out.append(contentsOf: repeatElement(quote, count: quotes - 3))
                    for _ in 0..<quotes { advance() }
                    return String(decoding: out, as: UTF8.self)
                }
                out.append(byte)
                advance()
            } else if escapes && byte == ascii("\\") {
                // A backslash at the end of a line joins lines: it eats the newline and the spaces after it.
                var lookahead = 1
                while peek(lookahead) == ascii(" ") || peek(lookahead) == ascii("\t") { lookahead += 1 }
                if peek(lookahead) == ascii("\n") || (peek(lookahead) == ascii("\r") && peek(lookahead + 1) == ascii("\n")) {
                    advance()
                    try skipSpacesNewlinesOnly()
                } else {
                    try parseEscape(into: &out)
                }
            } else if isNewline() {
                skipNewline()
                out.append(ascii("\n"))
            } else if isForbiddenControl(byte) {
                throw error(escapes ? "\(found) is not allowed in a string; write it as an escape such as \\u0001"
                                    : "\(found) is not allowed in a literal string")
            } else {
                out.append(byte)
                advance()
            }
        }
    }

    private mutating func skipSpacesNewlinesOnly() throws(TOMLSyntaxError) {
        while true {
            skipSpaces()
            if isNewline() { skipNewline() } else { return }
        }
    }

    private mutating func parseLiteralString() throws(TOMLSyntaxError) -> String {
        let start = position
        advance()
        let from = index
        while true {
            guard let byte = peek, !isNewline(), byte != ascii("\n") else {
                throw error("unterminated literal string (started at \(start)): expected \"'\" before \(found)")
            }
            if byte == ascii("'") {
                let text = String(decoding: bytes[from..<index], as: UTF8.self)
                advance()
                return text
            }
            if isForbiddenControl(byte) {
                throw error("\(found) is not allowed in a literal string")
            }
            advance()
        }
    }

    private mutating func parseEscape(into out: inout [UInt8]) throws(TOMLSyntaxError) {
        let start = position
        advance()  // backslash
        guard let byte = peek else { throw error("unterminated escape sequence at the end of the file") }
        let simple: UInt8?
        switch byte {
        case ascii("b"): simple = 0x08
        case ascii("t"): simple = 0x09
        case ascii("n"): simple = 0x0A
        case ascii("f"): simple = 0x0C
        case ascii("r"): simple = 0x0D
        case ascii("\""): simple = ascii("\"")
        case ascii("\\"): simple = ascii("\\")
        case ascii("u"), ascii("U"): simple = nil
        default:
            throw error(
                "invalid escape sequence \\\(found.trimmingQuotes); valid escapes are \\b \\t \\n \\f \\r \\\" \\\\ "
                    + "\\uXXXX and \\UXXXXXXXX", at: start)
        }
        if let simple {
            out.append(simple)
            advance()
            return
        }
        let digits = byte == ascii("u") ? 4 : 8
        advance()
        var scalarValue: UInt32 = 0
        for _ in 0..<digits {
            guard let digit = peek.flatMap(hexDigitValue) else {
                throw error("\\\(digits == 4 ? "u" : "U") needs \(digits) hexadecimal digits, found \(found)")
            }
            scalarValue = scalarValue << 4 | UInt32(digit)
            advance()
        }
        guard let scalar = Unicode.Scalar(scalarValue) else {
            throw error("U+\(hex(scalarValue)) is not a Unicode scalar value", at: start)
        }
        out.append(contentsOf: Array(String(Character(scalar)).utf8))
    }

    // MARK: Numbers, booleans, dates

    private mutating func parseScalarToken() throws(TOMLSyntaxError) -> TOMLValue {
        let start = position
        let from = index
        while let byte = peek, isTokenByte(byte) { advance() }
        let token = String(decoding: bytes[from..<index], as: UTF8.self)
        let chars = Array(token.utf8)
        switch token {
        case "true": return TOMLValue(.boolean(true), at: start)
        case "false": return TOMLValue(.boolean(false), at: start)
        case "inf", "+inf": return TOMLValue(.float(.infinity), at: start)
        case "-inf": return TOMLValue(.float(-.infinity), at: start)
        case "nan", "+nan", "-nan": return TOMLValue(.float(.nan), at: start)
        default: break
        }
        if Self.looksLikeDateOrTime(chars) {
            throw error(
                "dates and times are not supported here (found \(token)); write the value as a string or a number",
                at: start)
        }
        if let value = try Self.integer(token, at: start) {
            return TOMLValue(.integer(value), at: start)
        }
        if let value = Self.float(chars) {
            return TOMLValue(.float(value), at: start)
        }
        if let first = chars.first, !(first == ascii("+") || first == ascii("-") || isDigit(first)) {
            throw error(
                "expected a value, found the bare word \(token); strings need quotes (\"\(token)\")", at: start)
        }
        throw error(
            "invalid number \(token): expected an integer (42, 0x2A, 0o52, 0b101010, 1_000) or a float "
                + "(3.14, 1e6, inf, nan)", at: start)
    }

    private static func looksLikeDateOrTime(_ c: [UInt8]) -> Bool {
        func digits(_ range: Range<Int>) -> Bool { range.upperBound <= c.count && c[range].allSatisfy(isDigit) }
        if digits(0..<4), c.count > 4, c[4] == ascii("-") { return true }  // 1979-05-27
        if digits(0..<2), c.count > 2, c[2] == ascii(":") { return true }  // 07:32:00
        return false
    }

    private static func integer(_ token: String, at start: SourcePosition) throws(TOMLSyntaxError) -> Int? {
        var chars = Array(token.utf8)
        if chars.count > 2, chars[0] == ascii("0"), let radix = radix(chars[1]) {
            let body = Array(chars[2...])
            guard validDigits(body, radix: radix) else { return nil }
            let digits = String(decoding: body.filter { $0 != ascii("_") }, as: UTF8.self)
            guard let value = Int(digits, radix: radix) else {
                throw TOMLSyntaxError("the integer \(token) does not fit in \(Int.bitWidth) bits", at: start)
            }
            return value
        }
        var negative = false
        if let sign = chars.first, sign == ascii("+") || sign == ascii("-") {
            negative = sign == ascii("-")
            chars.removeFirst()
        }
        guard validDigits(chars, radix: 10) else { return nil }
        if chars.count > 1, chars[0] == ascii("0") {
            throw TOMLSyntaxError("leading zeros are not allowed in the integer \(token)", at: start)
        }
        let digits = (negative ? "-" : "") + String(decoding: chars.filter { $0 != ascii("_") }, as: UTF8.self)
        guard let value = Int(digits) else {
            throw TOMLSyntaxError("the integer \(token) does not fit in \(Int.bitWidth) bits", at: start)
        }
        return value
    }

    private static func radix(_ byte: UInt8) -> Int? {
        switch byte {
        case ascii("x"): 16
        case ascii("o"): 8
        case ascii("b"): 2
        default: nil
        }
    }

    /// Digits of `radix` with single underscores only between digits.
    private static func validDigits(_ chars: some Collection<UInt8>, radix: Int) -> Bool {
        var previousWasDigit = false
        for byte in chars {
            if byte == ascii("_") {
                guard previousWasDigit else { return false }
                previousWasDigit = false
            } else {
                guard let value = hexDigitValue(byte), value < radix else { return false }
                previousWasDigit = true
            }
        }
        return previousWasDigit
    }

    private static func float(_ token: [UInt8]) -> Double? {
        var chars = token[...]
        var sign = ""
        if let first = chars.first, first == ascii("+") || first == ascii("-") {
            sign = first == ascii("-") ? "-" : ""
            chars = chars.dropFirst()
        }
        let exponentIndex = chars.firstIndex { $0 == ascii("e") || $0 == ascii("E") }
        let mantissa = exponentIndex.map { chars[..<$0] } ?? chars
        let dotIndex = mantissa.firstIndex(of: ascii("."))
        let integerPart = dotIndex.map { mantissa[..<$0] } ?? mantissa
        guard validDigits(integerPart, radix: 10), integerPart.allSatisfy({ isDigit($0) || $0 == ascii("_") })
        else { return nil }
        if integerPart.count > 1, integerPart.first == ascii("0") { return nil }
        var text = sign + String(decoding: integerPart.filter { $0 != ascii("_") }, as: UTF8.self)
        if let dotIndex {
            let fraction = mantissa[mantissa.index(after: dotIndex)...]
            guard validDigits(fraction, radix: 10), fraction.allSatisfy({ isDigit($0) || $0 == ascii("_") })
            else { return nil }
            text += "." + String(decoding: fraction.filter { $0 != ascii("_") }, as: UTF8.self)
        }
        if let exponentIndex {
            var exponent = chars[chars.index(after: exponentIndex)...]
            var exponentSign = ""
            if let first = exponent.first, first == ascii("+") || first == ascii("-") {
                exponentSign = first == ascii("-") ? "-" : ""
                exponent = exponent.dropFirst()
            }
            guard validDigits(exponent, radix: 10), exponent.allSatisfy({ isDigit($0) || $0 == ascii("_") })
            else { return nil }
            text += "e" + exponentSign + String(decoding: exponent.filter { $0 != ascii("_") }, as: UTF8.self)
        }
        guard dotIndex != nil || exponentIndex != nil else { return nil }
        return Double(text)
    }
}

/// "an integer", "a string".
private func article(_ word: String) -> String {
    "aeiou".contains(word.first ?? "x") ? "an \(word)" : "a \(word)"
}

// MARK: - Character classes

@inline(__always)
private func ascii(_ scalar: Unicode.Scalar) -> UInt8 { UInt8(scalar.value) }

private func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }

private func hexDigitValue(_ byte: UInt8) -> Int? {
    switch byte {
    case 0x30...0x39: Int(byte - 0x30)
    case 0x41...0x46: Int(byte - 0x41 + 10)
    case 0x61...0x66: Int(byte - 0x61 + 10)
    default: nil
    }
}

private func isBareKeyByte(_ byte: UInt8) -> Bool {
    isDigit(byte) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A) || byte == ascii("_")
        || byte == ascii("-")
}

/// Bytes of numbers, booleans, inf/nan and (refused) dates.
private func isTokenByte(_ byte: UInt8) -> Bool {
    isBareKeyByte(byte) || byte == ascii("+") || byte == ascii(".") || byte == ascii(":")
}

/// Control characters TOML forbids in strings and comments (tab is allowed).
private func isForbiddenControl(_ byte: UInt8) -> Bool {
    (byte < 0x20 && byte != 0x09) || byte == 0x7F
}

private func hex(_ value: UInt32) -> String {
    let digits = String(value, radix: 16, uppercase: true)
    return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
}

extension String {
    fileprivate var trimmingQuotes: String {
        guard count >= 2, first == "'", last == "'" else { return self }
        return String(dropFirst().dropLast())
    }
}

/// A key as written in a dotted path: bare when it can be, quoted otherwise.
func quoteIfNeeded(_ key: String) -> String {
    if !key.isEmpty, key.utf8.allSatisfy(isBareKeyByte) { return key }
    var escaped = ""
    for scalar in key.unicodeScalars {
        switch scalar {
        case "\"": escaped += "\\\""
        case "\\": escaped += "\\\\"
        case "\n": escaped += "\\n"
        case "\t": escaped += "\\t"
        default: escaped.unicodeScalars.append(scalar)
        }
    }
    return "\"\(escaped)\""
}
