// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

import GeminiLive
import Testing

/// Endpoints, paths, headers and model names per backend (PROTOCOL.md §1, §3.1).
@Suite("LiveClient endpoints and models")
struct ClientConfigurationTests {
    private func request(_ client: LiveClient, model: String = "gemini-live-2.5-flash-preview") async throws -> (LiveTransportRequest, String) {
        let transport = InMemoryTransport()
        transport.onSend { _ in transport.push(#"{"setupComplete":{}}"#) }
        var client = client
        client.connector = transport
        let session = try await client.live.connect(model: model)
        await session.close()
        return (try #require(transport.requests.first), session.model)
    }

    @Test("Gemini API: v1beta path, x-goog-api-key header, models/ prefix added once")
    func gemini() async throws {
        let (request, model) = try await request(LiveClient(apiKey: "k"))
        #expect(request.url.hasSuffix("/ws/google.ai.generativelanguage.v1beta.GenerativeService.BidiGenerateContent"))
        #expect(request.headers.contains { $0 == ("x-goog-api-key", "k") })
        #expect(model == "models/gemini-live-2.5-flash-preview")
        #expect(try await self.request(LiveClient(apiKey: "k"), model: "models/x").1 == "models/x")
        #expect(try await self.request(LiveClient(apiKey: "k"), model: "tunedModels/y").1 == "tunedModels/y")
        let v1 = try await self.request(LiveClient(apiKey: "k", apiVersion: "v1")).0
        #expect(v1.url.contains("generativelanguage.v1.GenerativeService"))
    }

    @Test("ephemeral tokens use the constrained method, v1alpha, and both headers")
    func ephemeral() async throws {
        let (request, _) = try await request(LiveClient(backend: .ephemeralToken("auth_tokens/abc")))
        #expect(request.url.hasSuffix("/ws/google.ai.generativelanguage.v1alpha.GenerativeService.BidiGenerateContentConstrained"))
        #expect(request.headers.contains { $0 == ("Authorization", "Token auth_tokens/abc") })
    }

    @Test("Vertex AI: regional host, LlmBidiService path, bearer token asked for on each connect, full model path")
    func vertex() async throws {
        let client = LiveClient(vertexAI: "proj", location: "europe-west4", accessToken: { "ya29.token" })
        let (request, model) = try await request(client)
        #expect(request.url == "wss://europe-west4-aiplatform.googleapis.com/ws/google.cloud.aiplatform.v1beta1.LlmBidiService/BidiGenerateContent")
        #expect(request.headers.contains { $0 == ("Authorization", "Bearer ya29.token") })
        #expect(model == "projects/proj/locations/europe-west4/publishers/google/models/gemini-live-2.5-flash-preview")
        let global = try await self.request(LiveClient(vertexAI: "p", location: "global", accessToken: { "t" }))
        #expect(global.0.url.hasPrefix("wss://aiplatform.googleapis.com/ws/"))
        let express = try await self.request(LiveClient(backend: .vertexAIExpress(apiKey: "k")))
        #expect(express.1 == "publishers/google/models/gemini-live-2.5-flash-preview")
    }

    @Test("Vertex AI with OAuth gets responseModalities AUDIO when none is set, as the SDK does")
    func vertexDefaultModality() async throws {
        let transport = InMemoryTransport()
        transport.onSend { _ in transport.push(#"{"setupComplete":{}}"#) }
        let client = LiveClient(vertexAI: "p", location: "us-central1", accessToken: { "t" }, connector: transport)
        let session = try await client.live.connect(model: "m")
        await session.close()
        #expect(transport.sentTexts.first?.contains(#""responseModalities":["AUDIO"]"#) == true)
    }

    @Test("endpoint override: loopback ws:// allowed, path appended; remote ws:// refused; a given path is kept")
    func endpointOverride() async throws {
        let local = try await request(LiveClient(apiKey: "k", endpoint: "ws://127.0.0.1:8765")).0
        #expect(local.url == "ws://127.0.0.1:8765/ws/google.ai.generativelanguage.v1beta.GenerativeService.BidiGenerateContent")
        let localhost = try await request(LiveClient(apiKey: "k", endpoint: "ws://localhost:9/")).0
        #expect(localhost.url.hasPrefix("ws://localhost:9/ws/"))
        let ipv6 = try await request(LiveClient(apiKey: "k", endpoint: "ws://[::1]:9")).0
        #expect(ipv6.url.hasPrefix("ws://[::1]:9/ws/"))
        let custom = try await request(LiveClient(apiKey: "k", endpoint: "wss://proxy.example/custom/path")).0
        #expect(custom.url == "wss://proxy.example/custom/path")
        for bad in ["ws://example.com:8765", "ws://10.0.0.2", "http://127.0.0.1", "ws://127.0.0.1.evil.com"] {
            do {
                _ = try await request(LiveClient(apiKey: "k", endpoint: bad))
                Issue.record("\(bad) should be refused")
            } catch let error as LiveError {
                #expect(error.kind == .configuration, "\(bad)")
            }
        }
    }

    @Test("an empty API key or model is a configuration error that names the fix")
    func emptyCredentials() async throws {
        do {
            _ = try await request(LiveClient(apiKey: ""))
            Issue.record("expected a configuration error")
        } catch let error as LiveError {
            #expect(error.kind == .configuration)
            #expect(error.message.contains("GEMINI_API_KEY"))
        }
        await #expect(throws: LiveError.self) { _ = try await self.request(LiveClient(apiKey: "k"), model: "  ") }
    }
}
