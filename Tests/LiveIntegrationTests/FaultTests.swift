// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

import Foundation
import GeminiLive
import LiveSimulator
import Testing

/// Each fault the simulator can inject gives the client's typed error, with no hang and the connection
/// released on both sides.
@Suite("GeminiLive faults against the simulator")
struct FaultTests {
    private func expectFailure(_ service: SimulatedService, during turn: Bool = true, model: String = "m",
                               check: (LiveError) -> Void) async throws {
        do {
            let session = try await service.client.live.connect(model: model, config: LiveConnectConfig(responseModalities: [.text]))
            if turn { try await session.sendClientContent(turns: [.user("hello")]) }
            _ = try await SimulatedService.collect(session) { _ in false }
            Issue.record("expected an error")
        } catch let error as LiveError {
            check(error)
        }
        // The server side sees the connection gone too: nothing left open.
        _ = try await service.simulator.waitForDisconnect(timeout: .seconds(10))
    }

    @Test("abrupt drop mid-reply: connectionLost (1006), retryable")
    func dropMidReply() async throws {
        let service = try await SimulatedService.start { $0.wordsPerTextChunk = 1 }
        defer { Task { await service.simulator.shutdown() } }
        service.simulator.arm(.dropMidReply)
        try await expectFailure(service) { error in
            #expect(error.kind == .connectionLost)
            #expect(error.closeCode == 1006)
            #expect(error.isRetryable)
        }
    }

    @Test("close codes 1007, 1008, 1011 with reasons arrive intact", arguments: [
        (UInt16(1007), "Request contains an invalid argument."),
        (UInt16(1008), "models/nope is not found for API version v1beta."),
        (UInt16(1011), "Internal error encountered."),
    ])
    func closes(code: UInt16, reason: String) async throws {
        let service = try await SimulatedService.start()
        defer { Task { await service.simulator.shutdown() } }
        service.simulator.arm(.close(code: code, reason: reason, at: .nextReply))
        try await expectFailure(service) { error in
            #expect(error.kind == .closedByServer)
            #expect(error.closeCode == Int(code))
            #expect(error.closeReason == reason)
            #expect(error.message.contains(reason))
            #expect(error.isRetryable == (code == 1011))
        }
    }

    @Test("a close at setup is thrown from connect")
    func closeAtSetup() async throws {
        let service = try await SimulatedService.start()
        defer { Task { await service.simulator.shutdown() } }
        service.simulator.arm(.close(code: 1008, reason: "Permission denied.", at: .setup))
        try await expectFailure(service, during: false) { error in
            #expect(error.closeCode == 1008)
            #expect(error.closeReason == "Permission denied.")
        }
    }

    @Test("malformed JSON from the server: protocolViolation with an excerpt, connection closed")
    func malformed() async throws {
        let service = try await SimulatedService.start()
        defer { Task { await service.simulator.shutdown() } }
        service.simulator.arm(.malformedFrame(at: .nextReply))
        try await expectFailure(service) { error in
            #expect(error.kind == .protocolViolation)
            #expect(error.offendingMessage != nil)
        }
        let close = service.simulator.latestConnection?.clientClose
        #expect(close?.code == 1007)
    }

    @Test("an oversized message: messageTooBig, the client closes with 1009")
    func oversized() async throws {
        let service = try await SimulatedService.start()
        defer { Task { await service.simulator.shutdown() } }
        service.simulator.arm(.oversizedMessage(bytes: 2 << 20, at: .nextReply))
        try await expectFailure(service) { error in
            #expect(error.kind == .messageTooBig)
            #expect(error.closeCode == 1009)
        }
        #expect(service.simulator.latestConnection?.clientClose?.code == 1009)
    }

    @Test("late and missing setupComplete: a timeout from connect")
    func setupComplete() async throws {
        let service = try await SimulatedService.start(setupTimeout: .milliseconds(500))
        defer { Task { await service.simulator.shutdown() } }
        service.simulator.arm(.delaySetupComplete(.seconds(3)))
        try await expectFailure(service, during: false) { #expect($0.kind == .timeout) }
        service.simulator.arm(.omitSetupComplete)
        try await expectFailure(service, during: false) { #expect($0.kind == .timeout) }
        // A delay within the timeout is fine.
        let patient = try await SimulatedService.start(setupTimeout: .seconds(5))
        defer { Task { await patient.simulator.shutdown() } }
        patient.simulator.arm(.delaySetupComplete(.milliseconds(300)))
        let session = try await patient.client.live.connect(model: "m")
        await session.close()
    }

    @Test("a refused upgrade gives the HTTP status; a wrong API key gives 1008 from connect")
    func refusedAndBadKey() async throws {
        let service = try await SimulatedService.start(apiKey: "wrong") { $0.apiKey = "right" }
        defer { Task { await service.simulator.shutdown() } }
        do {
            _ = try await service.client.live.connect(model: "m")
            Issue.record("expected 1008")
        } catch {
            #expect(error.kind == .closedByServer)
            #expect(error.closeCode == 1008)
            #expect(error.closeReason == "API key not valid. Please pass a valid API key.")
            #expect(!error.message.contains("wrong"))
        }
        service.simulator.arm(.refuseUpgrade(status: 403))
        do {
            _ = try await service.client.live.connect(model: "m")
            Issue.record("expected handshakeRejected")
        } catch {
            #expect(error.kind == .handshakeRejected)
            #expect(error.httpStatus == 403)
            #expect(error.isClientError)
        }
    }
}
