// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

import Foundation
import GeminiLive
import JSON
import LiveSimulator
import Testing

/// The real client (GeminiLive over libcurl) against the local Live API peer: every message kind both ways.
@Suite("GeminiLive against the simulator")
struct ClientAgainstSimulatorTests {
    @Test("text turn: setup and clientContent arrive in canonical form; text, generationComplete, turnComplete, usage come back")
    func textTurn() async throws {
        let service = try await SimulatedService.start()
        defer { Task { await service.simulator.shutdown() } }
        let session = try await service.client.live.connect(
            model: "gemini-live-2.5-flash-preview",
            config: LiveConnectConfig(systemInstruction: "Be brief.", responseModalities: [.text], temperature: 0.5))
        #expect(session.sessionId?.hasPrefix("sim-session-") == true)
        try await session.sendClientContent(turns: [.user("Hello there")], turnComplete: true)
        let messages = try await SimulatedService.collect(session) { $0.usageMetadata != nil }
        let text = messages.compactMap(\.text).joined()
        #expect(text == "You said: Hello there")
        #expect(messages.contains { $0.serverContent?.generationComplete == true })
        #expect(messages.contains { $0.isTurnComplete })
        #expect((messages.last?.usageMetadata?.totalTokenCount ?? 0) > 0)
        await session.close()

        let connection = try #require(service.simulator.latestConnection)
        #expect(connection.path == "/ws/google.ai.generativelanguage.v1beta.GenerativeService.BidiGenerateContent")
        #expect(connection.header("x-goog-api-key") == "sim-key")
        let setup = try #require(connection.received.first)
        #expect(setup.kind == .text)
        #expect(setup.key == "setup")
        #expect(setup.text.contains(#""generationConfig":{"responseModalities":["TEXT"],"temperature":0.5}"#))
        #expect(setup.text.contains(#""systemInstruction":{"parts":[{"text":"Be brief."}],"role":"user"}"#))
        let content = try #require(connection.received("clientContent").first)
        #expect(content.text == #"{"clientContent":{"turnComplete":true,"turns":[{"parts":[{"text":"Hello there"}],"role":"user"}]}}"#)
    }

    @Test("audio turn: 24 kHz PCM arrives in base64 chunks, not silence, with an output transcription")
    func audioTurn() async throws {
        let service = try await SimulatedService.start()
        defer { Task { await service.simulator.shutdown() } }
        var config = LiveConnectConfig(responseModalities: [.audio])
        config.speechConfig = .voice("Aoede")
        config.outputAudioTranscription = AudioTranscriptionConfig()
        let session = try await service.client.live.connect(model: "gemini-live-2.5-flash-preview", config: config)
        try await session.sendClientContent(turns: [.user("Tell me something")])
        let messages = try await SimulatedService.collect(session) { $0.isTurnComplete }
        var audio = Data()
        for message in messages {
            for part in message.serverContent?.modelTurn?.parts ?? [] {
                if let blob = part.inlineData {
                    #expect(blob.mimeType == "audio/pcm;rate=24000")
                    audio.append(blob.data)
                }
            }
        }
        #expect(audio.count > 24_000)  // more than half a second
        #expect(audio.count % 2 == 0)
        let samples = audio.withUnsafeBytes { Array($0.bindMemory(to: Int16.self)) }
        let rms = (samples.reduce(0.0) { $0 + Double($1) * Double($1) } / Double(samples.count)).squareRoot()
        #expect(rms > 500)
        let transcript = messages.compactMap { $0.serverContent?.outputTranscription?.text }.joined()
        #expect(transcript.contains("Tell me something"))
        await session.close()
        let setup = try #require(service.simulator.latestConnection?.setup)
        #expect(setup["generationConfig"]?["speechConfig"]?["voiceConfig"]?["prebuiltVoiceConfig"]?["voiceName"] == "Aoede")
    }

    @Test("push-to-talk: activityStart, audio (fast path), activityEnd; the server got our bytes exactly")
    func pushToTalk() async throws {
        let service = try await SimulatedService.start()
        defer { Task { await service.simulator.shutdown() } }
        let config = LiveConnectConfig(
            responseModalities: [.text],
            realtimeInputConfig: RealtimeInputConfig(automaticActivityDetection: AutomaticActivityDetection(disabled: true)),
            inputAudioTranscription: AudioTranscriptionConfig())
        let session = try await service.client.live.connect(model: "m", config: config)
        let pcm = speechLikePCM(seconds: 1.2)
        try await session.sendActivityStart()
        let encoder = RealtimeAudioEncoder()
        for offset in stride(from: 0, to: pcm.count, by: 640) {
            try pcm[offset..<min(offset + 640, pcm.count)].withUnsafeBytes { try session.sendAudio(pcm: $0, encoder: encoder) }
        }
        try await session.sendActivityEnd()
        let messages = try await SimulatedService.collect(session) { $0.isTurnComplete }
        #expect(messages.compactMap(\.text).joined() == "I heard 1.2 seconds of audio.")
        #expect(messages.contains { $0.serverContent?.inputTranscription?.text == "(1.2 seconds of audio)" })
        await session.close()

        let frames = try #require(service.simulator.latestConnection).received("realtimeInput")
        var received = Data()
        for frame in frames {
            guard let data = frame.json?["realtimeInput"]?["audio"]?["data"]?.stringValue else { continue }
            received.append(contentsOf: try #require(GeminiLive.Base64.decode(data)))
        }
        #expect(received == pcm)
        #expect(frames.first?.json?["realtimeInput"]?["activityStart"] != nil)
        #expect(frames.last?.json?["realtimeInput"]?["activityEnd"] != nil)
    }

    @Test("the deprecated mediaChunks form and audioStreamEnd, with server-side activity detection")
    func mediaChunksAndStreamEnd() async throws {
        let service = try await SimulatedService.start { $0.serverSilenceDetection = nil }
        defer { Task { await service.simulator.shutdown() } }
        let session = try await service.client.live.connect(model: "m", config: LiveConnectConfig(responseModalities: [.text]))
        try await session.sendRealtimeInput(mediaChunks: [.pcm(speechLikePCM(seconds: 0.5))])
        try await session.sendRealtimeInput(audioStreamEnd: true)
        let messages = try await SimulatedService.collect(session) { $0.isTurnComplete }
        #expect(messages.compactMap(\.text).joined() == "I heard 0.5 seconds of audio.")
        await session.close()
    }

    @Test("tool call round trip: the response carries the call's id and the turn continues")
    func toolRoundTrip() async throws {
        let service = try await SimulatedService.start {
            $0.toolRules = [ToolRule(trigger: "light", name: "set_light", args: ["on": true, "room": "kitchen"])]
        }
        defer { Task { await service.simulator.shutdown() } }
        let declaration = FunctionDeclaration(
            name: "set_light", description: "Switch a light.",
            parameters: Schema(type: .object, properties: ["on": Schema(type: .boolean), "room": Schema(type: .string)], required: ["on"]))
        let session = try await service.client.live.connect(
            model: "m", config: LiveConnectConfig(tools: [Tool(functionDeclarations: [declaration])], responseModalities: [.text]))
        try await session.sendClientContent(turns: [.user("Turn on the kitchen light")])
        let untilCall = try await SimulatedService.collect(session) { $0.toolCall != nil }
        let call = try #require(untilCall.last?.toolCall?.functionCalls?.first)
        #expect(call.name == "set_light")
        #expect(call.args == ["on": true, "room": "kitchen"])
        let id = try #require(call.id)
        try await session.sendToolResponse(functionResponses: [FunctionResponse(id: id, name: call.name, response: ["result": "ok"])])
        let rest = try await SimulatedService.collect(session) { $0.isTurnComplete }
        #expect(rest.compactMap(\.text).joined() == #"Done: set_light returned {"result":"ok"}."#)
        #expect(service.simulator.latestConnection?.functionDeclarations == ["set_light"])
        let response = try #require(service.simulator.latestConnection?.received("toolResponse").first)
        #expect(response.json?["toolResponse"]?["functionResponses"]?[0]?["id"]?.stringValue == id)
        await session.close()
    }

    @Test("toolCallCancellation, usageMetadata and goAway reach the client")
    func controls() async throws {
        let service = try await SimulatedService.start()
        defer { Task { await service.simulator.shutdown() } }
        let session = try await service.client.live.connect(model: "m", config: LiveConnectConfig(responseModalities: [.text]))
        try await service.simulator.sendToolCallCancellation(ids: ["fc-7", "fc-8"])
        try await service.simulator.sendUsageMetadata(promptTokens: 3, responseTokens: 4)
        try await service.simulator.sendGoAway(timeLeft: "5s")
        let messages = try await SimulatedService.collect(session) { $0.goAway != nil }
        #expect(messages.first?.toolCallCancellation?.ids == ["fc-7", "fc-8"])
        #expect(messages.contains { $0.usageMetadata?.promptTokenCount == 3 })
        #expect(session.goAway?.timeLeftDuration == .seconds(5))
        await session.close()
    }

    @Test("interrupted: an audio reply in progress is cut and the client is told")
    func interruption() async throws {
        let service = try await SimulatedService.start { $0.realtimePacing = true }
        defer { Task { await service.simulator.shutdown() } }
        let session = try await service.client.live.connect(model: "m", config: LiveConnectConfig(responseModalities: [.audio]))
        try await session.sendClientContent(turns: [.user(String(repeating: "a long answer please ", count: 10))])
        let firstAudio = try await SimulatedService.collect(session) { $0.data != nil }
        #expect(firstAudio.last?.data != nil)
        try await service.simulator.interrupt()
        let rest = try await SimulatedService.collect(session) { $0.serverContent?.interrupted == true }
        #expect(rest.last?.serverContent?.interrupted == true)
        await session.close()
    }

    @Test("goAway then resume: the new connection carries the last resumable handle and continues the session")
    func goAwayAndResume() async throws {
        let service = try await SimulatedService.start()
        defer { Task { await service.simulator.shutdown() } }
        var config = LiveConnectConfig(responseModalities: [.text])
        config.sessionResumption = SessionResumptionConfig()
        let first = try await service.client.live.connect(model: "m", config: config)
        try await first.sendClientContent(turns: [.user("remember this")])
        _ = try await SimulatedService.collect(first) { $0.sessionResumptionUpdate != nil }
        let handle = try #require(first.resumptionHandle)
        try await service.simulator.sendGoAway(timeLeft: "1s")
        _ = try await SimulatedService.collect(first) { $0.goAway != nil }
        await first.close()

        config.sessionResumption = SessionResumptionConfig(handle: handle)
        let second = try await service.client.live.connect(model: "m", config: config)
        #expect(second.sessionId == first.sessionId)
        try await second.sendClientContent(turns: [.user("are you there")])
        let messages = try await SimulatedService.collect(second) { $0.isTurnComplete }
        #expect(messages.compactMap(\.text).joined().hasPrefix("Welcome back; we had 1 turns before."))
        #expect(service.simulator.latestConnection?.resumedHandle == handle)
        await second.close()
    }
}
