// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

/// A JSON parse failure: what is wrong and the byte offset where it was found.
public struct JSONParseError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What is wrong, for example "expected ',' or '}' after an object member".
    public var message: String
    /// Byte offset into the input where the problem was found.
    public var offset: Int

    /// An error at `offset`.
    public init(_ message: String, offset: Int) {
        self.message = message
        self.offset = offset
    }

    /// The message and the offset ("… at byte 12").
    public var description: String { "\(message) at byte \(offset)" }
}

/// Parses JSON text (RFC 8259) into a ``JSONValue``, in time linear in the input's size.
///
/// The parser keeps its own stack instead of recursing, so nesting costs nothing extra and cannot exhaust a
/// thread's stack; ``maxDepth`` still bounds it (512 by default, like Python's and Foundation's limits), because
/// `JSONValue`'s own comparison and destruction recurse. Input must be UTF-8; numbers without a fraction or
/// exponent that fit an `Int` become ``JSONValue/int(_:)``, every other number ``JSONValue/double(_:)``.
/// Duplicate object keys keep the last value.
public struct JSONParser: Sendable {
    /// Deepest nesting of arrays and objects accepted.
    public var maxDepth: Int

    /// A parser with the given depth limit.
    public init(maxDepth: Int = 512) {
        self.maxDepth = maxDepth
    }

    /// Parses one JSON value; only white space may follow it.
    public func parse(_ bytes: [UInt8]) throws(JSONParseError) -> JSONValue {
        // A Result, not a throwing closure: Swift 6.0's withUnsafeBufferPointer only rethrows `any Error`.
        let result = bytes.withUnsafeBufferPointer { (buffer: UnsafeBufferPointer<UInt8>) -> Result<JSONValue, JSONParseError> in
            var reader = Reader(bytes: buffer, maxDepth: maxDepth)
            do throws(JSONParseError) {
                return .success(try reader.parseDocument())
            } catch {
                return .failure(error)
            }
        }
        switch result {
        case .success(let value): return value
        case .failure(let error): throw error
        }
    }

    /// Parses one JSON value from UTF-8 text.
    public func parse(_ text: String) throws(JSONParseError) -> JSONValue {
        try parse(Array(text.utf8))
    }
}

extension JSONValue {
    /// Parses JSON bytes with the default ``JSONParser``.
    public init(parsing bytes: [UInt8]) throws(JSONParseError) {
        self = try JSONParser().parse(bytes)
    }

    /// Parses JSON text with the default ``JSONParser``.
    public init(parsing text: String) throws(JSONParseError) {
        self = try JSONParser().parse(text)
    }
}

/// The parser proper, over a borrowed buffer.
private struct Reader {
    let bytes: UnsafeBufferPointer<UInt8>
    let maxDepth: Int
    var index = 0

    init(bytes: UnsafeBufferPointer<UInt8>, maxDepth: Int) {
        self.bytes = bytes
        self.maxDepth = maxDepth
    }

    mutating func parseDocument() throws(JSONParseError) -> JSONValue {
        skipWhitespace()
        guard index < bytes.count else {
            throw JSONParseError(bytes.isEmpty ? "empty input: expected a JSON value" : "only white space: expected a JSON value", offset: index)
        }
        let value = try parseValue()
        skipWhitespace()
        guard index == bytes.count else {
            throw JSONParseError("unexpected \(describe(bytes[index])) after the JSON value", offset: index)
        }
        return value
    }

    /// One value. Open arrays and objects live on explicit stacks, mutated in place (each element is
    /// appended to a uniquely held buffer), rather than on the call stack.
    mutating func parseValue() throws(JSONParseError) -> JSONValue {
        var openIsObject: [Bool] = []
        var arrays: [[JSONValue]] = []
        var objects: [[String: JSONValue]] = []
        var keys: [String] = []
        while true {
            // Read a value, or open a container and go round for its first member.
            skipWhitespace()
            guard index < bytes.count else { throw JSONParseError("unexpected end of input: expected a value", offset: index) }
            var value: JSONValue
            switch bytes[index] {
            case UInt8(ascii: "["):
                try checkDepth(openIsObject.count)
                index += 1
                skipWhitespace()
                if peek == UInt8(ascii: "]") {
                    index += 1
                    value = .array([])
                } else {
                    openIsObject.append(false)
                    arrays.append([])
                    continue
                }
            case UInt8(ascii: "{"):
                try checkDepth(openIsObject.count)
                index += 1
                skipWhitespace()
                if peek == UInt8(ascii: "}") {
                    index += 1
                    value = .object([:])
                } else {
                    keys.append(try parseKey())
                    openIsObject.append(true)
                    objects.append([:])
                    continue
                }
            default:
                value = try parseScalar()
            }

            // Hand the value to its container; close every container that ends here.
            while let isObject = openIsObject.last {
                skipWhitespace()
                if isObject {
                    objects[objects.count - 1][keys.removeLast()] = value
                    switch peek {
                    case UInt8(ascii: ","):
                        index += 1
                        keys.append(try parseKey())
                    case UInt8(ascii: "}"):
                        index += 1
                        openIsObject.removeLast()
                        value = .object(objects.removeLast())
                        continue
                    default:
                        throw unexpected("',' or '}' after an object member")
                    }
                } else {
                    arrays[arrays.count - 1].append(value)
                    switch peek {
                    case UInt8(ascii: ","):
                        index += 1
                    case UInt8(ascii: "]"):
                        index += 1
                        openIsObject.removeLast()
                        value = .array(arrays.removeLast())
                        continue
                    default:
                        throw unexpected("',' or ']' after an array element")
                    }
                }
                break
            }
            if openIsObject.isEmpty { return value }
        }
    }

    private func checkDepth(_ depth: Int) throws(JSONParseError) {
        if depth >= maxDepth {
            throw JSONParseError("arrays and objects nested deeper than \(maxDepth) levels", offset: index)
        }
    }

    /// `"key"` followed by `:`.
    private mutating func parseKey() throws(JSONParseError) -> String {
        skipWhitespace()
        guard peek == UInt8(ascii: "\"") else { throw unexpected("a string key in double quotes") }
        let key = try parseString()
        skipWhitespace()
        guard peek == UInt8(ascii: ":") else { throw unexpected("':' after an object key") }
        index += 1
        return key
    }

    private mutating func parseScalar() throws(JSONParseError) -> JSONValue {
        switch bytes[index] {
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"):
            try literal("true")
            return .bool(true)
        case UInt8(ascii: "f"):
            try literal("false")
            return .bool(false)
        case UInt8(ascii: "n"):
            try literal("null")
            return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return try parseNumber()
        default:
            throw unexpected("a value (object, array, string, number, true, false or null)")
        }
    }

    private mutating func literal(_ word: StaticString) throws(JSONParseError) {
        let count = word.utf8CodeUnitCount
        let start = index
        guard bytes.count - index >= count else { throw JSONParseError("invalid literal: expected '\(word)'", offset: start) }
        let pointer = word.utf8Start
        for offset in 0..<count where bytes[index + offset] != pointer[offset] {
            throw JSONParseError("invalid literal: expected '\(word)'", offset: start)
        }
        index += count
    }

    private mutating func parseNumber() throws(JSONParseError) -> JSONValue {
        let start = index
        var negative = false
        if peek == UInt8(ascii: "-") {
            negative = true
            index += 1
        }
        guard let first = peek, isDigit(first) else { throw JSONParseError("invalid number: a digit must follow '-'", offset: index) }
        // Integer part: no leading zeros ("01" is not JSON).
        var magnitude: UInt64 = 0
        var overflow = false
        if first == UInt8(ascii: "0") {
            index += 1
            if let next = peek, isDigit(next) {
                throw JSONParseError("invalid number: leading zeros are not allowed", offset: index)
            }
        } else {
            while let digit = peek, isDigit(digit) {
                let (times, o1) = magnitude.multipliedReportingOverflow(by: 10)
                let (plus, o2) = times.addingReportingOverflow(UInt64(digit - UInt8(ascii: "0")))
                overflow = overflow || o1 || o2
                magnitude = plus
                index += 1
            }
        }
        var isInteger = true
        if peek == UInt8(ascii: ".") {
            isInteger = false
            index += 1
            guard let digit = peek, isDigit(digit) else {
                throw JSONParseError("invalid number: a digit must follow '.'", offset: index)
            }
            while let digit = peek, isDigit(digit) { index += 1 }
        }
        if peek == UInt8(ascii: "e") || peek == UInt8(ascii: "E") {
            isInteger = false
            index += 1
            if peek == UInt8(ascii: "+") || peek == UInt8(ascii: "-") { index += 1 }
            guard let digit = peek, isDigit(digit) else {
                throw JSONParseError("invalid number: a digit must follow the exponent", offset: index)
            }
            while let digit = peek, isDigit(digit) { index += 1 }
        }
        if isInteger && !overflow {
            if negative, magnitude <= UInt64(Int.max) + 1 {
                return .int(magnitude == UInt64(Int.max) + 1 ? Int.min : -Int(magnitude))
            }
            if !negative, magnitude <= UInt64(Int.max) { return .int(Int(magnitude)) }
        }
        // Too big for an Int, or fractional: a Double (huge exponents give ±infinity, as strtod does).
        let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
        guard let number = Double(text) else { throw JSONParseError("invalid number '\(text.prefix(40))'", offset: start) }
        return .double(number)
    }

    private mutating func parseString() throws(JSONParseError) -> String {
        let open = index
        let start = index + 1  // after the opening quote
        // Fast path: no escapes, the bytes are the string. One pass finds the end and whether any byte is
        // non-ASCII (only then is UTF-8 validated).
        var position = start
        var nonASCII: UInt8 = 0
        let count = bytes.count
        while position < count {
            let byte = bytes[position]
            if byte == UInt8(ascii: "\"") {
                let slice = UnsafeBufferPointer(rebasing: bytes[start..<position])
                index = position + 1
                if nonASCII & 0x80 == 0 { return String(decoding: slice, as: UTF8.self) }
                guard let text = String(validating: slice, as: UTF8.self) else {
                    throw JSONParseError("invalid UTF-8 in a string", offset: open)
                }
                return text
            }
            if byte == UInt8(ascii: "\\") { break }
            if byte < 0x20 {
                index = position
                throw controlCharacter(byte)
            }
            nonASCII |= byte
            position += 1
        }
        index = position
        guard index < bytes.count else { throw JSONParseError("unterminated string", offset: open) }
        // Escapes: collect the bytes, decoding each escape.
        var output: [UInt8] = []
        output.reserveCapacity(index - start + 16)
        output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start..<index]))
        while index < bytes.count {
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "\""):
                index += 1
                guard let text = String(validating: output, as: UTF8.self) else {
                    throw JSONParseError("invalid UTF-8 in a string", offset: open)
                }
                return text
            case UInt8(ascii: "\\"):
                try parseEscape(into: &output)
            case 0..<0x20:
                throw controlCharacter(byte)
            default:
                output.append(byte)
                index += 1
            }
        }
        throw JSONParseError("unterminated string", offset: open)
    }

    private mutating func parseEscape(into output: inout [UInt8]) throws(JSONParseError) {
        let start = index
        index += 1
        guard let kind = peek else { throw JSONParseError("unterminated escape sequence", offset: start) }
        index += 1
        switch kind {
        case UInt8(ascii: "\""): output.append(UInt8(ascii: "\""))
        case UInt8(ascii: "\\"): output.append(UInt8(ascii: "\\"))
        case UInt8(ascii: "/"): output.append(UInt8(ascii: "/"))
        case UInt8(ascii: "b"): output.append(0x08)
        case UInt8(ascii: "f"): output.append(0x0C)
        case UInt8(ascii: "n"): output.append(0x0A)
        case UInt8(ascii: "r"): output.append(0x0D)
        case UInt8(ascii: "t"): output.append(0x09)
        case UInt8(ascii: "u"):
            var scalar = try hex4(at: start)
            if (0xD800..<0xDC00).contains(scalar) {
                // A high surrogate: a low one must follow to make one scalar; a lone one becomes U+FFFD.
                if index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u") {
                    let save = index
                    index += 2
                    let low = try hex4(at: save)
                    if (0xDC00..<0xE000).contains(low) {
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    } else {
                        index = save
                        scalar = 0xFFFD
                    }
                } else {
                    scalar = 0xFFFD
                }
            } else if (0xDC00..<0xE000).contains(scalar) {
                scalar = 0xFFFD
            }
            appendUTF8(Unicode.Scalar(scalar) ?? "\u{FFFD}", to: &output)
        default:
            throw JSONParseError("invalid escape sequence '\\\(describe(kind, quoted: false))'", offset: start)
        }
    }

    private mutating func hex4(at escapeStart: Int) throws(JSONParseError) -> UInt32 {
        guard bytes.count - index >= 4 else { throw JSONParseError("\\u needs four hex digits", offset: escapeStart) }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = bytes[index]
            let digit: UInt32
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(byte - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(byte - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(byte - UInt8(ascii: "A") + 10)
            default: throw JSONParseError("\\u needs four hex digits", offset: escapeStart)
            }
            value = value << 4 | digit
            index += 1
        }
        return value
    }

    private func appendUTF8(_ scalar: Unicode.Scalar, to output: inout [UInt8]) {
        UTF8.encode(scalar) { output.append($0) }
    }

    private mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case UInt8(ascii: " "), UInt8(ascii: "\n"), UInt8(ascii: "\r"), UInt8(ascii: "\t"): index += 1
            default: return
            }
        }
    }

    private var peek: UInt8? { index < bytes.count ? bytes[index] : nil }

    private func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }

    private func unexpected(_ expected: String) -> JSONParseError {
        guard let byte = peek else { return JSONParseError("unexpected end of input: expected \(expected)", offset: index) }
        return JSONParseError("unexpected \(describe(byte)): expected \(expected)", offset: index)
    }

    private func controlCharacter(_ byte: UInt8) -> JSONParseError {
        JSONParseError("control character \(describe(byte)) in a string (write it as an escape such as \\n or \\u0001)", offset: index)
    }

    /// A byte for an error message: printable ASCII quoted, anything else in hex.
    private func describe(_ byte: UInt8, quoted: Bool = true) -> String {
        if byte >= 0x21 && byte < 0x7F {
            let character = String(UnicodeScalar(byte))
            return quoted ? "'\(character)'" : character
        }
        let hex = String(byte, radix: 16, uppercase: true)
        return "byte 0x" + (hex.count == 1 ? "0" : "") + hex
    }
}
