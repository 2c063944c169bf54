// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

import CurlWebSocket
@testable import LiveSimulator
import Testing

private func lightConfiguration() -> SimulatorConfiguration {
    var configuration = SimulatorConfiguration()
    configuration.toolRules = [ToolRule(trigger: "light", name: "set_light", args: ["on": true])]
    return configuration
}

private let toolSetup: WireValue = [
    "model": .string(TestClient.model), "generationConfig": ["responseModalities": ["TEXT"]],
    "tools": [["functionDeclarations": [[
        "name": "set_light", "description": "Switch the light.",
        "parameters": ["type": "OBJECT", "properties": ["on": ["type": "BOOLEAN"]], "required": ["on"]],
    ]]]],
]

@Suite("Tool calls, session resumption and test controls")
struct ToolAndResumptionTests {
    @Test("a trigger word gives a toolCall; the matching toolResponse continues the turn with its JSON")
    func toolRoundTrip() async throws {
        try await withSimulator(lightConfiguration()) { simulator in
            let client = try await TestClient.connect(simulator)
            try await client.setUp(toolSetup)
            #expect(simulator.latestConnection?.functionDeclarations == ["set_light"])
            try client.send(userText("Turn on the Light please"))
            let call = try await client.receiveJSON()
            #expect(call == ["toolCall": ["functionCalls": [["id": "fc-1", "name": "set_light", "args": ["on": true]]]]])
            #expect(try await simulator.pendingToolCallIDs() == ["fc-1"])

            try client.send(#"{"toolResponse":{"functionResponses":[{"id":"fc-1","name":"set_light","response":{"result":"ok"}}]}}"#)
            let turn = try await client.receiveTurn()
            #expect(modelText(turn) == #"Done: set_light returned {"result":"ok"}."#)
            #expect(try await simulator.pendingToolCallIDs().isEmpty)
            await client.close()
        }
    }

    @Test("a toolResponse with an id no call has closes with 1007")
    func wrongToolResponseID() async throws {
        try await withSimulator(lightConfiguration()) { simulator in
            let client = try await TestClient.connect(simulator)
            try await client.setUp(toolSetup)
            try client.send(userText("light"))
            _ = try await client.receiveJSON()
            try client.send(#"{"toolResponse":{"functionResponses":[{"id":"fc-999","response":{}}]}}"#)
            let error = try await client.receiveUntilClosed()
            #expect(error.kind == .closedByPeer)
            #expect(error.closeCode == 1007)
            #expect(error.closeReason == #"Invalid function response: no pending function call has id "fc-999"."#)
        }
    }

    @Test("toolCallCancellation forgets the call; a late response to it is ignored")
    func toolCancellation() async throws {
        try await withSimulator(lightConfiguration()) { simulator in
            let client = try await TestClient.connect(simulator)
            try await client.setUp(toolSetup)
            try client.send(userText("light"))
            let id = try #require(try await client.receiveJSON().at("toolCall", "functionCalls")?[0]?["id"]?.stringValue)
            try await simulator.sendToolCallCancellation(ids: [id])
            #expect(try await client.receiveJSON() == ["toolCallCancellation": ["ids": .array([.string(id)])]])
            try client.send(#"{"toolResponse":{"functionResponses":[{"id":"\#(id)","response":{"late":true}}]}}"#)
            try client.send(userText("still there?"))
            #expect(modelText(try await client.receiveTurn()) == "You said: still there?")
            await client.close()
        }
    }

    @Test("resumption: a handle after each turn resumes the session on a new connection; unknown handles get 1007 (a refused resumption)")
    func resumption() async throws {
        try await withSimulator { simulator in
            var setup = textSetup
            if case .object(var members) = setup {
                members["sessionResumption"] = [:]
                setup = .object(members)
            }
            let first = try await TestClient.connect(simulator)
            let complete = try await first.setUp(setup)
            try first.send(userText("remember me"))
            _ = try await first.receiveTurn()
            #expect(try await first.receiveJSON()["usageMetadata"] != nil)
            let update = try await first.receiveJSON()
            let handle = try #require(update.at("sessionResumptionUpdate", "newHandle")?.stringValue)
            #expect(update.at("sessionResumptionUpdate", "resumable") == true)
            #expect(simulator.latestConnection?.issuedHandles == [handle])
            await first.close()

            let second = try await TestClient.connect(simulator)
            var resumed = textSetup
            if case .object(var members) = resumed {
                members["sessionResumption"] = ["handle": .string(handle)]
                resumed = .object(members)
            }
            #expect(try await second.setUp(resumed) == complete, "a resumed session keeps its sessionId")
            #expect(simulator.latestConnection?.resumedHandle == handle)
            try second.send(userText("again"))
            #expect(modelText(try await second.receiveTurn()) == "Welcome back; we had 1 turns before. You said: again")
            await second.close()

            let third = try await TestClient.connect(simulator)
            try third.send(["setup": ["model": .string(TestClient.model), "sessionResumption": ["handle": "made-up"]]])
            let error = try await third.receiveUntilClosed()
            #expect(error.closeCode == 1007)
            #expect(error.closeReason == "Session resumption handle is invalid or has expired.")
        }
    }

    @Test("transparent resumption reports the last consumed client message index")
    func transparentResumption() async throws {
        try await withSimulator { simulator in
            let client = try await TestClient.connect(simulator)
            try await client.setUp([
                "model": .string(TestClient.model), "generationConfig": ["responseModalities": ["TEXT"]],
                "sessionResumption": ["transparent": true],
            ])
            try client.send(userText("one"))
            _ = try await client.receiveTurn()
            _ = try await client.receiveJSON()  // usageMetadata
            let automatic = try await client.receiveJSON()
            // setup is message 0, the clientContent message 1.
            #expect(automatic.at("sessionResumptionUpdate", "lastConsumedClientMessageIndex") == "1")
            let handle = try await simulator.sendSessionResumptionUpdate()
            #expect(try await client.receiveJSON() == ["sessionResumptionUpdate": [
                "newHandle": .string(handle), "resumable": true, "lastConsumedClientMessageIndex": "1",
            ]])
            await client.close()
        }
    }

    @Test("controls push goAway, usageMetadata, interrupted and raw frames of either type")
    func controls() async throws {
        try await withSimulator { simulator in
            let client = try await TestClient.connect(simulator)
            try await client.setUp()
            try await simulator.sendGoAway(timeLeft: "10s")
            #expect(try await client.receiveJSON() == ["goAway": ["timeLeft": "10s"]])
            try await simulator.sendUsageMetadata(promptTokens: 5, responseTokens: 7)
            #expect(try await client.receiveJSON() == ["usageMetadata": [
                "promptTokenCount": 5, "responseTokenCount": 7, "totalTokenCount": 12,
            ]])
            try await simulator.interrupt()
            #expect(try await client.receiveJSON() == ["serverContent": ["interrupted": true]])
            try await simulator.sendRaw("not json at all", binary: false)
            #expect(try await client.receiveMessage() == .text(Array("not json at all".utf8)))
            try await simulator.send(["serverContent": ["turnComplete": true]], binary: true)
            #expect(try await client.receiveMessage() == .binary(Array(#"{"serverContent":{"turnComplete":true}}"#.utf8)))
            try await simulator.closeConnection(code: 1000, reason: "bye")
            let error = try await client.receiveUntilClosed()
            #expect(error.closeCode == 1000)
            #expect(error.closeReason == "bye")
            let record = try await simulator.waitForDisconnect()
            #expect(record.serverClose == CloseRecord(code: 1000, reason: "bye"))
            #expect(record.clientClose?.code == 1000, "libcurl's client echoes the CLOSE")
        }
    }

    @Test("controls without an open connection throw noOpenConnection")
    func controlsWithoutConnection() async throws {
        try await withSimulator { simulator in
            await #expect(throws: SimulatorError.self) { try await simulator.sendGoAway() }
        }
    }

    @Test("interrupt stops a paced audio reply; the next reply carries none of the old audio")
    func interruptPacedReply() async throws {
        var configuration = SimulatorConfiguration()
        configuration.realtimePacing = true
        configuration.replyText = { request in
            request.input == .text("long")
                ? String(repeating: "This reply goes on for a long while. ", count: 4)
                : LiveSimulator.defaultReplyText(for: request)
        }
        try await withSimulator(configuration) { simulator in
            let client = try await TestClient.connect(simulator)
            try await client.setUp()
            try client.send(userText("long"))
            let first = try await client.receiveJSON()
            #expect(first.at("serverContent", "modelTurn") != nil)
            try await simulator.interrupt()
            var audioChunks = 1
            while true {
                let message = try await client.receiveJSON()
                if message == ["serverContent": ["interrupted": true]] { break }
                #expect(message.at("serverContent", "turnComplete") == nil, "the interrupted reply must not complete")
                if message.at("serverContent", "modelTurn") != nil { audioChunks += 1 }
            }
            let fullReply = SpeechSynthesizer.pcmBytes(for: String(repeating: "This reply goes on for a long while. ", count: 4))
            #expect(audioChunks < fullReply.count / 4_800, "the reply went out whole despite the interruption")

            try client.send(userText("short"))
            let turn = try await client.receiveTurn()
            var audio: [UInt8] = []
            for message in turn {
                if let data = message.at("serverContent", "modelTurn", "parts")?[0]?.at("inlineData", "data")?.stringValue {
                    audio += try #require(Base64.decode(data))
                }
            }
            #expect(audio == SpeechSynthesizer.pcmBytes(for: "You said: short"))
            await client.close()
        }
    }

    @Test("speech from the client during a paced reply barges in (server activity detection)", .timeLimit(.minutes(1)))
    func bargeIn() async throws {
        var configuration = SimulatorConfiguration()
        configuration.realtimePacing = true
        configuration.replyText = { _ in String(repeating: "Talking and talking. ", count: 10) }
        try await withSimulator(configuration) { simulator in
            let client = try await TestClient.connect(simulator)
            try await client.setUp()
            try client.send(userText("go"))
            _ = try await client.receiveJSON()
            try client.send(audioMessage(voiced16k(seconds: 0.1)))
            var received: [WireValue] = []
            while true {
                let message = try await client.receiveJSON()
                if message == ["serverContent": ["interrupted": true]] { break }
                received.append(message)
            }
            // The reply was cut: it never completed, and far fewer audio chunks came than it has (10
            // sentences of synthesised speech at 100 ms a chunk, paced in real time).
            #expect(!received.contains { $0.at("serverContent", "turnComplete") == true })
            let chunks = received.filter { $0.at("serverContent", "modelTurn") != nil }.count
            let full = SpeechSynthesizer.pcmBytes(for: String(repeating: "Talking and talking. ", count: 10)).count / 4_800
            #expect(chunks < full / 2, "\(chunks) of \(full) chunks before the barge-in")
            await client.close()
        }
    }
}
