// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

import Conversation
import JSON
import Testing
import Time

@Suite("Conversation: tool calls")
struct ToolCallTests {
    static func responding() -> Driver {
        var d = Driver()
        d.startTalking()
        _ = d.release()
        d.wait(.milliseconds(300))
        _ = d.core(.timer(.releaseTail))
        return d
    }

    @Test("a call runs once and is answered with its id and result")
    func callAndAnswer() {
        var d = Self.responding()
        let call = ToolCallRequest(id: "c1", name: "porch_light", arguments: ["on": true])
        #expect(d.core(.toolCall([call])) == [.runTool(call)])
        let result: JSONValue = ["ok": true, "message": "porch_light switched on"]
        #expect(d.core(.toolFinished(id: "c1", result: result)) == [.sendToolResponse(id: "c1", name: "porch_light", result: result)])
    }

    @Test("a call the server sends again after a reconnect is answered from the record, never run twice")
    func noActionTwice() {
        var d = Self.responding()
        _ = d.send(.resumptionUpdate(handle: "h", resumable: true))
        let call = ToolCallRequest(id: "c1", name: "garage_door", arguments: [:])
        _ = d.core(.toolCall([call]))
        // The connection drops while the pulse runs; the result comes in while reconnecting.
        _ = d.ended(.retryable)
        let result: JSONValue = ["ok": true]
        #expect(d.core(.toolFinished(id: "c1", result: result)).isEmpty)
        // Sent as soon as the new session is open.
        #expect(d.opened().contains(.sendToolResponse(id: "c1", name: "garage_door", result: result)))
        // The resumed session repeats the call: answered again, not run.
        let again = d.core(.toolCall([call]))
        #expect(again == [.sendToolResponse(id: "c1", name: "garage_door", result: result)])
        // A repeat while it still runs is ignored.
        let other = ToolCallRequest(id: "c2", name: "garage_door", arguments: [:])
        _ = d.core(.toolCall([other]))
        #expect(d.core(.toolCall([other])).isEmpty)
    }

    @Test("toolCallCancellation cancels a running call; its result is then not sent")
    func cancellation() {
        var d = Self.responding()
        let call = ToolCallRequest(id: "p1", name: "garage_door", arguments: [:])
        _ = d.core(.toolCall([call]))
        #expect(d.core(.toolCallCancellation(ids: ["p1", "unknown"])) == [.cancelTool(id: "p1")])
        #expect(d.core(.toolFinished(id: "p1", result: ["ok": false, "error": "cut short"])).isEmpty)
        // A result for an id nobody asked for is ignored.
        #expect(d.core(.toolFinished(id: "zz", result: ["ok": true])).isEmpty)
    }

    @Test("a tool call while listening means the model is working: responding")
    func callStartsResponding() {
        var d = Self.responding()
        _ = d.turnComplete()
        #expect(d.state == .listening)
        _ = d.core(.toolCall([ToolCallRequest(id: "x", name: "read_door", arguments: [:])]))
        #expect(d.state == .responding)
        _ = d.core(.toolFinished(id: "x", result: ["ok": true]))
        _ = d.turnComplete()
        #expect(d.state == .listening)
    }

    @Test("the ledger is bounded: old finished ids are forgotten, running ones never")
    func bounded() {
        var d = Self.responding()
        let first = ToolCallRequest(id: "first", name: "t", arguments: [:])
        _ = d.core(.toolCall([first]))
        for index in 0..<300 {
            let call = ToolCallRequest(id: "id\(index)", name: "t", arguments: [:])
            _ = d.core(.toolCall([call]))
            _ = d.core(.toolFinished(id: call.id, result: ["ok": true]))
        }
        // "first" still runs: its result is still answered.
        #expect(d.core(.toolFinished(id: "first", result: ["ok": true])).count == 1)
    }
}
