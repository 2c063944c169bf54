// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

import Foundation
@testable import GeminiLive
import JSON
import Testing

/// Messages both ways against JSON written from PROTOCOL.md (the shapes measured from the official SDK).
@Suite("Wire format")
struct WireFormatTests {
    @Test("setup from LiveConnectConfig: canonical camelCase, generation fields merged under generationConfig")
    func setupMessage() throws {
        let weather = FunctionDeclaration(
            name: "get_weather", description: "Get the current weather for a city.",
            parameters: Schema(type: .object, properties: [
                "city": Schema(type: .string, description: "City name"),
                "unit": Schema(type: .string, enum: ["celsius", "fahrenheit"]),
                "days": Schema(type: .integer),
            ], required: ["city"]))
        let config = LiveConnectConfig(
            systemInstruction: Content(role: "user", parts: [Part(text: "You are a helpful voice assistant.")]),
            tools: [Tool(functionDeclarations: [weather]), Tool(googleSearch: EmptyObject())],
            speechConfig: SpeechConfig.voice("Aoede", languageCode: "en-US"),
            responseModalities: [.audio], temperature: 0.7, topP: 0.95, topK: 40, maxOutputTokens: 1024, seed: 42,
            realtimeInputConfig: RealtimeInputConfig(
                automaticActivityDetection: AutomaticActivityDetection(
                    disabled: true, startOfSpeechSensitivity: .low, endOfSpeechSensitivity: .high,
                    prefixPaddingMs: 20, silenceDurationMs: 500),
                activityHandling: .noInterruption, turnCoverage: .allInput),
            sessionResumption: SessionResumptionConfig(handle: "HANDLE-abc123"),
            contextWindowCompression: ContextWindowCompressionConfig(triggerTokens: 25600, slidingWindow: SlidingWindow(targetTokens: 12800)),
            inputAudioTranscription: AudioTranscriptionConfig(), outputAudioTranscription: AudioTranscriptionConfig())
        let bytes = try WireCoding.encode(LiveClientMessage.setup(LiveClientSetup(model: "models/gemini-3.8-live", config: config)))
        try expectSameJSON(bytes, """
            {"setup": {
              "model": "models/gemini-3.8-live",
              "generationConfig": {
                "responseModalities": ["AUDIO"],
                "temperature": 0.7, "topP": 0.95, "topK": 40, "maxOutputTokens": 1024, "seed": 42,
                "speechConfig": {"voiceConfig": {"prebuiltVoiceConfig": {"voiceName": "Aoede"}}, "languageCode": "en-US"}
              },
              "systemInstruction": {"parts": [{"text": "You are a helpful voice assistant."}], "role": "user"},
              "tools": [{"functionDeclarations": [{
                  "name": "get_weather", "description": "Get the current weather for a city.",
                  "parameters": {"type": "OBJECT",
                                 "properties": {"city": {"type": "STRING", "description": "City name"},
                                                "unit": {"type": "STRING", "enum": ["celsius", "fahrenheit"]},
                                                "days": {"type": "INTEGER"}},
                                 "required": ["city"]}}]},
                        {"googleSearch": {}}],
              "realtimeInputConfig": {
                "automaticActivityDetection": {"disabled": true,
                    "startOfSpeechSensitivity": "START_SENSITIVITY_LOW", "endOfSpeechSensitivity": "END_SENSITIVITY_HIGH",
                    "prefixPaddingMs": 20, "silenceDurationMs": 500},
                "activityHandling": "NO_INTERRUPTION",
                "turnCoverage": "TURN_INCLUDES_ALL_INPUT"},
              "sessionResumption": {"handle": "HANDLE-abc123"},
              "contextWindowCompression": {"triggerTokens": 25600, "slidingWindow": {"targetTokens": 12800}},
              "inputAudioTranscription": {},
              "outputAudioTranscription": {}
            }}
            """)
    }

    @Test("an empty config sends no generationConfig; a text system instruction becomes a user Content")
    func minimalSetup() throws {
        let bytes = try WireCoding.encode(LiveClientMessage.setup(LiveClientSetup(model: "models/m", config: LiveConnectConfig())))
        try expectSameJSON(bytes, #"{"setup":{"model":"models/m"}}"#)
        let withText = LiveClientSetup(model: "models/m", config: LiveConnectConfig(systemInstruction: "Be brief."))
        try expectSameJSON(try WireCoding.encode(withText),
                           #"{"model":"models/m","systemInstruction":{"parts":[{"text":"Be brief."}],"role":"user"}}"#)
    }

    @Test("explicit GenerationConfig fields survive and top-level fields override them")
    func mergedGenerationConfig() throws {
        var config = LiveConnectConfig(generationConfig: GenerationConfig(temperature: 0.2, maxOutputTokens: 10))
        config.temperature = 0.9
        let merged = try #require(config.mergedGenerationConfig())
        #expect(merged.temperature == 0.9)
        #expect(merged.maxOutputTokens == 10)
    }

    @Test("clientContent, realtimeInput and toolResponse in the shapes of PROTOCOL.md §3")
    func clientMessages() throws {
        try expectSameJSON(
            try WireCoding.encode(LiveClientMessage.clientContent(LiveClientContent(turns: [.user("Hello, how are you?")], turnComplete: true))),
            #"{"clientContent": {"turns": [{"role": "user", "parts": [{"text": "Hello, how are you?"}]}], "turnComplete": true}}"#)
        try expectSameJSON(try WireCoding.encode(LiveClientMessage.clientContent(LiveClientContent(turnComplete: true))),
                           #"{"clientContent": {"turnComplete": true}}"#)
        let pcm = Data([0xFB, 0xFF, 0xBF, 0xFB, 0xFF, 0xBF, 0x00, 0x01, 0x10, 0x20])
        try expectSameJSON(try WireCoding.encode(LiveClientMessage.realtimeInput(LiveClientRealtimeInput(audio: .pcm(pcm)))),
                           #"{"realtimeInput": {"audio": {"mimeType": "audio/pcm;rate=16000", "data": "+/+/+/+/AAEQIA=="}}}"#)
        try expectSameJSON(try WireCoding.encode(LiveClientMessage.realtimeInput(LiveClientRealtimeInput(text: "What time is it?"))),
                           #"{"realtimeInput": {"text": "What time is it?"}}"#)
        try expectSameJSON(try WireCoding.encode(LiveClientMessage.realtimeInput(LiveClientRealtimeInput(activityStart: EmptyObject()))),
                           #"{"realtimeInput": {"activityStart": {}}}"#)
        try expectSameJSON(try WireCoding.encode(LiveClientMessage.realtimeInput(LiveClientRealtimeInput(activityEnd: EmptyObject()))),
                           #"{"realtimeInput": {"activityEnd": {}}}"#)
        try expectSameJSON(try WireCoding.encode(LiveClientMessage.realtimeInput(LiveClientRealtimeInput(audioStreamEnd: true))),
                           #"{"realtimeInput": {"audioStreamEnd": true}}"#)
        try expectSameJSON(
            try WireCoding.encode(LiveClientMessage.realtimeInput(LiveClientRealtimeInput(mediaChunks: [.pcm(Data([1, 2, 3]))]))),
            #"{"realtimeInput": {"mediaChunks": [{"mimeType": "audio/pcm;rate=16000", "data": "AQID"}]}}"#)
        let responses = [
            FunctionResponse(id: "fc-001", name: "get_weather", response: ["temp_c": 21.5, "sky": "clear"]),
            FunctionResponse(id: "call-2", name: "turn_on_the_lights", response: ["result": "ok"], willContinue: true, scheduling: .whenIdle),
        ]
        try expectSameJSON(try WireCoding.encode(LiveClientMessage.toolResponse(LiveClientToolResponse(functionResponses: responses))), """
            {"toolResponse": {"functionResponses": [
               {"id": "fc-001", "name": "get_weather", "response": {"temp_c": 21.5, "sky": "clear"}},
               {"id": "call-2", "name": "turn_on_the_lights", "response": {"result": "ok"}, "willContinue": true, "scheduling": "WHEN_IDLE"}]}}
            """)
    }

    @Test("the audio fast path writes the same bytes as the Codable path")
    func fastAudioPath() throws {
        let samples = (0..<320).map { Int16(truncatingIfNeeded: $0 &* 977) }
        let pcm = samples.withUnsafeBytes { Data($0) }
        var fast: [UInt8] = []
        pcm.withUnsafeBytes { RealtimeAudioEncoder().encode($0, into: &fast) }
        let slow = try WireCoding.encode(LiveClientMessage.realtimeInput(LiveClientRealtimeInput(audio: .pcm(pcm))))
        #expect(fast == slow)
        var other: [UInt8] = []
        Data([1]).withUnsafeBytes { RealtimeAudioEncoder(mimeType: "audio/pcm;rate=8000").encode($0, into: &other) }
        try expectSameJSON(other, #"{"realtimeInput":{"audio":{"data":"AQ==","mimeType":"audio/pcm;rate=8000"}}}"#)
    }

    @Test("every server message of PROTOCOL.md §4 decodes")
    func serverMessages() throws {
        func decode(_ text: String) throws -> LiveServerMessage { try LiveSession.decode(Array(text.utf8)) }

        #expect(try decode(#"{"setupComplete": {}}"#).setupComplete == LiveServerSetupComplete())
        #expect(try decode(#"{"setupComplete": {"sessionId": "s-1"}}"#).setupComplete?.sessionId == "s-1")

        let content = try decode("""
            {"serverContent": {
               "modelTurn": {"role": "model", "parts": [
                   {"text": "Hello"},
                   {"inlineData": {"mimeType": "audio/pcm;rate=24000", "data": "AAECAw=="}},
                   {"text": "thinking", "thought": true}]},
               "generationComplete": true, "turnComplete": true, "interrupted": true,
               "inputTranscription":  {"text": "what's the weather", "finished": true},
               "outputTranscription": {"text": "It is sunny."},
               "groundingMetadata": {"webSearchQueries": ["weather"],
                   "searchEntryPoint": {"renderedContent": "<div>chip</div>"},
                   "groundingChunks": [{"web": {"uri": "https://example.org/w", "title": "example.org", "domain": "example.org"}}],
                   "groundingSupports": [{"segment": {"startIndex": 0, "endIndex": 12, "text": "It is sunny."},
                                          "groundingChunkIndices": [0], "confidenceScores": [0.93]}],
                   "retrievalMetadata": {"googleSearchDynamicRetrievalScore": 0.7},
                   "someNewerField": {"x": 1}},
               "urlContextMetadata": {},
               "turnCompleteReason": "NEED_MORE_INPUT", "waitingForInput": true}}
            """)
        let server = try #require(content.serverContent)
        #expect(content.text == "Hello")
        #expect(content.data == Data([0, 1, 2, 3]))
        #expect(server.modelTurn?.parts[1].inlineData?.sampleRate == 24_000)
        #expect(server.generationComplete == true && server.turnComplete == true && server.interrupted == true)
        #expect(server.inputTranscription == Transcription(text: "what's the weather", finished: true))
        #expect(server.outputTranscription?.text == "It is sunny.")
        let grounding = try #require(server.groundingMetadata)
        #expect(grounding.webSearchQueries == ["weather"])
        #expect(grounding.searchEntryPoint?.renderedContent == "<div>chip</div>")
        #expect(grounding.groundingChunks == [GroundingChunk(web: .init(uri: "https://example.org/w", title: "example.org",
                                                                        domain: "example.org"))])
        #expect(grounding.groundingSupports?.first?.segment?.endIndex == 12)
        #expect(grounding.groundingSupports?.first?.groundingChunkIndices == [0])
        #expect(grounding.groundingSupports?.first?.confidenceScores == [0.93])
        #expect(grounding.retrievalMetadata?["googleSearchDynamicRetrievalScore"] == 0.7)
        #expect(server.turnCompleteReason == .needMoreInput)
        #expect(server.waitingForInput == true)

        let call = try decode(#"{"toolCall": {"functionCalls": [{"id": "fc-1", "name": "get_weather", "args": {"city": "Paris", "days": 3}}]}}"#)
        #expect(call.toolCall?.functionCalls?.first == FunctionCall(id: "fc-1", name: "get_weather", args: ["city": "Paris", "days": 3]))
        #expect(try decode(#"{"toolCallCancellation": {"ids": ["fc-1", "fc-2"]}}"#).toolCallCancellation?.ids == ["fc-1", "fc-2"])
        let goAway = try decode(#"{"goAway": {"timeLeft": "50s"}}"#).goAway
        #expect(goAway?.timeLeftDuration == .seconds(50))
        #expect(LiveServerGoAway(timeLeft: "1.5s").timeLeftDuration == .milliseconds(1500))
        let update = try decode(#"{"sessionResumptionUpdate": {"newHandle": "h-2", "resumable": true, "lastConsumedClientMessageIndex": "12"}}"#)
        #expect(update.sessionResumptionUpdate == LiveServerSessionResumptionUpdate(newHandle: "h-2", resumable: true, lastConsumedClientMessageIndex: 12))
        let usage = try decode("""
            {"usageMetadata": {"promptTokenCount": 10, "responseTokenCount": 20, "totalTokenCount": 30,
             "cachedContentTokenCount": 1, "toolUsePromptTokenCount": 2, "thoughtsTokenCount": 3,
             "promptTokensDetails": [{"modality": "TEXT", "tokenCount": 10}], "responseTokensDetails": [{"modality": "AUDIO", "tokenCount": 20}]}}
            """).usageMetadata
        #expect(usage?.totalTokenCount == 30 && usage?.responseTokensDetails?.first?.tokenCount == 20)
        let vertexUsage = try decode(#"{"usageMetadata": {"candidatesTokenCount": 7, "candidatesTokensDetails": [{"modality": "AUDIO", "tokenCount": 7}]}}"#)
        #expect(vertexUsage.usageMetadata?.responseTokenCount == 7)
        #expect(vertexUsage.usageMetadata?.responseTokensDetails?.first?.modality == "AUDIO")
        #expect(try decode(#"{"voiceActivityDetectionSignal": {"vadSignalType": "VAD_SIGNAL_TYPE_SOS"}}"#).voiceActivityDetectionSignal?.vadSignalType == .startOfSpeech)
        let activity = try decode(#"{"voiceActivity": {"type": "ACTIVITY_START", "audioOffset": "1.5s"}}"#).voiceActivity
        #expect(activity?.type == .start && activity?.audioOffset == "1.5s")
        let both = try decode(#"{"serverContent": {"turnComplete": true}, "usageMetadata": {"totalTokenCount": 5}}"#)
        #expect(both.serverContent?.turnComplete == true && both.usageMetadata?.totalTokenCount == 5)
    }

    @Test("unknown fields, unknown enum values and unknown message kinds are tolerated")
    func unknowns() throws {
        let message = try LiveSession.decode(Array(#"{"serverContent": {"turnComplete": true, "brandNewField": {"x": 1}}, "futureKey": 3}"#.utf8))
        #expect(message.serverContent?.turnComplete == true)
        let future = try LiveSession.decode(Array(#"{"serverContent": {"turnCompleteReason": "SOMETHING_NEW"}}"#.utf8))
        #expect(future.serverContent?.turnCompleteReason?.rawValue == "SOMETHING_NEW")
        #expect(try LiveSession.decode(Array(#"{"somethingElse": {}}"#.utf8)).isUnknown)
        #expect(try LiveSession.decode(Array("{}".utf8)).isUnknown)
    }

    @Test("malformed JSON and bad base64 are protocol errors carrying a cut excerpt")
    func malformed() throws {
        let long = "{not json" + String(repeating: "x", count: 5000)
        do {
            _ = try LiveSession.decode(Array(long.utf8))
            Issue.record("expected a protocol error")
        } catch {
            #expect(error.kind == .protocolViolation)
            #expect((error.offendingMessage?.count ?? 0) < 260)
        }
        do {
            _ = try LiveSession.decode(Array(#"{"serverContent":{"modelTurn":{"parts":[{"inlineData":{"mimeType":"audio/pcm","data":"%%%"}}]}}}"#.utf8))
            Issue.record("expected a protocol error")
        } catch {
            #expect(error.kind == .protocolViolation)
            #expect(error.message.contains("base64"))
        }
    }

    @Test("Codable round trip of every client and server type")
    func roundTrips() throws {
        let setup = LiveClientSetup(model: "models/x", config: LiveConnectConfig(
            systemInstruction: "hi", tools: [Tool(functionDeclarations: [FunctionDeclaration(
                name: "f", description: "d", parameters: Schema(type: .array, items: Schema(type: .number, minimum: 0, maximum: 1), minItems: 1),
                behavior: .nonBlocking)])],
            speechConfig: .voice("Puck"), responseModalities: [.text], proactivity: ProactivityConfig(proactiveAudio: true)))
        let messages: [LiveClientMessage] = [
            .setup(setup),
            .clientContent(LiveClientContent(turns: [Content(role: "model", parts: [Part(functionCall: FunctionCall(id: "1", name: "f", args: ["a": [1, 2.5, nil, true]]))])], turnComplete: false)),
            .realtimeInput(LiveClientRealtimeInput(video: Blob(mimeType: "image/jpeg", data: Data([0xFF, 0xD8])))),
            .toolResponse(LiveClientToolResponse(functionResponses: [FunctionResponse(id: "1", name: "f", response: ["output": ["nested": "yes"]])])),
        ]
        for message in messages {
            let decoded = try WireCoding.decode(LiveClientMessage.self, from: try WireCoding.encode(message))
            #expect(decoded == message)
        }
        let server = LiveServerMessage(
            serverContent: LiveServerContent(modelTurn: Content(role: "model", parts: [Part(inlineData: .pcm(Data([9, 8]), sampleRate: 24_000))]),
                                             turnComplete: true, outputTranscription: Transcription(text: "t", finished: true)),
            toolCall: LiveServerToolCall(functionCalls: [FunctionCall(id: "x", name: "y")]),
            sessionResumptionUpdate: LiveServerSessionResumptionUpdate(newHandle: "h", resumable: true, lastConsumedClientMessageIndex: 4),
            usageMetadata: UsageMetadata(promptTokenCount: 1, totalTokenCount: 2))
        #expect(try WireCoding.decode(LiveServerMessage.self, from: try WireCoding.encode(server)) == server)
    }

    @Test("base64: standard and URL-safe, padded or not; garbage refused; output matches Foundation")
    func base64() {
        let bytes: [UInt8] = [0xFB, 0xFF, 0xBF, 0xFB, 0xFF, 0xBF, 0x00, 0x01, 0x10, 0x20]
        #expect(Base64.decode("+/+/+/+/AAEQIA==") == bytes)
        #expect(Base64.decode("-_-_-_-_AAEQIA==") == bytes)
        #expect(Base64.decode("-_-_-_-_AAEQIA") == bytes)
        #expect(Base64.decode("") == [])
        #expect(Base64.decode("A") == nil)
        #expect(Base64.decode("AB=C") == nil)
        #expect(Base64.decode("ab$d") == nil)
        for length in 0..<40 {
            let data = Data((0..<length).map { UInt8(($0 * 37 + 11) % 256) })
            #expect(Base64.encode(data) == data.base64EncodedString())
            #expect(Base64.decode(data.base64EncodedString()) == Array(data))
        }
    }
}
