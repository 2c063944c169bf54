// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

import Foundation
@testable import GeminiLive
import JSON
import Testing

/// Server messages as a broken or hostile server sends them (issue 11, "Decoders"): strict where it matters
/// (ids, audio, text), lenient on odd metadata, and never more than linear work for any input.
@Suite("Decoding hostile server messages")
struct HostileDecodingTests {
    private func decode(_ text: String) throws(LiveError) -> LiveServerMessage { try LiveSession.decode(Array(text.utf8)) }

    private func nested(_ depth: Int) -> String {
        String(repeating: "[", count: depth) + "0" + String(repeating: "]", count: depth)
    }

    @Test("free-form JSON nested 500 deep decodes in the three places issue 11 names")
    func deepFreeForm() throws {
        let deep = nested(500)
        let message = try decode("""
            {"serverContent": {"urlContextMetadata": {"a": \(deep)}, "groundingMetadata": {"retrievalMetadata": {"a": \(deep)}}},
             "toolCall": {"functionCalls": [{"id": "fc-1", "name": "f", "args": {"a": \(deep)}}]}}
            """)
        func depth(_ value: JSONValue?) -> Int {
            var levels = 0
            var node = value
            while case .array(let elements)? = node {
                levels += 1
                node = elements.first
            }
            return levels
        }
        #expect(depth(message.serverContent?.urlContextMetadata?["a"]) == 500)
        #expect(depth(message.serverContent?.groundingMetadata?.retrievalMetadata?["a"]) == 500)
        #expect(depth(message.toolCall?.functionCalls?.first?.args["a"]) == 500)
    }

    @Test("nesting past the limit is a protocol error naming the limit, not a crash")
    func tooDeep() {
        do {
            _ = try decode(#"{"toolCall": {"functionCalls": [{"id": "x", "name": "f", "args": {"a": "# + nested(100_000) + "}}]}}")
            Issue.record("expected a protocol violation")
        } catch {
            #expect(error.kind == .protocolViolation)
            #expect(error.message.contains("nested deeper than 512 levels"))
        }
    }

    @Test("odd token counts are read leniently: float, string, 20 digits, garbage")
    func lenientCounts() throws {
        let usage = try #require(try decode("""
            {"usageMetadata": {"promptTokenCount": 12.7, "responseTokenCount": "34", "totalTokenCount": 12345678901234567890,
             "thoughtsTokenCount": "many", "cachedContentTokenCount": null, "toolUsePromptTokenCount": -3e30,
             "promptTokensDetails": [{"modality": "TEXT", "tokenCount": "5"}, {"modality": 7, "tokenCount": true}],
             "responseTokensDetails": "not a list"}}
            """).usageMetadata)
        #expect(usage.promptTokenCount == 12)
        #expect(usage.responseTokenCount == 34)
        #expect(usage.totalTokenCount == Int.max)
        #expect(usage.thoughtsTokenCount == nil)
        #expect(usage.cachedContentTokenCount == nil)
        #expect(usage.toolUsePromptTokenCount == Int.min)
        #expect(usage.promptTokensDetails == [ModalityTokenCount(modality: "TEXT", tokenCount: 5),
                                              ModalityTokenCount(modality: "7", tokenCount: nil)])
        #expect(usage.responseTokensDetails == nil)
        // A usageMetadata that is not even an object leaves the rest of the message intact.
        let both = try decode(#"{"serverContent": {"turnComplete": true}, "usageMetadata": [1, 2]}"#)
        #expect(both.serverContent?.turnComplete == true && both.usageMetadata == nil)
    }

    @Test("odd session metadata: resumable \"yes\", a numeric handle, a string index, a bare number timeLeft")
    func lenientSessionMetadata() throws {
        let update = try #require(try decode(#"{"sessionResumptionUpdate": {"newHandle": "h-1", "resumable": "yes", "lastConsumedClientMessageIndex": "12"}}"#).sessionResumptionUpdate)
        #expect(update.resumable == true && update.lastConsumedClientMessageIndex == 12)
        let odd = try #require(try decode(#"{"sessionResumptionUpdate": {"newHandle": 5, "resumable": "perhaps"}}"#).sessionResumptionUpdate)
        #expect(odd.newHandle == nil && odd.resumable == nil)
        #expect(try decode(#"{"goAway": {"timeLeft": 30}}"#).goAway?.timeLeftDuration == .seconds(30))
        #expect(try decode(#"{"goAway": {"timeLeft": {"seconds": 3}}}"#).goAway == LiveServerGoAway(timeLeft: nil))
        #expect(try decode(#"{"goAway": "soon"}"#).goAway == LiveServerGoAway(timeLeft: nil))
        #expect(try decode(#"{"setupComplete": {"sessionId": 42}}"#).setupComplete?.sessionId == "42")
        #expect(try decode(#"{"setupComplete": true}"#).setupComplete == LiveServerSetupComplete())
        let flags = try #require(try decode(#"{"serverContent": {"turnComplete": "true", "interrupted": 1, "waitingForInput": "maybe", "interactionStatus": 3, "turnCompleteReason": {}}}"#).serverContent)
        #expect(flags.turnComplete == true && flags.interrupted == true && flags.waitingForInput == nil)
        #expect(flags.interactionStatus == nil && flags.turnCompleteReason == nil)
        let transcripts = try #require(try decode(#"{"serverContent": {"outputTranscription": {"text": 5, "finished": "no"}, "inputTranscription": "x", "groundingMetadata": 3}}"#).serverContent)
        #expect(transcripts.outputTranscription == Transcription(text: "5", finished: false))
        #expect(transcripts.inputTranscription == nil && transcripts.groundingMetadata == nil)
        #expect(try decode(#"{"voiceActivity": {"type": 9}, "voiceActivityDetectionSignal": []}"#).isUnknown)
    }

    @Test("goAway.timeLeft saturates for huge values, is never negative, and ignores garbage")
    func goAwaySaturates() {
        #expect(LiveServerGoAway(timeLeft: "1e20s").timeLeftDuration == .seconds(Int64.max))
        #expect(LiveServerGoAway(timeLeft: "infs").timeLeftDuration == .seconds(Int64.max))
        #expect(LiveServerGoAway(timeLeft: "9223372036854775807s").timeLeftDuration == .seconds(Int64.max))
        #expect(LiveServerGoAway(timeLeft: "-1e20s").timeLeftDuration == .zero)
        #expect(LiveServerGoAway(timeLeft: "-2s").timeLeftDuration == .zero)
        #expect(LiveServerGoAway(timeLeft: "0.001s").timeLeftDuration == .milliseconds(1))
        #expect(LiveServerGoAway(timeLeft: "nans").timeLeftDuration == nil)
        #expect(LiveServerGoAway(timeLeft: "s").timeLeftDuration == nil)
        #expect(LiveServerGoAway(timeLeft: "10").timeLeftDuration == nil)
        #expect(Transcription(startOffset: "1e300s").start == .seconds(Int64.max))
    }

    @Test("strict where it matters: ids, names, args, audio and text of the wrong type are protocol errors")
    func strict() {
        let cases = [
            #"{"toolCall": {"functionCalls": [{"id": 7, "name": "f"}]}}"#,
            #"{"toolCall": {"functionCalls": [{"id": "a", "name": ["f"]}]}}"#,
            #"{"toolCall": {"functionCalls": [{"id": "a", "name": "f", "args": [1]}]}}"#,
            #"{"toolCall": {"functionCalls": {"id": "a"}}}"#,
            #"{"toolCallCancellation": {"ids": [1, 2]}}"#,
            #"{"serverContent": {"modelTurn": {"parts": [{"inlineData": {"mimeType": "audio/pcm", "data": "!!!"}}]}}}"#,
            #"{"serverContent": {"modelTurn": {"parts": [{"inlineData": {"mimeType": "audio/pcm", "data": 5}}]}}}"#,
            #"{"serverContent": {"modelTurn": {"parts": [{"text": 5}]}}}"#,
            #"{"serverContent": {"modelTurn": {"parts": {"text": "x"}}}}"#,
            #"{"serverContent": 5}"#,
            #"[1, 2]"#,
            #""just a string""#,
        ]
        for text in cases {
            do {
                _ = try decode(text)
                Issue.record("\(text) should be a protocol violation")
            } catch {
                #expect(error.kind == .protocolViolation, "\(text)")
                #expect(error.offendingMessage != nil, "\(text)")
            }
        }
    }

    @Test("a 0-byte or white-space frame and {} are empty messages, skipped by the session")
    func emptyFrames() async throws {
        #expect(try LiveSession.decode([]).isUnknown)
        #expect(try LiveSession.decode(Array(" \r\n\t".utf8)).isUnknown)
        #expect(try decode("{}").isUnknown)
        let (client, transport) = SessionTests.makeClient()
        let session = try await client.live.connect(model: "m")
        transport.push("")
        transport.push("   ")
        transport.push("{}")
        transport.push(#"{"serverContent": {"turnComplete": true}}"#)
        #expect(try await session.nextMessage()?.serverContent?.turnComplete == true)
        #expect(!session.isClosed)
        await session.close()
    }

    @Test("a malformed optional field in a delivered turn does not end the session")
    func sessionSurvivesOddMetadata() async throws {
        let (client, transport) = SessionTests.makeClient()
        let session = try await client.live.connect(model: "m")
        transport.push(#"{"serverContent": {"modelTurn": {"parts": [{"text": "hi"}]}}}"#)
        transport.push(#"{"serverContent": {"turnComplete": true}, "usageMetadata": {"totalTokenCount": 1.5e300}}"#)
        transport.push(#"{"sessionResumptionUpdate": {"newHandle": "h", "resumable": "yes"}}"#)
        transport.push(#"{"serverContent": {"turnComplete": true}}"#)
        var messages: [LiveServerMessage] = []
        for try await message in session.receive() {
            messages.append(message)
            if messages.count == 4 { break }
        }
        #expect(messages.count == 4)
        #expect(messages[1].usageMetadata?.totalTokenCount == Int.max)
        #expect(session.resumptionHandle == "h")
        #expect(!session.isClosed)
        await session.close()
    }

    @Test("text from the server keeps its bytes in messages; excerpts in errors escape control characters")
    func controlCharactersInErrors() {
        do {
            _ = try decode("{\"serverContent\": \"\u{1B}]0;pwned\u{07}\u{1B}[2J\nline\"")
            Issue.record("expected a protocol violation")
        } catch {
            let excerpt = error.offendingMessage ?? ""
            #expect(!excerpt.unicodeScalars.contains { $0.value < 0x20 || (0x7F..<0xA0).contains($0.value) })
            #expect(excerpt.contains("\\u{1B}]0;pwned\\u{7}"))
        }
    }
}
