// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

import TOML

/// Any text as a TOML document: parsed, then decoded twice, once walking every table and array through
/// the `Decodable` machinery and once as a small type that leaves most keys unknown (whose messages, with
/// their "did you mean", are built too).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTOML(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    let document: TOMLDocument
    do {
        document = try TOMLDocument(parsing: text)
    } catch {
        precondition(error.line >= 1 && error.column >= 1, "a syntax error without a position")
        _ = error.description
        return 0
    }
    _ = try? TOMLDecoder().decode(AnyValue.self, from: document.root)
    if let (_, unknown) = try? TOMLDecoder().decodeReportingUnknownKeys(Sparse.self, from: document.root) {
        for key in unknown.prefix(64) { _ = key.description }
    }
    do {
        _ = try TOMLDecoder(rejectsUnknownKeys: true).decode(Sparse.self, from: document.root)
    } catch {
        _ = error.description
    }
    return 0
}

/// Every value, whatever its type.
private indirect enum AnyValue: Decodable {
    case scalar
    case array([AnyValue])
    case table([String: AnyValue])

    init(from decoder: any Decoder) throws {
        if let table = try? decoder.container(keyedBy: Key.self) {
            var members: [String: AnyValue] = [:]
            for key in table.allKeys { members[key.stringValue] = try table.decode(AnyValue.self, forKey: key) }
            self = .table(members)
        } else if var array = try? decoder.unkeyedContainer() {
            var elements: [AnyValue] = []
            while !array.isAtEnd { elements.append(try array.decode(AnyValue.self)) }
            self = .array(elements)
        } else {
            let value = try decoder.singleValueContainer()
            _ = try? value.decode(String.self)
            _ = try? value.decode(Int8.self)  // range-checked
            _ = try? value.decode(Double.self)
            _ = try? value.decode(Bool.self)
            self = .scalar
        }
    }
}

/// A type that reads a few keys: the rest are reported as unknown.
private struct Sparse: Decodable {
    var name: String?
    var version: Int?
    var tools: [Tool]?

    struct Tool: Decodable {
        var name: String?
        var line: UInt16?
    }
}

private struct Key: CodingKey {
    var stringValue: String
    init(stringValue: String) { self.stringValue = stringValue }
    var intValue: Int? { nil }
    init?(intValue: Int) { nil }
}
