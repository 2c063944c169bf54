// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

import CurlWebSocket
import LiveSimulator
import Testing

/// Starts a simulator, runs `body`, and shuts it down whatever happens.
@discardableResult
func withSimulator<T>(
    _ configuration: SimulatorConfiguration = SimulatorConfiguration(), _ body: (LiveSimulator) async throws -> T
) async throws -> T {
    let simulator = try await LiveSimulator.start(configuration)
    do {
        let result = try await body(simulator)
        await simulator.shutdown()
        return result
    } catch {
        await simulator.shutdown()
        throw error
    }
}

let textSetup: WireValue = ["model": .string(TestClient.model), "generationConfig": ["responseModalities": ["TEXT"]]]

func userText(_ text: String, turnComplete: Bool = true) -> WireValue {
    ["clientContent": ["turns": [["role": "user", "parts": [["text": .string(text)]]]], "turnComplete": .bool(turnComplete)]]
}

/// The text of a turn's `modelTurn` parts, concatenated.
func modelText(_ messages: [WireValue]) -> String {
    messages.compactMap { $0.at("serverContent", "modelTurn", "parts")?[0]?["text"]?.stringValue }.joined()
}

@Suite("Live session behaviour, driven by libcurl's WebSocket")
struct SessionTests {
    @Test("setup is answered with setupComplete carrying a sessionId, in a BINARY frame")
    func setupComplete() async throws {
        try await withSimulator { simulator in
            let client = try await TestClient.connect(simulator, headers: ["x-goog-api-client: test/1.0"])
            try client.send(["setup": ["model": .string(TestClient.model)]])
            let message = try await client.receiveMessage()
            guard case .binary(let bytes) = message else {
                Issue.record("setupComplete came in a TEXT frame; the real service sends BINARY")
                return
            }
            #expect(try WireValue.parse(bytes) == ["setupComplete": ["sessionId": "sim-session-1"]])

            let record = try #require(simulator.latestConnection)
            #expect(record.path == LiveSimulator.geminiPath)
            #expect(record.upgraded)
            #expect(record.header("X-Goog-Api-Client") == "test/1.0")
            #expect(record.setup == ["model": .string(TestClient.model)])
            #expect(record.sessionID == "sim-session-1")
            let setupFrame = try await simulator.waitForMessage("setup")
            #expect(setupFrame.kind == .text)
            #expect(setupFrame.key == "setup")
            #expect(record.sent.map(\.messageType) == ["setupComplete"])
            await client.close()
        }
    }

    @Test("setupComplete can leave out the sessionId and go out in TEXT frames")
    func setupCompleteOptions() async throws {
        var configuration = SimulatorConfiguration()
        configuration.sessionIdInSetupComplete = false
        configuration.serverFramesAreBinary = false
        try await withSimulator(configuration) { simulator in
            let client = try await TestClient.connect(simulator)
            try client.send(["setup": ["model": .string(TestClient.model)]])
            let message = try await client.receiveMessage()
            #expect(message == .text(Array(#"{"setupComplete":{}}"#.utf8)))
            await client.close()
        }
    }

    @Test("a TEXT turn: modelTurn chunks, generationComplete, turnComplete, usageMetadata")
    func textTurn() async throws {
        try await withSimulator { simulator in
            let client = try await TestClient.connect(simulator)
            try await client.setUp(textSetup)
            try client.send(userText("Hello there"))
            let turn = try await client.receiveTurn()
            #expect(turn == [
                ["serverContent": ["modelTurn": ["parts": [["text": "You said: Hello "]]]]],
                ["serverContent": ["modelTurn": ["parts": [["text": "there"]]]]],
                ["serverContent": ["generationComplete": true]],
                ["serverContent": ["turnComplete": true]],
            ])
            // 11 bytes of prompt → 3 tokens; 21 bytes of reply → 6 tokens.
            #expect(try await client.receiveJSON() == ["usageMetadata": [
                "promptTokenCount": 3, "responseTokenCount": 6, "totalTokenCount": 9,
                "promptTokensDetails": [["modality": "TEXT", "tokenCount": 3]],
                "responseTokensDetails": [["modality": "TEXT", "tokenCount": 6]],
            ]])
            let frame = try await simulator.waitForMessage("clientContent")
            #expect(frame.json?.at("clientContent", "turnComplete") == true)
            await client.close()
        }
    }

    @Test("turns with turnComplete false are buffered; model turns only prefill")
    func bufferedTurns() async throws {
        try await withSimulator { simulator in
            let client = try await TestClient.connect(simulator)
            try await client.setUp(textSetup)
            try client.send(userText("first part", turnComplete: false))
            try client.send(#"{"clientContent":{"turns":[{"role":"model","parts":[{"text":"ignored"}]}]}}"#)
            try client.sendBinary(userText("second part").serialized)  // BINARY frames are accepted too
            #expect(modelText(try await client.receiveTurn()) == "You said: first part second part")
            // A bare turnComplete after buffered text also ends the turn.
            _ = try await client.receiveJSON()  // usageMetadata
            try client.send(userText("third", turnComplete: false))
            try client.send(#"{"clientContent":{"turnComplete":true}}"#)
            #expect(modelText(try await client.receiveTurn()) == "You said: third")
            await client.close()
        }
    }

    @Test("an AUDIO turn: 24 kHz s16le chunks of 100 ms, real signal, transcription, then the turn ends")
    func audioTurn() async throws {
        try await withSimulator { simulator in
            let client = try await TestClient.connect(simulator)
            try await client.setUp(["model": .string(TestClient.model), "outputAudioTranscription": [:]])
            try client.send(userText("Hello"))
            let turn = try await client.receiveTurn()

            var audio: [UInt8] = []
            var chunkSizes: [Int] = []
            var transcript = ""
            for message in turn {
                if let data = message.at("serverContent", "modelTurn", "parts")?[0]?["inlineData"] {
                    #expect(data["mimeType"] == "audio/pcm;rate=24000")
                    let text = try #require(data["data"]?.stringValue)
                    #expect(!text.contains("-") && !text.contains("_"), "the service sends standard base64")
                    let bytes = try #require(Base64.decode(text))
                    chunkSizes.append(bytes.count)
                    audio += bytes
                }
                transcript += message.at("serverContent", "outputTranscription", "text")?.stringValue ?? ""
            }
            let expected = SpeechSynthesizer.pcmBytes(for: "You said: Hello")
            #expect(audio == expected)
            #expect(audio.count % 2 == 0)
            #expect(chunkSizes.dropLast().allSatisfy { $0 == 4_800 }, "100 ms at 24 kHz s16le is 4800 bytes")
            #expect(chunkSizes.count == (audio.count + 4_799) / 4_800)
            let seconds = Double(audio.count) / 48_000
            #expect(seconds > 0.5 && seconds < 3, "reply length \(seconds) s is not proportional to its 15 characters")
            #expect(rms(samples(audio)) > 1_000, "the reply audio must not be silence")
            #expect(transcript == "You said: Hello")
            #expect(Array(turn.suffix(2)) == [
                ["serverContent": ["generationComplete": true]], ["serverContent": ["turnComplete": true]],
            ])
            let usage = try await client.receiveJSON()
            #expect(usage.at("usageMetadata", "responseTokensDetails")?[0]?["modality"] == "AUDIO")
            await client.close()
        }
    }

    @Test("a longer reply gives proportionally longer audio")
    func audioLengthGrowsWithText() {
        let short = SpeechSynthesizer.samples(for: "Yes.")
        let long = SpeechSynthesizer.samples(for: "Yes, the kitchen light is on now and the heating is set to twenty degrees.")
        #expect(long.count > 5 * short.count)
        #expect(rms(short) > 1_000)
        #expect(SpeechSynthesizer.samples(for: "Yes.") == short, "synthesis is deterministic")
    }

    @Test("audio input ended by audioStreamEnd is answered with how much was heard, with inputTranscription")
    func audioInputWithStreamEnd() async throws {
        try await withSimulator { simulator in
            let client = try await TestClient.connect(simulator)
            var setup = textSetup
            if case .object(var members) = setup {
                members["inputAudioTranscription"] = [:]
                setup = .object(members)
            }
            try await client.setUp(setup)
            try sendAudio(client, voiced16k(seconds: 1.2))
            try client.send(#"{"realtimeInput":{"audioStreamEnd":true}}"#)
            let turn = try await client.receiveTurn()
            #expect(turn.first == ["serverContent": ["inputTranscription": ["text": "(1.2 seconds of audio)", "finished": true]]])
            #expect(modelText(turn) == "I heard 1.2 seconds of audio.")
            #expect(simulator.latestConnection?.received("realtimeInput").count == 13)
            await client.close()
        }
    }

    @Test("with automatic activity detection, 500 ms of quiet after speech ends the turn")
    func silenceEndsTurn() async throws {
        try await withSimulator { simulator in
            let client = try await TestClient.connect(simulator)
            try await client.setUp(textSetup)
            try sendAudio(client, voiced16k(seconds: 0.8) + Array(repeating: 0, count: 9_600))
            // Speech ends at 0.8 s; the quiet reaches 500 ms in the chunk ending at 1.3 s.
            #expect(modelText(try await client.receiveTurn()) == "I heard 1.3 seconds of audio.")
            await client.close()
        }
    }

    @Test("with activity detection disabled, activityStart…activityEnd brackets the heard audio")
    func manualActivity() async throws {
        try await withSimulator { simulator in
            let client = try await TestClient.connect(simulator)
            try await client.setUp([
                "model": .string(TestClient.model), "generationConfig": ["responseModalities": ["TEXT"]],
                "realtimeInputConfig": ["automaticActivityDetection": ["disabled": true]],
            ])
            try sendAudio(client, voiced16k(seconds: 0.3))  // outside an activity: ignored
            try client.send(#"{"realtimeInput":{"activityStart":{}}}"#)
            try sendAudio(client, voiced16k(seconds: 0.5))
            try client.send(#"{"realtimeInput":{"activityEnd":{}}}"#)
            #expect(modelText(try await client.receiveTurn()) == "I heard 0.5 seconds of audio.")
            await client.close()
        }
    }

    @Test("realtimeInput.text is a user turn")
    func realtimeText() async throws {
        try await withSimulator { simulator in
            let client = try await TestClient.connect(simulator)
            try await client.setUp(textSetup)
            try client.send(#"{"realtimeInput":{"text":"What time is it?"}}"#)
            #expect(modelText(try await client.receiveTurn()) == "You said: What time is it?")
            await client.close()
        }
    }

    @Test("snake_case keys and URL-safe base64 are accepted, as by Google's parser")
    func snakeCaseAndURLSafeBase64() async throws {
        try await withSimulator { simulator in
            let client = try await TestClient.connect(simulator)
            try client.send(#"""
                {"setup":{"model":"models/x","generation_config":{"response_modalities":["TEXT"]},
                 "realtime_input_config":{"automatic_activity_detection":{"disabled":true}}}}
                """#)
            #expect(try await client.receiveJSON()["setupComplete"] != nil)
            let record = try #require(simulator.latestConnection)
            #expect(record.setup?.at("generationConfig", "responseModalities") == ["TEXT"])

            let standard = Base64.encode(pcmBytes(voiced16k(seconds: 0.5)))
            let urlSafe = String(standard.map { $0 == "+" ? "-" : $0 == "/" ? "_" : $0 })
            #expect(urlSafe.contains("-") || urlSafe.contains("_"), "the test data must exercise the URL-safe alphabet")
            try client.send(#"{"realtime_input":{"activity_start":{}}}"#)
            try client.send(#"{"realtime_input":{"media_chunks":[{"mime_type":"audio/pcm;rate=16000","data":"\#(urlSafe)"}]}}"#)
            try client.send(#"{"realtime_input":{"activity_end":{}}}"#)
            #expect(modelText(try await client.receiveTurn()) == "I heard 0.5 seconds of audio.")
            _ = try await client.receiveJSON()  // usageMetadata

            try client.send(#"{"client_content":{"turns":[{"parts":[{"text":"snake"}]}],"turn_complete":true}}"#)
            #expect(modelText(try await client.receiveTurn()) == "You said: snake")
            let frame = try await simulator.waitForMessage("clientContent")
            #expect(frame.key == "client_content")
            await client.close()
        }
    }

    @Test("the Vertex path, the double-slash form and the Constrained method are all Live endpoints")
    func otherPaths() async throws {
        try await withSimulator { simulator in
            for path in [
                LiveSimulator.vertexPath,
                "/ws/google.cloud.aiplatform.v1.LlmBidiService/BidiGenerateContent",
                "//ws/google.ai.generativelanguage.v1.GenerativeService.BidiGenerateContent",
                "/ws/google.ai.generativelanguage.v1alpha.GenerativeService.BidiGenerateContentConstrained",
            ] {
                let client = try await TestClient.connect(simulator, path: path)
                try await client.setUp(["model": "projects/p/locations/us-central1/publishers/google/models/gemini"])
                #expect(simulator.latestConnection?.path == path)
                await client.close()
            }
        }
    }
}
