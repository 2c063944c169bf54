// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

import Foundation
import GeminiLive
import LiveSimulator
import Testing

/// The 2026 protocol additions end to end: the real client (libcurl) against the simulator.
@Suite("2026 fields against the simulator")
struct NewFieldsAgainstSimulatorTests {
    @Test("contextUpdate reaches the simulator, which records it and takes the new tools")
    func contextUpdate() async throws {
        let service = try await SimulatedService.start()
        defer { Task { await service.simulator.shutdown() } }
        let session = try await service.client.live.connect(
            model: "gemini-3.8-live", config: LiveConnectConfig(systemInstruction: "Be brief.", responseModalities: [.audio]))
        try await session.sendContextUpdate(systemInstruction: "Speak German.",
                                            tools: [Tool(functionDeclarations: [FunctionDeclaration(name: "lamp")])])
        let record = try await service.simulator.waitUntil { $0.last?.contextUpdates.count == 1 ? $0.last : nil }
        #expect(record.systemInstruction?["parts"]?[0]?["text"] == "Speak German.")
        #expect(record.functionDeclarations == ["lamp"])
        #expect(record.received("contextUpdate").first?.text
            == #"{"contextUpdate":{"systemInstruction":{"parts":[{"text":"Speak German."}],"role":"user"},"tools":{"tools":[{"functionDeclarations":[{"name":"lamp"}]}]}}}"#)
        await session.close()
    }

    @Test("the simulator refuses TEXT from an audio-only model and thinkingConfig from 3.8 Live, as 1007 client errors")
    func modelRules() async throws {
        let service = try await SimulatedService.start()
        defer { Task { await service.simulator.shutdown() } }
        for config in [LiveConnectConfig(responseModalities: [.text]),
                       LiveConnectConfig(responseModalities: [.audio], thinkingConfig: ThinkingConfig(thinkingLevel: .low))] {
            do {
                _ = try await service.client.live.connect(model: LiveModels.defaultModel, config: config)
                Issue.record("expected a 1007 close")
            } catch {
                #expect(error.closeCode == 1007)
                #expect(error.isClientError && !error.isRetryable)
            }
        }
        let legacy = try await service.client.live.connect(
            model: "gemini-3.1-flash-live-preview",
            config: LiveConnectConfig(responseModalities: [.text], thinkingConfig: ThinkingConfig(thinkingLevel: .minimal)))
        #expect(service.simulator.latestConnection?.setup?["generationConfig"]?["thinkingConfig"]?["thinkingLevel"] == "MINIMAL")
        await legacy.close()
    }

    @Test("interactionStatus from the simulator: complete at IDLE, not at a turnComplete IN_PROGRESS")
    func interactionStatus() async throws {
        let service = try await SimulatedService.start { $0.interactionStatus = .backgroundReasoning }
        defer { Task { await service.simulator.shutdown() } }
        var config = LiveConnectConfig(responseModalities: [.audio])
        config.outputAudioTranscription = AudioTranscriptionConfig()
        let session = try await service.client.live.connect(model: "gemini-3.8-live-extended-thinking", config: config)
        try await session.sendClientContent(turns: [.user("Think")])
        let messages = try await SimulatedService.collect(session) { $0.serverContent?.isInteractionComplete == true }
        let turnCompletes = messages.filter { $0.serverContent?.turnComplete == true }
        #expect(turnCompletes.count == 2)
        #expect(turnCompletes.first?.serverContent?.interactionStatus == .inProgress)
        #expect(messages.last?.serverContent?.interactionStatus == .idle)
        let transcript = messages.compactMap { $0.serverContent?.outputTranscription?.text }.joined()
        #expect(transcript == "You said: ThinkAfter more thought, that is all.")
        await session.close()
    }
}
