// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

import Foundation
@testable import GeminiLive
import JSON
import Testing

/// The fields the Live API gained by late 2026 (PROTOCOL.md §0, the SDK's `types.py`), each from JSON written
/// in the SDK's wire shapes (camelCase), decoded, checked, and encoded back to the same document.
@Suite("2026 fields round trip")
struct NewFieldsRoundTripTests {
    private func decodeServer(_ text: String) throws -> LiveServerMessage { try LiveSession.decode(Array(text.utf8)) }

    /// Decodes, re-encodes and expects the same JSON document, and decodes that to an equal value.
    private func roundTrip<T: Codable & Equatable>(_ type: T.Type, _ text: String,
                                                   sourceLocation: SourceLocation = #_sourceLocation) throws -> T {
        let value = try WireCoding.decode(type, from: Array(text.utf8))
        let bytes = try WireCoding.encode(value)
        try expectSameJSON(bytes, text, sourceLocation: sourceLocation)
        #expect(try WireCoding.decode(type, from: bytes) == value, sourceLocation: sourceLocation)
        return value
    }

    @Test("serverContent.interactionStatus and interimInputTranscription; unknown status values decode")
    func interactionStatus() throws {
        let content = try roundTrip(LiveServerContent.self, """
            {"turnComplete": true, "interactionStatus": "IN_PROGRESS",
             "interimInputTranscription": {"text": "turn on the", "languageCode": "en-US"}}
            """)
        #expect(content.interactionStatus == .inProgress)
        #expect(content.interimInputTranscription?.text == "turn on the")
        #expect(!content.isInteractionComplete)
        for raw in ["IDLE", "REQUIRES_ACTION", "INTERACTION_STATUS_UNSPECIFIED", "SOMETHING_NEWER"] {
            let decoded = try roundTrip(LiveServerContent.self, #"{"interactionStatus": "\#(raw)"}"#)
            #expect(decoded.interactionStatus?.rawValue == raw)
        }
    }

    @Test("interaction complete: IDLE, or turnComplete when no status is sent")
    func interactionComplete() {
        #expect(LiveServerContent(turnComplete: true).isInteractionComplete)
        #expect(!LiveServerContent(generationComplete: true).isInteractionComplete)
        #expect(!LiveServerContent(turnComplete: true, interactionStatus: .inProgress).isInteractionComplete)
        #expect(LiveServerContent(interactionStatus: .idle).isInteractionComplete)
        #expect(LiveServerContent(turnComplete: true, interactionStatus: .idle).isInteractionComplete)
        #expect(!LiveServerContent(turnComplete: true, interactionStatus: .requiresAction).isInteractionComplete)
        #expect(LiveServerContent(turnComplete: true, interactionStatus: .unspecified).isInteractionComplete)
        #expect(!LiveServerContent(turnComplete: true, interactionStatus: "SOMETHING_NEWER").isInteractionComplete)
    }

    @Test("transcription results carry language, speaker, offsets and words")
    func transcriptionResult() throws {
        let transcription = try roundTrip(Transcription.self, """
            {"text": "hello there", "finished": true, "languageCode": "en-GB", "speakerLabel": "spk_1",
             "startOffset": "0.250s", "endOffset": "1.5s",
             "words": [{"word": "hello", "startOffset": "0.250s", "endOffset": "0.700s"}, {"word": "there"}]}
            """)
        #expect(transcription.languageCode == "en-GB" && transcription.speakerLabel == "spk_1")
        #expect(transcription.start == .milliseconds(250) && transcription.end == .milliseconds(1500))
        #expect(transcription.words?.first == WordInfo(word: "hello", startOffset: "0.250s", endOffset: "0.700s"))
    }

    @Test("setup: thinkingLevel, historyConfig, transcription options, proactiveVideo, the 2026 turn coverage")
    func setupFields() throws {
        let setup = try roundTrip(LiveClientSetup.self, """
            {"model": "models/gemini-3.1-flash-live-preview",
             "generationConfig": {"responseModalities": ["AUDIO"], "thinkingConfig": {"thinkingLevel": "XHIGH", "includeThoughts": true}},
             "historyConfig": {"initialHistoryInClientContent": true},
             "inputAudioTranscription": {"languageCodes": ["en-US", "de-DE"], "mode": "VERBATIM", "customVocabulary": ["livevoiced"]},
             "outputAudioTranscription": {"mode": "SMART", "wordTimestamp": true, "diarization": false},
             "proactivity": {"proactiveAudio": true, "proactiveVideo": true},
             "realtimeInputConfig": {"turnCoverage": "TURN_INCLUDES_AUDIO_ACTIVITY_AND_ALL_VIDEO"}}
            """)
        #expect(setup.generationConfig?.thinkingConfig?.thinkingLevel == .xhigh)
        #expect(setup.historyConfig?.initialHistoryInClientContent == true)
        #expect(setup.inputAudioTranscription?.languageCodes == ["en-US", "de-DE"])
        #expect(setup.inputAudioTranscription?.mode == .verbatim && setup.outputAudioTranscription?.mode == .smart)
        #expect(setup.proactivity?.proactiveVideo == true)
        #expect(setup.realtimeInputConfig?.turnCoverage == .audioActivityAndAllVideo)
        let levels: [ThinkingLevel] = [.minimal, .low, .medium, .high, .xhigh]
        #expect(levels.map(\.rawValue) == ["MINIMAL", "LOW", "MEDIUM", "HIGH", "XHIGH"])
        #expect(try roundTrip(ThinkingConfig.self, #"{"thinkingLevel": "ULTRA"}"#).thinkingLevel?.rawValue == "ULTRA")
    }

    @Test("thinkingConfig stays unset unless asked for; an empty transcription config is {}")
    func defaults() throws {
        let setup = LiveClientSetup(model: "models/gemini-3.8-live", config: LiveConnectConfig(
            responseModalities: [.audio], outputAudioTranscription: AudioTranscriptionConfig()))
        try expectSameJSON(try WireCoding.encode(setup),
                           #"{"model":"models/gemini-3.8-live","generationConfig":{"responseModalities":["AUDIO"]},"outputAudioTranscription":{}}"#)
    }

    @Test("contextUpdate with the wire's doubled tools.tools, and sendContextUpdate")
    func contextUpdate() async throws {
        let message = try roundTrip(LiveClientMessage.self, """
            {"contextUpdate": {"systemInstruction": {"parts": [{"text": "Be concise."}], "role": "user"},
                               "tools": {"tools": [{"functionDeclarations": [{"name": "lights"}]}]}}}
            """)
        guard case .contextUpdate(let update) = message else {
            Issue.record("expected a contextUpdate, got \(message)")
            return
        }
        #expect(update.systemInstruction?.text == "Be concise.")
        #expect(update.tools?.first?.functionDeclarations?.first?.name == "lights")
        _ = try roundTrip(LiveClientMessage.self, #"{"contextUpdate": {"tools": {"tools": []}}}"#)

        let (client, transport) = SessionTests.makeClient()
        let session = try await client.live.connect(model: "m")
        try await session.sendContextUpdate(systemInstruction: "Speak German.")
        try await session.sendContextUpdate(tools: [])
        await #expect(throws: LiveError.self) { try await session.sendContextUpdate() }
        let sent = transport.sentMessages.dropFirst()
        #expect(sent.count == 2)
        try expectSameJSON(try #require(sent.first), #"{"contextUpdate":{"systemInstruction":{"parts":[{"text":"Speak German."}],"role":"user"}}}"#)
        try expectSameJSON(try #require(sent.last), #"{"contextUpdate":{"tools":{"tools":[]}}}"#)
        await session.close()
    }

    @Test("FunctionDeclaration.responseJsonSchema and Schema $defs, $ref, additionalProperties")
    func schemas() throws {
        let declaration = try roundTrip(FunctionDeclaration.self, """
            {"name": "set_scene", "behavior": "NON_BLOCKING",
             "parametersJsonSchema": {"type": "object", "properties": {"scene": {"$ref": "#/$defs/Scene"}},
                                      "$defs": {"Scene": {"type": "string", "enum": ["day", "night"]}}},
             "responseJsonSchema": {"type": "object", "properties": {"ok": {"type": "boolean"}}},
             "parameters": {"type": "OBJECT", "additionalProperties": false, "minProperties": 1, "maxProperties": 3,
                            "properties": {"scene": {"$ref": "#/$defs/Scene"}},
                            "$defs": {"Scene": {"type": "STRING", "enum": ["day", "night"]}}}}
            """)
        #expect(declaration.behavior == .nonBlocking)
        #expect(declaration.responseJsonSchema?["properties"]?["ok"]?["type"] == "boolean")
        #expect(declaration.parameters?.additionalProperties == false)
        #expect(declaration.parameters?.properties?["scene"]?.ref == "#/$defs/Scene")
        #expect(declaration.parameters?.defs?["Scene"]?.enum == ["day", "night"])
        #expect(declaration.parameters?.minProperties == 1 && declaration.parameters?.maxProperties == 3)
        // The SDK's own spelling, `defs`/`ref`, is read too (and written as the wire's `$defs`/`$ref`).
        let sdk = try WireCoding.decode(Schema.self, from: Array(##"{"ref": "#/defs/A", "defs": {"A": {"type": "STRING"}}}"##.utf8))
        #expect(sdk.ref == "#/defs/A" && sdk.defs?["A"]?.type == .string)
        try expectSameJSON(try WireCoding.encode(sdk), ##"{"$ref": "#/defs/A", "$defs": {"A": {"type": "STRING"}}}"##)
    }

    @Test("Part: thoughtSignature, executableCode, codeExecutionResult and fileData are kept")
    func parts() throws {
        let content = try roundTrip(Content.self, """
            {"role": "model", "parts": [
              {"text": "thinking…", "thought": true, "thoughtSignature": "c2lnbmF0dXJl"},
              {"executableCode": {"language": "PYTHON", "code": "print(6*7)", "id": "code-1"}},
              {"codeExecutionResult": {"outcome": "OUTCOME_OK", "output": "42\\n", "id": "code-1"}},
              {"fileData": {"mimeType": "image/png", "fileUri": "gs://bucket/a.png"}}]}
            """)
        #expect(content.parts[0].thoughtSignature == Data("signature".utf8))
        #expect(content.parts[1].executableCode == ExecutableCode(code: "print(6*7)", language: .python, id: "code-1"))
        #expect(content.parts[2].codeExecutionResult?.outcome == .ok)
        #expect(content.parts[2].codeExecutionResult?.output == "42\n")
        #expect(content.parts[3].fileData?.fileUri == "gs://bucket/a.png")
        #expect(content.text == nil)  // a thought is not the answer
    }

    @Test("usageMetadata.serviceTier and trafficType, unknown values kept")
    func usageTiers() throws {
        let usage = try roundTrip(UsageMetadata.self, #"{"totalTokenCount": 9, "serviceTier": "priority", "trafficType": "ON_DEMAND_FLEX"}"#)
        #expect(usage.serviceTier == .priority && usage.trafficType == .onDemandFlex)
        #expect(try roundTrip(UsageMetadata.self, #"{"serviceTier": "turbo"}"#).serviceTier?.rawValue == "turbo")
    }

    @Test("a whole server message with the new fields survives encode and decode")
    func serverMessage() throws {
        let message = try decodeServer("""
            {"serverContent": {"modelTurn": {"parts": [{"inlineData": {"mimeType": "audio/pcm;rate=24000", "data": "AAEC"}}]},
                               "outputTranscription": {"text": "Hi", "languageCode": "en"}, "interactionStatus": "IDLE", "turnComplete": true},
             "usageMetadata": {"promptTokenCount": 3, "serviceTier": "standard"}}
            """)
        #expect(message.serverContent?.isInteractionComplete == true)
        #expect(try WireCoding.decode(LiveServerMessage.self, from: try message.jsonBytes()) == message)
    }
}
