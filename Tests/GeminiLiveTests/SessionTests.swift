// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

import Foundation
import GeminiLive
import JSON
import Log
import Testing

/// Session logic over the in-memory transport: what goes out, in which order, and what comes back.
@Suite("LiveSession over an in-memory transport")
struct SessionTests {
    /// A client whose server answers `setup` with `setupComplete` (unless told otherwise).
    static func makeClient(answerSetup: Bool = true, setupTimeout: Duration = .seconds(5),
                           key: String = "AIza-secret-key") -> (LiveClient, InMemoryTransport) {
        let transport = InMemoryTransport()
        if answerSetup {
            transport.onSend { bytes in
                if String(decoding: bytes, as: UTF8.self).hasPrefix(#"{"setup""#) {
                    transport.push(#"{"setupComplete":{"sessionId":"sess-1"}}"#)
                }
            }
        }
        var options = LiveClientOptions()
        options.setupTimeout = setupTimeout
        return (LiveClient(apiKey: key, options: options, connector: transport), transport)
    }

    @Test("connect sends setup first, returns after setupComplete, and the session id is kept")
    func connect() async throws {
        let (client, transport) = Self.makeClient()
        let session = try await client.live.connect(model: "gemini-3.8-live")
        #expect(session.sessionId == "sess-1")
        #expect(session.model == "models/gemini-3.8-live")
        #expect(transport.sentTexts == [#"{"setup":{"model":"models\/gemini-3.8-live"}}"#.replacingOccurrences(of: "\\/", with: "/")])
        let request = try #require(transport.requests.first)
        #expect(request.url == "wss://generativelanguage.googleapis.com/ws/google.ai.generativelanguage.v1beta.GenerativeService.BidiGenerateContent")
        #expect(request.headers.contains { $0.name == "x-goog-api-key" && $0.value == "AIza-secret-key" })
        #expect(!request.description.contains("AIza-secret-key"))
        #expect(!"\(client)".contains("AIza-secret-key"))
        var dumped = ""
        dump(client, to: &dumped)
        #expect(!dumped.contains("AIza-secret-key"))
        #expect(!"\(client.backend)".contains("AIza-secret-key") && !String(reflecting: client.backend).contains("AIza-secret-key"))
        await session.close()
        #expect(transport.localClose?.code == 1000)
    }

    @Test("no setupComplete within the timeout: a timeout error, connection closed")
    func setupTimeout() async throws {
        let (client, transport) = Self.makeClient(answerSetup: false, setupTimeout: .milliseconds(200))
        do {
            _ = try await client.live.connect(model: "m")
            Issue.record("expected a timeout")
        } catch {
            #expect(error.kind == .timeout)
            #expect(error.isRetryable)
        }
        #expect(transport.localClose != nil)
    }

    @Test("a close during setup surfaces the server's code and reason from connect")
    func closeDuringSetup() async throws {
        let (client, transport) = Self.makeClient(answerSetup: false)
        transport.fail(LiveError(.closedByServer, "server closed the connection (code 1008): API key not valid",
                                 closeCode: 1008, closeReason: "API key not valid. Please pass a valid API key."))
        do {
            _ = try await client.live.connect(model: "m")
            Issue.record("expected closedByServer")
        } catch {
            #expect(error.kind == .closedByServer)
            #expect(error.closeCode == 1008)
            #expect(error.closeReason == "API key not valid. Please pass a valid API key.")
            #expect(error.isClientError && !error.isRetryable)
        }
    }

    @Test("receive runs across turns, skips unknown kinds, tracks resumption handles and goAway")
    func receiveAcrossTurns() async throws {
        let (client, transport) = Self.makeClient()
        let session = try await client.live.connect(model: "m")
        try await session.sendClientContent(turns: [.user("one")], turnComplete: true)
        transport.push(#"{"serverContent":{"modelTurn":{"parts":[{"text":"first"}]}}}"#)
        transport.push(#"{"serverContent":{"turnComplete":true}}"#)
        transport.push(#"{"someFutureMessage":{"x":1}}"#)
        transport.push(#"{"sessionResumptionUpdate":{"newHandle":"h-1","resumable":true}}"#)
        transport.push(#"{"sessionResumptionUpdate":{"newHandle":"h-2","resumable":false}}"#)
        transport.push(#"{"serverContent":{"modelTurn":{"parts":[{"text":"second"}]}}}"#)
        transport.push(#"{"goAway":{"timeLeft":"10s"}}"#)
        transport.push(#"{"serverContent":{"turnComplete":true}}"#)
        var texts: [String] = []
        var turnCompletes = 0
        var count = 0
        for try await message in session.receive() {
            count += 1
            if let text = message.text { texts.append(text) }
            if message.serverContent?.turnComplete == true { turnCompletes += 1 }
            if turnCompletes == 2 { break }
        }
        #expect(texts == ["first", "second"])
        #expect(count == 7)  // the unknown message was skipped
        #expect(session.resumptionHandle == "h-1")  // h-2 was not resumable
        #expect(session.goAway?.timeLeftDuration == .seconds(10))
        await session.close()
        var after = session.receive().makeAsyncIterator()
        #expect(try await after.next() == nil)
    }

    @Test("a malformed server message ends the session with a protocol error and a 1007 close")
    func malformedEndsSession() async throws {
        let (client, transport) = Self.makeClient()
        let session = try await client.live.connect(model: "m")
        transport.push("{\"serverContent\": nope")
        do {
            for try await _ in session.receive() {}
            Issue.record("expected a protocol error")
        } catch let error as LiveError {
            #expect(error.kind == .protocolViolation)
            #expect(error.offendingMessage?.hasPrefix("{\"serverContent\": nope") == true)
        }
        #expect(transport.localClose?.code == 1007)
        #expect(session.isClosed)
        await #expect(throws: LiveError.self) { try await session.sendRealtimeInput(text: "x") }
    }

    @Test("a server close during the session is thrown with its code; sends then fail")
    func serverCloseDuringSession() async throws {
        let (client, transport) = Self.makeClient()
        let session = try await client.live.connect(model: "m")
        transport.push(#"{"serverContent":{"modelTurn":{"parts":[{"text":"partial"}]}}}"#)
        transport.fail(LiveError(.closedByServer, "closed", closeCode: 1011, closeReason: "Internal error encountered."))
        var received = 0
        do {
            for try await _ in session.receive() { received += 1 }
            Issue.record("expected closedByServer")
        } catch let error as LiveError {
            #expect(error.closeCode == 1011)
            #expect(error.isRetryable)
        }
        #expect(received == 1)
        await #expect(throws: LiveError.self) { try await session.sendClientContent(turns: [.user("x")]) }
    }

    @Test("send validation mirrors the SDK: MIME types, one realtime field, tool response ids")
    func sendValidation() async throws {
        let (client, transport) = Self.makeClient()
        let session = try await client.live.connect(model: "m")
        await #expect(throws: LiveError.self) { try await session.sendRealtimeInput(audio: Blob(mimeType: "image/png", data: Data())) }
        await #expect(throws: LiveError.self) { try await session.sendRealtimeInput(video: Blob(mimeType: "audio/pcm", data: Data())) }
        await #expect(throws: LiveError.self) { try await session.sendRealtimeInput(LiveClientRealtimeInput(text: "a", audioStreamEnd: true)) }
        await #expect(throws: LiveError.self) { try await session.sendToolResponse(functionResponses: [FunctionResponse(name: "f", response: [:])]) }
        #expect(transport.sentMessages.count == 1)  // only setup went out

        try await session.sendRealtimeInput(mediaChunks: [.pcm(Data([1, 2]))])
        try await session.sendRealtimeInput(media: .pcm(Data([3])))
        try await session.sendRealtimeInput(audio: .pcm(Data([4])))
        try await session.sendRealtimeInput(video: Blob(mimeType: "image/jpeg", data: Data([5])))
        try await session.sendRealtimeInput(text: "hi")
        try await session.sendActivityStart()
        try await session.sendActivityEnd()
        try await session.sendRealtimeInput(audioStreamEnd: true)
        try await session.sendToolResponse(functionResponses: [FunctionResponse(id: "fc-1", name: "f", response: ["output": 1])])
        try [UInt8](repeating: 0, count: 640).withUnsafeBytes { try session.sendAudio(pcm: $0) }
        let kinds = try transport.sentTexts.dropFirst().map { text -> String in
            let object = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: [String: Any]])
            return object.keys.first! + "." + (object.values.first!.keys.sorted().joined(separator: ","))
        }
        #expect(kinds == ["realtimeInput.mediaChunks", "realtimeInput.mediaChunks", "realtimeInput.audio", "realtimeInput.video",
                          "realtimeInput.text", "realtimeInput.activityStart", "realtimeInput.activityEnd",
                          "realtimeInput.audioStreamEnd", "toolResponse.functionResponses", "realtimeInput.audio"])
    }

    @Test("sendAudio reuses the session's encoder and buffer: each call sends exactly the Codable path's bytes")
    func sendAudioReuse() async throws {
        let (client, transport) = Self.makeClient()
        let session = try await client.live.connect(model: "m")
        var expected: [[UInt8]] = []
        for length in [640, 640, 3200, 2, 0, 640] {
            let pcm = Data((0..<length).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ length) })
            try pcm.withUnsafeBytes { try session.sendAudio(pcm: $0) }
            expected.append(try LiveClientMessage.realtimeInput(LiveClientRealtimeInput(audio: .pcm(pcm))).jsonBytes())
        }
        try Data([1, 2]).withUnsafeBytes { try session.sendAudio(pcm: $0, encoder: RealtimeAudioEncoder(mimeType: "audio/pcm;rate=8000")) }
        expected.append(try LiveClientMessage.realtimeInput(LiveClientRealtimeInput(audio: .pcm(Data([1, 2]), sampleRate: 8000))).jsonBytes())
        #expect(Array(transport.sentMessages.dropFirst()) == expected)
        await session.close()
        #expect(throws: LiveError.self) { try Data([0, 0]).withUnsafeBytes { try session.sendAudio(pcm: $0) } }
    }

    @Test("sendAudio from several tasks at once still sends whole, valid messages")
    func sendAudioConcurrently() async throws {
        let (client, transport) = Self.makeClient()
        let session = try await client.live.connect(model: "m")
        await withTaskGroup(of: Void.self) { group in
            for task in 0..<4 {
                group.addTask {
                    let pcm = [UInt8](repeating: UInt8(task), count: 320 * (task + 1))
                    for _ in 0..<50 { try? pcm.withUnsafeBytes { try session.sendAudio(pcm: $0) } }
                }
            }
        }
        let sent = transport.sentMessages.dropFirst()
        #expect(sent.count == 200)
        for bytes in sent {
            let message = try LiveClientMessage(json: bytes)
            guard case .realtimeInput(let input) = message, let audio = input.audio else {
                Issue.record("not an audio message")
                continue
            }
            #expect(Set(audio.data).count == 1 && audio.data.count % 320 == 0)
        }
        await session.close()
    }

    @Test("messages that arrive before setupComplete are delivered first")
    func earlyMessages() async throws {
        let transport = InMemoryTransport()
        transport.onSend { bytes in
            if String(decoding: bytes, as: UTF8.self).hasPrefix(#"{"setup""#) {
                transport.push(#"{"usageMetadata":{"totalTokenCount":1}}"#)
                transport.push(#"{"setupComplete":{}}"#)
            }
        }
        let session = try await LiveClient(apiKey: "k", connector: transport).live.connect(model: "m")
        var iterator = session.receive().makeAsyncIterator()
        #expect(try await iterator.next()?.usageMetadata?.totalTokenCount == 1)
        await session.close()
    }

    @Test("the API key never shows in logs")
    func keyNotLogged() async throws {
        let handler = InMemoryLogHandler()
        let transport = InMemoryTransport()
        transport.onSend { _ in transport.push(#"{"setupComplete":{}}"#) }
        let client = LiveClient(apiKey: "AIza-TOP-SECRET", connector: transport, logger: Logger(label: "t", level: .trace, handler: handler))
        let session = try await client.live.connect(model: "m")
        await session.close()
        #expect(!handler.entries.isEmpty)
        #expect(!handler.text.contains("AIza-TOP-SECRET"))
    }
}

@Suite("LiveSession cancellation")
struct SessionCancellationTests {
    @Test("cancelling a waiting receive leaves the session usable")
    func cancelledReceive() async throws {
        let (client, transport) = SessionTests.makeClient()
        let session = try await client.live.connect(model: "m")
        let waiting = Task { try await session.nextMessage() }
        try await Task.sleep(for: .milliseconds(50))
        waiting.cancel()
        await #expect(throws: LiveError.self) { _ = try await waiting.value }
        #expect(!session.isClosed)
        transport.push(#"{"serverContent":{"turnComplete":true}}"#)
        #expect(try await session.nextMessage()?.serverContent?.turnComplete == true)
        try await session.sendRealtimeInput(text: "still open")
        await session.close()
    }
}
