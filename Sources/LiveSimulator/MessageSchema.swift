// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

/// The shape of the client messages, as far as the simulator checks them: field names (camelCase, with the
/// snake_case spelling accepted, as Google's proto-JSON parser does), scalar types, and base64 in `bytes`
/// fields. Free-form parts (`args`, `response`, schemas, tool definitions, speech config) are not checked.
///
/// Validation also normalises: the result has every checked key in camelCase, so the session logic reads
/// one spelling.
indirect enum FieldSchema: Sendable {
    case string
    case bool
    case number
    case bytes
    /// Any JSON, kept as sent.
    case any
    case array(FieldSchema)
    case object([String: FieldSchema])

    /// Client message types (top-level keys) and their content.
    static let clientMessages: [String: FieldSchema] = [
        "setup": setup,
        "clientContent": .object(["turns": .array(content), "turnComplete": .bool]),
        "realtimeInput": .object([
            "audio": blob, "video": blob, "text": .string, "activityStart": .object([:]),
            "activityEnd": .object([:]), "audioStreamEnd": .bool, "mediaChunks": .array(blob),
        ]),
        "toolResponse": .object(["functionResponses": .array(functionResponse)]),
        "contextUpdate": .object(["systemInstruction": content, "tools": .object(["tools": .array(.any)])]),
    ]

    static let blob = FieldSchema.object(["mimeType": .string, "data": .bytes, "displayName": .string])

    static let functionResponse = FieldSchema.object([
        "id": .string, "name": .string, "response": .any, "willContinue": .bool, "scheduling": .string,
        "parts": .any,
    ])

    static let part = FieldSchema.object([
        "text": .string, "inlineData": blob, "thought": .bool, "thoughtSignature": .bytes,
        "fileData": .object(["mimeType": .string, "fileUri": .string, "displayName": .string]),
        "functionCall": .object(["id": .string, "name": .string, "args": .any]),
        "functionResponse": functionResponse, "executableCode": .any, "codeExecutionResult": .any,
        "videoMetadata": .any,
    ])

    static let content = FieldSchema.object(["role": .string, "parts": .array(part)])

    static let generationConfig = FieldSchema.object([
        "candidateCount": .number, "stopSequences": .array(.string), "maxOutputTokens": .number,
        "temperature": .number, "topP": .number, "topK": .number, "seed": .number, "presencePenalty": .number,
        "frequencyPenalty": .number, "responseMimeType": .string, "responseSchema": .any,
        "responseJsonSchema": .any, "responseLogprobs": .bool, "logprobs": .number,
        "enableEnhancedCivicAnswers": .bool, "responseModalities": .array(.string), "speechConfig": .any,
        "thinkingConfig": .any, "imageConfig": .any, "mediaResolution": .string, "enableAffectiveDialog": .bool,
    ])

    static let setup = FieldSchema.object([
        "model": .string,
        "generationConfig": generationConfig,
        "systemInstruction": content,
        "tools": .array(.any),
        "realtimeInputConfig": .object([
            "automaticActivityDetection": .object([
                "disabled": .bool, "startOfSpeechSensitivity": .string, "endOfSpeechSensitivity": .string,
                "prefixPaddingMs": .number, "silenceDurationMs": .number,
            ]),
            "activityHandling": .string, "turnCoverage": .string,
        ]),
        "sessionResumption": .object(["handle": .string, "transparent": .bool]),
        "contextWindowCompression": .object([
            "triggerTokens": .number, "slidingWindow": .object(["targetTokens": .number]),
        ]),
        "inputAudioTranscription": .any,
        "outputAudioTranscription": .any,
        "proactivity": .any,
        "historyConfig": .any,
        "safetySettings": .array(.any),
        "explicitVadSignal": .bool,
    ])
}

/// A client message that breaks the schema; `reason` is worded like the real service's close reasons.
struct SchemaViolation: Error, Equatable {
    var reason: String
}

/// `mime_type` → `mimeType`; names without underscores are returned unchanged.
func camelCased(_ name: String) -> String {
    guard name.contains("_") else { return name }
    var result = ""
    var upperNext = false
    for character in name {
        if character == "_" {
            upperNext = !result.isEmpty
        } else if upperNext {
            result += character.uppercased()
            upperNext = false
        } else {
            result.append(character)
        }
    }
    return result
}

/// `generationConfig` → `generation_config`, for error paths (the service reports proto field names).
func snakeCased(_ name: String) -> String {
    var result = ""
    for character in name {
        if character.isUppercase {
            result += "_" + character.lowercased()
        } else {
            result.append(character)
        }
    }
    return result
}

extension FieldSchema {
    /// Checks `value` against this schema and returns it with camelCase keys. `path` is the proto path for
    /// messages, e.g. `setup.generation_config`.
    func validate(_ value: WireValue, path: String) throws(SchemaViolation) -> WireValue {
        switch self {
        case .any:
            return value
        case .string:
            guard case .string = value else { throw invalidValue(value, path: path, type: "TYPE_STRING") }
            return value
        case .bool:
            guard case .bool = value else { throw invalidValue(value, path: path, type: "TYPE_BOOL") }
            return value
        case .number:
            switch value {
            case .int, .double: return value
            // proto-JSON also takes numbers (int64 in particular) as strings.
            case .string(let text) where Double(text) != nil: return value
            default: throw invalidValue(value, path: path, type: "TYPE_NUMBER")
            }
        case .bytes:
            guard case .string(let text) = value else { throw invalidValue(value, path: path, type: "TYPE_BYTES") }
            guard Base64.decode(text) != nil else {
                let shown = text.count > 20 ? String(text.prefix(20)) + "…" : text
                throw SchemaViolation(
                    reason: "Invalid value at '\(path)' (TYPE_BYTES), Base64 decoding failed for \"\(shown)\"")
            }
            return value
        case .array(let element):
            guard case .array(let elements) = value else {
                throw SchemaViolation(
                    reason: "Invalid value at '\(path)' (type.googleapis.com/google.protobuf.ListValue), expected a list")
            }
            var result: [WireValue] = []
            result.reserveCapacity(elements.count)
            for (index, item) in elements.enumerated() {
                result.append(try element.validate(item, path: "\(path)[\(index)]"))
            }
            return .array(result)
        case .object(let fields):
            guard case .object(let members) = value else {
                throw SchemaViolation(
                    reason: "Invalid JSON payload received. Expected an object at '\(path)', got \(value.serialized.prefix(20)).")
            }
            var result: [String: WireValue] = [:]
            for (key, member) in members.sorted(by: { $0.key < $1.key }) {
                let name = camelCased(key)
                guard let schema = fields[name] else {
                    throw SchemaViolation(
                        reason: "Invalid JSON payload received. Unknown name \"\(key)\" at '\(path)': Cannot find field.")
                }
                guard result[name] == nil else {
                    throw SchemaViolation(
                        reason: "Invalid JSON payload received. Field '\(path).\(snakeCased(name))' given twice.")
                }
                result[name] = try schema.validate(member, path: "\(path).\(snakeCased(name))")
            }
            return .object(result)
        }
    }

    private func invalidValue(_ value: WireValue, path: String, type: String) -> SchemaViolation {
        let shown = value.serialized
        return SchemaViolation(
            reason: "Invalid value at '\(path)' (\(type)), \(shown.count > 24 ? String(shown.prefix(24)) + "…" : shown)")
    }
}
