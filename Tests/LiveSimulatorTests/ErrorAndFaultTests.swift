// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

import CurlWebSocket
import LiveSimulator
import Testing

/// Connects, sends `messages` in order and returns the close the simulator answered with.
private func closeAfter(
    _ messages: [String], configuration: SimulatorConfiguration = SimulatorConfiguration(),
    query: String? = nil, headers: [String] = []
) async throws -> WebSocketError {
    try await withSimulator(configuration) { simulator in
        let client = try await TestClient.connect(simulator, query: query, headers: headers)
        for message in messages { try client.send(message) }
        let error = try await client.receiveUntilClosed()
        let record = try await simulator.waitForDisconnect()
        #expect(record.serverClose?.code == error.closeCode)
        return error
    }
}

private let setupMessage = #"{"setup":{"model":"models/gemini-live-2.5-flash-preview"}}"#

@Suite("Errors the service reports by closing, and armed faults")
struct ErrorAndFaultTests {
    @Test("an unknown top-level key closes with 1007 in the service's words")
    func unknownTopLevelKey() async throws {
        let error = try await closeAfter([setupMessage, #"{"foo":{}}"#])
        #expect(error.kind == .closedByPeer)
        #expect(error.closeCode == 1007)
        #expect(error.closeReason == #"Invalid JSON payload received. Unknown name "foo": Cannot find field."#)
    }

    @Test("unknown fields inside setup are named with their proto path")
    func unknownNestedField() async throws {
        let top = try await closeAfter([#"{"setup":{"model":"models/x","bogus":1}}"#])
        #expect(top.closeCode == 1007)
        #expect(top.closeReason == #"Invalid JSON payload received. Unknown name "bogus" at 'setup': Cannot find field."#)
        let nested = try await closeAfter([#"{"setup":{"model":"models/x","generationConfig":{"responseModality":["TEXT"]}}}"#])
        #expect(nested.closeReason
            == #"Invalid JSON payload received. Unknown name "responseModality" at 'setup.generation_config': Cannot find field."#)
    }

    @Test("malformed JSON, a trailing comma and a wrongly typed field close with 1007")
    func malformedJSON() async throws {
        let truncated = try await closeAfter([#"{"setup": "#])
        #expect(truncated.closeCode == 1007)
        #expect(truncated.closeReason?.hasPrefix("Invalid JSON payload received.") == true)
        let trailingComma = try await closeAfter([#"{"setup":{"model":"models/x",}}"#])
        #expect(trailingComma.closeCode == 1007)
        let wrongType = try await closeAfter([setupMessage, #"{"clientContent":{"turnComplete":"yes"}}"#])
        #expect(wrongType.closeCode == 1007)
        #expect(wrongType.closeReason == #"Invalid value at 'client_content.turn_complete' (TYPE_BOOL), "yes""#)
    }

    @Test("a first message other than setup closes with 1007")
    func firstMessageNotSetup() async throws {
        let error = try await closeAfter([#"{"clientContent":{"turnComplete":true}}"#])
        #expect(error.closeCode == 1007)
        #expect(error.closeReason == "Invalid request: the first message must be setup, not clientContent.")
    }

    @Test("a model name of the wrong shape closes with 1008 'not found'")
    func badModel() async throws {
        let error = try await closeAfter([#"{"setup":{"model":"gemini-2.0-flash"}}"#])
        #expect(error.closeCode == 1008)
        #expect(error.closeReason
            == "models/gemini-2.0-flash is not found for API version v1beta, or is not supported for bidiGenerateContent.")
    }

    @Test("invalid base64 in audio closes with 1007")
    func invalidBase64() async throws {
        let error = try await closeAfter([
            setupMessage, #"{"realtimeInput":{"audio":{"mimeType":"audio/pcm;rate=16000","data":"@@@@"}}}"#,
        ])
        #expect(error.closeCode == 1007)
        #expect(error.closeReason == #"Invalid value at 'realtime_input.audio.data' (TYPE_BYTES), Base64 decoding failed for "@@@@""#)
    }

    @Test("activityStart while automatic activity detection is on closes with 1007")
    func activityStartWithDetection() async throws {
        let error = try await closeAfter([setupMessage, #"{"realtimeInput":{"activityStart":{}}}"#])
        #expect(error.closeCode == 1007)
        #expect(error.closeReason
            == "Explicit activity control is not supported when automatic activity detection is enabled.")
    }

    @Test("an unknown path is answered with HTTP 404 and no upgrade")
    func unknownPath() async throws {
        try await withSimulator { simulator in
            let error = await #expect(throws: WebSocketError.self) {
                _ = try await TestClient.connect(simulator, path: "/ws/google.ai.generativelanguage.v1beta.Nope")
            }
            #expect(error?.kind == .handshakeRejected)
            #expect(error?.httpStatus == 404)
            let record = try await simulator.waitForDisconnect()
            #expect(record.httpStatus == 404)
            #expect(!record.upgraded)
            #expect(record.path == "/ws/google.ai.generativelanguage.v1beta.Nope")
        }
    }

    @Test("a missing or wrong API key is accepted, then closed with 1008 at the first message")
    func badAPIKey() async throws {
        var configuration = SimulatorConfiguration()
        configuration.apiKey = "right-key"
        let missing = try await closeAfter([setupMessage], configuration: configuration)
        #expect(missing.closeCode == 1008)
        #expect(missing.closeReason == "API key not valid. Please pass a valid API key.")
        let wrong = try await closeAfter([setupMessage], configuration: configuration, headers: ["x-goog-api-key: nope"])
        #expect(wrong.closeCode == 1008)
    }

    @Test("the right key in the header or the query, or the bearer token, authenticates")
    func goodCredentials() async throws {
        var configuration = SimulatorConfiguration()
        configuration.apiKey = "right-key"
        configuration.bearerToken = "token-1"
        try await withSimulator(configuration) { simulator in
            for (query, headers) in [
                (nil, ["x-goog-api-key: right-key"]), ("key=right-key", []), (nil, ["Authorization: Bearer token-1"]),
            ] as [(String?, [String])] {
                let client = try await TestClient.connect(simulator, query: query, headers: headers)
                try await client.setUp()
                await client.close()
            }
            #expect(simulator.connections[1].queryItem("key") == "right-key")
        }
    }

    @Test("fault: the TCP connection drops right after the first reply chunk")
    func dropMidReply() async throws {
        try await withSimulator { simulator in
            simulator.arm(.dropMidReply)
            let client = try await TestClient.connect(simulator)
            try await client.setUp(textSetup)
            try client.send(userText("one two three four five six seven"))
            #expect(try await client.receiveJSON() == ["serverContent": ["modelTurn": ["parts": [["text": "You said: one "]]]]])
            let error = try await client.receiveUntilClosed()
            #expect(error.kind == .connectionLost)
            let record = try await simulator.waitForDisconnect()
            #expect(record.droppedByServer)
            #expect(record.serverClose == nil)
            #expect(simulator.armedFaults.isEmpty)
        }
    }

    @Test("fault: close with 1011 instead of the reply, or with 1008 instead of setupComplete")
    func closeFaults() async throws {
        try await withSimulator { simulator in
            simulator.arm(.close(code: 1011, reason: "Internal error encountered.", at: .nextReply))
            simulator.arm(.close(code: 1008, reason: "Permission denied.", at: .setup))
            let first = try await TestClient.connect(simulator)
            try first.send(setupMessage)
            let setupError = try await first.receiveUntilClosed()
            #expect(setupError.closeCode == 1008)
            #expect(setupError.closeReason == "Permission denied.")

            let second = try await TestClient.connect(simulator)
            try await second.setUp()
            try second.send(userText("hi"))
            let replyError = try await second.receiveUntilClosed()
            #expect(replyError.closeCode == 1011)
            #expect(replyError.closeReason == "Internal error encountered.")
        }
    }

    @Test("fault: a malformed JSON frame before the reply, which then follows normally")
    func malformedFrame() async throws {
        try await withSimulator { simulator in
            simulator.arm(.malformedFrame(at: .nextReply))
            let client = try await TestClient.connect(simulator)
            try await client.setUp(textSetup)
            try client.send(userText("hi"))
            let bad = try await client.receiveMessage()
            #expect(throws: WireJSONError.self) { try WireValue.parse(bad.bytes) }
            #expect(modelText(try await client.receiveTurn()) == "You said: hi")
            await client.close()
        }
    }

    @Test("fault: a 2 MiB message exceeds a 1 MiB client limit (1009) and arrives whole under a larger one")
    func oversizedMessage() async throws {
        try await withSimulator { simulator in
            let size = 2 << 20
            simulator.arm(.oversizedMessage(bytes: size, at: .setup))
            let limited = try await TestClient.connect(simulator)
            try limited.send(setupMessage)
            let error = try await limited.receiveUntilClosed()
            #expect(error.kind == .messageTooBig)
            let record = try await simulator.waitForDisconnect()
            #expect(record.clientClose?.code == 1009)

            simulator.arm(.oversizedMessage(bytes: size, at: .nextReply))
            let roomy = try await TestClient.connect(simulator, maxMessageSize: 4 << 20)
            try await roomy.setUp(textSetup)
            try roomy.send(userText("hi"))
            let big = try await roomy.receiveMessage()
            #expect(big.bytes.count == size)
            let text = try #require(try WireValue.parse(big.bytes).at("serverContent", "modelTurn", "parts")?[0]?["text"]?.stringValue)
            #expect(text.utf8.count > size - 100)
            #expect(modelText(try await roomy.receiveTurn()) == "You said: hi")
            await roomy.close()
        }
    }

    @Test("fault: a late setupComplete still comes before anything else")
    func lateSetupComplete() async throws {
        try await withSimulator { simulator in
            simulator.arm(.delaySetupComplete(.milliseconds(300)))
            let client = try await TestClient.connect(simulator)
            try client.send(["setup": textSetup])
            try client.send(userText("early"))
            #expect(try await client.receiveJSON()["setupComplete"] != nil)
            #expect(modelText(try await client.receiveTurn()) == "You said: early")
            await client.close()
        }
    }

    @Test("fault: setupComplete never comes, the session works otherwise")
    func missingSetupComplete() async throws {
        try await withSimulator { simulator in
            simulator.arm(.omitSetupComplete)
            let client = try await TestClient.connect(simulator)
            try client.send(["setup": textSetup])
            try client.send(userText("anyone?"))
            let turn = try await client.receiveTurn()
            #expect(turn.allSatisfy { $0["setupComplete"] == nil })
            #expect(modelText(turn) == "You said: anyone?")
            await client.close()
        }
    }

    @Test("fault: the upgrade is refused with HTTP 403 once")
    func refusedUpgrade() async throws {
        try await withSimulator { simulator in
            simulator.arm(.refuseUpgrade(status: 403))
            let error = await #expect(throws: WebSocketError.self) { _ = try await TestClient.connect(simulator) }
            #expect(error?.httpStatus == 403)
            #expect(try await simulator.waitForDisconnect().httpStatus == 403)
            let client = try await TestClient.connect(simulator)
            try await client.setUp()
            await client.close()
        }
    }

    @Test("a client's CLOSE is recorded and echoed")
    func clientClose() async throws {
        try await withSimulator { simulator in
            let client = try await TestClient.connect(simulator)
            try await client.setUp()
            await client.socket.close(code: 4000, reason: "done")
            let record = try await simulator.waitForDisconnect()
            #expect(record.clientClose == CloseRecord(code: 4000, reason: "done"))
            #expect(record.serverClose?.code == 4000)
        }
    }
}
