// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

import GeminiLive
import Testing

/// Endpoints, paths, headers and model names per backend (PROTOCOL.md §1, §3.1).
@Suite("LiveClient endpoints and models")
struct ClientConfigurationTests {
    private func request(_ client: LiveClient, model: String = "gemini-3.8-live") async throws -> (LiveTransportRequest, String) {
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
        #expect(model == "models/gemini-3.8-live")
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
        #expect(model == "projects/proj/locations/europe-west4/publishers/google/models/gemini-3.8-live")
        let global = try await self.request(LiveClient(vertexAI: "p", location: "global", accessToken: { "t" }))
        #expect(global.0.url.hasPrefix("wss://aiplatform.googleapis.com/ws/"))
        let express = try await self.request(LiveClient(backend: .vertexAIExpress(apiKey: "k")))
        #expect(express.1 == "publishers/google/models/gemini-3.8-live")
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

    @Test("model names with '..', '?' or '&' are refused before connecting, as the SDK refuses them")
    func badModelNames() async throws {
        for bad in ["../models/x", "gemini-3.8-live?key=1", "a&b", "models/..", "tunedModels/x..y"] {
            let transport = InMemoryTransport()
            let client = LiveClient(apiKey: "k", connector: transport)
            do {
                _ = try await client.live.connect(model: bad)
                Issue.record("\(bad) should be refused")
            } catch {
                #expect(error.kind == .configuration, "\(bad)")
                #expect(error.message.contains("'..', '?' or '&'"), "\(bad)")
            }
            #expect(transport.requests.isEmpty, "\(bad): nothing may be sent")
        }
    }

    @Test("Vertex AI maps publisher/model as the SDK does, and keeps full names")
    func vertexPublisherModels() async throws {
        let client = LiveClient(vertexAI: "proj", location: "us-central1", accessToken: { "t" })
        #expect(try await request(client, model: "anthropic/claude-x").1
            == "projects/proj/locations/us-central1/publishers/anthropic/models/claude-x")
        #expect(try await request(client, model: "publishers/google/models/gemini-3.8-live").1
            == "projects/proj/locations/us-central1/publishers/google/models/gemini-3.8-live")
        #expect(try await request(client, model: "projects/other/locations/europe-west4/publishers/google/models/m").1
            == "projects/other/locations/europe-west4/publishers/google/models/m")
        let express = LiveClient(backend: .vertexAIExpress(apiKey: "k"))
        #expect(try await request(express, model: "meta/llama").1 == "publishers/meta/models/llama")
        #expect(try await request(express).1 == "publishers/google/models/gemini-3.8-live")
    }

    @Test("the default model is gemini-3.8-live")
    func defaultModel() async throws {
        let transport = InMemoryTransport()
        transport.onSend { _ in transport.push(#"{"setupComplete":{}}"#) }
        let session = try await LiveClient(apiKey: "k", connector: transport).live.connect()
        #expect(session.model == "models/gemini-3.8-live")
        await session.close()
    }

    @Test("an API key that starts with auth_tokens/ is used as an ephemeral token")
    func ephemeralFromAPIKey() async throws {
        let client = LiveClient(apiKey: "auth_tokens/xyz")
        guard case .ephemeralToken(let token) = client.backend else {
            Issue.record("expected an ephemeral token backend, got \(client.backend)")
            return
        }
        #expect(token == "auth_tokens/xyz")
        let (request, _) = try await request(client)
        #expect(request.url.hasSuffix(".v1alpha.GenerativeService.BidiGenerateContentConstrained"))
        #expect(request.headers.contains { $0 == ("Authorization", "Token auth_tokens/xyz") })
        #expect(!"\(client)".contains("xyz"))
    }

    @Test("Vertex AI sends x-goog-user-project; extra headers are added, replace ours by name, never printed")
    func vertexHeaders() async throws {
        var client = LiveClient(vertexAI: "proj", location: "us-central1", accessToken: { "ya29.token" })
        client.quotaProject = "billing-project"
        client.extraHeaders = [("x-gateway-key", "gw-secret"), ("X-Goog-Api-Client", "custom/1")]
        let (request, _) = try await request(client)
        #expect(request.headers.contains { $0 == ("x-goog-user-project", "billing-project") })
        #expect(request.headers.contains { $0 == ("x-gateway-key", "gw-secret") })
        #expect(request.headers.filter { $0.name.lowercased() == "x-goog-api-client" }.map(\.value) == ["custom/1"])
        #expect(request.headers.contains { $0 == ("Authorization", "Bearer ya29.token") })
        var dumped = ""
        dump(client, to: &dumped)
        #expect(!dumped.contains("gw-secret") && dumped.contains("x-gateway-key"))
        #expect(!request.description.contains("gw-secret"))

        // An Authorization of one's own replaces the bearer token, and the provider is not even asked.
        var gateway = LiveClient(vertexAI: "p", location: "us-central1", accessToken: { throw CancellationError() })
        gateway.extraHeaders = [("Authorization", "Bearer from-gateway")]
        let headers = try await self.request(gateway).0.headers
        #expect(headers.filter { $0.name == "Authorization" }.map(\.value) == ["Bearer from-gateway"])

        for bad in [("X-Bad", "a\r\nInjected: 1"), ("Bad Name", "v"), ("", "v")] {
            var broken = LiveClient(apiKey: "k")
            broken.extraHeaders = [bad]
            do {
                _ = try await self.request(broken)
                Issue.record("\(bad) should be refused")
            } catch let error as LiveError {
                #expect(error.kind == .configuration)
                #expect(!error.message.contains("Injected"))
            }
        }
    }

    @Test("sessionResumption.transparent is refused on the Gemini API and sent on Vertex AI")
    func transparentResumption() async throws {
        let config = LiveConnectConfig(sessionResumption: SessionResumptionConfig(transparent: true))
        let transport = InMemoryTransport()
        transport.onSend { _ in transport.push(#"{"setupComplete":{}}"#) }
        do {
            _ = try await LiveClient(apiKey: "k", connector: transport).live.connect(model: "m", config: config)
            Issue.record("expected a configuration error")
        } catch {
            #expect(error.kind == .configuration)
            #expect(error.message.contains("only supported on Vertex AI"))
        }
        #expect(transport.requests.isEmpty)
        let session = try await LiveClient(vertexAI: "p", location: "us-central1", accessToken: { "t" }, connector: transport)
            .live.connect(model: "m", config: config)
        #expect(transport.sentTexts.first?.contains(#""sessionResumption":{"transparent":true}"#) == true)
        await session.close()
    }
}

