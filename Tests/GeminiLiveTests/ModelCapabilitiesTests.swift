// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

import GeminiLive
import Log
import Testing

/// The model table against the Live models the documentation listed on 2026-12-04 (PROTOCOL.md §0).
@Suite("Live model capabilities")
struct ModelCapabilitiesTests {
    @Test("gemini-3.8-live is the default: asynchronous calls by default, audio only, no thinkingConfig")
    func defaultModel() {
        #expect(LiveModels.defaultModel == "gemini-3.8-live")
        let model = LiveModels.capabilities(for: LiveModels.defaultModel)
        #expect(model.isKnown && model.lifecycle == .stable)
        #expect(model.supportsAsynchronousFunctionCalls && !model.isSynchronousOnly && !model.isAsynchronousOnly)
        #expect(model.defaultBehavior == .nonBlocking)
        #expect(model.refusesTextOutput)
        #expect(!model.acceptsThinkingConfig)
    }

    @Test("each listed model has the documented answers")
    func table() {
        let extended = LiveModels.capabilities(for: "gemini-3.8-live-extended-thinking")
        #expect(extended.isAsynchronousOnly && extended.reportsInteractionStatus)
        let legacy = LiveModels.capabilities(for: "gemini-3.1-flash-live-preview")
        #expect(legacy.isSynchronousOnly && !legacy.supportsAsynchronousFunctionCalls)
        #expect(legacy.acceptsThinkingConfig && !legacy.refusesTextOutput && legacy.defaultBehavior == .blocking)
        let native = LiveModels.capabilities(for: "gemini-2.5-flash-native-audio-preview-12-2025")
        #expect(native.functionCalls == .both && native.refusesTextOutput && native.acceptsThinkingConfig)
        let vertex = LiveModels.capabilities(for: "gemini-live-2.5-flash-native-audio")
        #expect(vertex.backends == [.vertexAI] && vertex.refusesTextOutput)
        for old in ["gemini-live-2.5-flash-preview", "gemini-2.0-flash-live-001"] {
            #expect(LiveModels.capabilities(for: old).lifecycle == .shutDown(on: "2025-12-09"), "\(old)")
            #expect(!LiveModels.capabilities(for: old).lifecycle.isAvailable)
        }
        #expect(LiveModels.textCapableModel == "gemini-3.1-flash-live-preview")
    }

    @Test("resource names are looked up by their model id")
    func resourceNames() {
        for name in ["models/gemini-3.8-live", "publishers/google/models/gemini-3.8-live",
                     "projects/p/locations/us-central1/publishers/google/models/gemini-3.8-live"] {
            #expect(LiveModels.capabilities(for: name).id == "gemini-3.8-live", "\(name)")
            #expect(LiveModels.capabilities(for: name).isKnown, "\(name)")
        }
    }

    @Test("an unknown model gets the conservative answers")
    func unknown() {
        let model = LiveModels.capabilities(for: "gemini-9-live-experimental")
        #expect(!model.isKnown && model.lifecycle == .unknown)
        #expect(model.isSynchronousOnly && model.defaultBehavior == .blocking)
        #expect(!model.acceptsThinkingConfig && !model.reportsInteractionStatus)
        #expect(!model.refusesTextOutput)
        #expect(LiveModels.capabilities(for: "gemini-4-flash-native-audio-preview").refusesTextOutput)
    }

    @Test("connect warns about what the table says the server will refuse, and still connects")
    func warnings() async throws {
        let handler = InMemoryLogHandler()
        let transport = InMemoryTransport()
        transport.onSend { _ in transport.push(#"{"setupComplete":{}}"#) }
        let logger = Logger(label: "live", level: .warning, handler: handler)
        let client = LiveClient(apiKey: "k", apiVersion: "v1", connector: transport, logger: logger)
        let session = try await client.live.connect(
            model: "gemini-3.8-live",
            config: LiveConnectConfig(responseModalities: [.text], thinkingConfig: ThinkingConfig(thinkingLevel: .low)))
        await session.close()
        #expect(handler.text.contains("does not serve the Live API on v1"))
        #expect(handler.text.contains("gemini-3.8-live does not take thinkingConfig"))
        #expect(handler.text.contains("gemini-3.8-live answers only in audio"))
        let quiet = InMemoryLogHandler()
        let second = InMemoryTransport()
        second.onSend { _ in second.push(#"{"setupComplete":{}}"#) }
        let fine = LiveClient(apiKey: "k", connector: second, logger: Logger(label: "live", level: .warning, handler: quiet))
        let other = try await fine.live.connect(model: "gemini-3.1-flash-live-preview",
                                                config: LiveConnectConfig(responseModalities: [.text], thinkingConfig: ThinkingConfig(thinkingLevel: .low)))
        await other.close()
        #expect(quiet.entries.isEmpty)
    }
}
