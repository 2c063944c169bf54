// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

import Foundation
import Testing

/// Parses JSON text into Foundation objects so two documents compare by structure, not key order.
func parsedJSON(_ text: String) throws -> NSObject {
    try #require(try JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed]) as? NSObject)
}

func parsedJSON(_ bytes: [UInt8]) throws -> NSObject {
    try parsedJSON(String(decoding: bytes, as: UTF8.self))
}

/// Expects two JSON texts to be the same document.
func expectSameJSON(_ actual: [UInt8], _ expected: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
    let a = try parsedJSON(actual), e = try parsedJSON(expected)
    #expect(a == e, "\(String(decoding: actual, as: UTF8.self))\n  is not\n\(expected)", sourceLocation: sourceLocation)
}
