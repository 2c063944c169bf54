// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

import Foundation
import LiveSimulator
import TestKit
import Testing

/// The built `livevoiced chat` binary against the simulator, as a user runs it.
@Suite("livevoiced chat", .timeLimit(.minutes(5)))
struct ChatCLITests {
    private func run(_ arguments: [String], environment: [String: String] = ["GEMINI_API_KEY": ""],
                     timeout: Duration = .seconds(60)) async throws -> (Int32, [String], String) {
        let process = try PeerProcess(PackagePaths.product("livevoiced").path, arguments, environment: environment)
        let status = try await process.waitForExit(timeout: timeout)
        return (status, process.output, process.standardError)
    }

    private func simulator(_ configure: (inout SimulatorConfiguration) -> Void = { _ in }) async throws -> LiveSimulator {
        var configuration = SimulatorConfiguration()
        configure(&configuration)
        return try await LiveSimulator.start(configuration)
    }

    @Test("by default asks gemini-3.8-live for audio and prints the reply's transcript and the usage")
    func defaultTurn() async throws {
        let simulator = try await simulator()
        defer { Task { await simulator.shutdown() } }
        let (status, output, errors) = try await run(["chat", "--endpoint", simulator.baseURL, "What time is it?"])
        #expect(status == 0, "\(errors)")
        #expect(output.first == "You said: What time is it?")
        #expect(output.contains { $0.hasPrefix("usage: prompt ") })
        let setup = try #require(simulator.latestConnection?.setup)
        #expect(setup["model"] == "models/gemini-3.8-live")
        #expect(setup["generationConfig"]?["responseModalities"] == ["AUDIO"])
        #expect(setup["outputAudioTranscription"] != nil)
        #expect(setup["generationConfig"]?["thinkingConfig"] == nil)
    }

    @Test("--modality text with a model that answers in text prints its text")
    func textTurn() async throws {
        let simulator = try await simulator()
        defer { Task { await simulator.shutdown() } }
        let (status, output, errors) = try await run(["chat", "--endpoint", simulator.baseURL, "--model", "gemini-3.1-flash-live-preview",
                                                      "--modality", "text", "Hello"])
        #expect(status == 0, "\(errors)")
        #expect(output.first == "You said: Hello")
        #expect(simulator.latestConnection?.setup?["generationConfig"]?["responseModalities"] == ["TEXT"])
    }

    @Test("--modality text with a native-audio model is refused before connecting, naming a model that works")
    func textRefused() async throws {
        let simulator = try await simulator()
        defer { Task { await simulator.shutdown() } }
        let (status, _, errors) = try await run(["chat", "--endpoint", simulator.baseURL, "--modality", "text", "Hello"])
        #expect(status != 0)
        #expect(errors.contains("gemini-3.8-live answers only in audio"))
        #expect(errors.contains("--model gemini-3.1-flash-live-preview"))
        #expect(simulator.connections.isEmpty)
    }

    @Test("a TEXT request the server refuses (a model chat does not know) comes back with the server's reason")
    func textRefusedByServer() async throws {
        let simulator = try await simulator { $0.audioOnlyModels.insert("gemini-9-native-voice") }
        defer { Task { await simulator.shutdown() } }
        let (status, _, errors) = try await run(["chat", "--endpoint", simulator.baseURL, "--model", "gemini-9-native-voice",
                                                 "--modality", "text", "Hello"])
        #expect(status != 0)
        #expect(errors.contains("supports only the AUDIO response modality"))
        #expect(errors.contains("1007"))
        #expect(errors.contains("leave --modality out"))
    }

    @Test("writes the spoken reply to a WAV file and still prints the transcript")
    func audioOut() async throws {
        let simulator = try await simulator()
        defer { Task { await simulator.shutdown() } }
        let directory = try PackagePaths.temporaryDirectory("chat")
        defer { try? FileManager.default.removeItem(at: directory) }
        let wav = directory.appendingPathComponent("reply.wav").path
        let (status, output, errors) = try await run(["chat", "--endpoint", simulator.baseURL, "--voice", "Kore", "--audio-out", wav, "Hi"])
        #expect(status == 0, "\(errors)")
        let data = try Data(contentsOf: URL(fileURLWithPath: wav))
        #expect(data.count > 44 + 24_000)
        #expect(data.prefix(4) == Data("RIFF".utf8))
        #expect(data[24..<28] == Data([0xC0, 0x5D, 0, 0]))  // 24000 Hz
        let dataBytes = data[40..<44].enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        #expect(dataBytes == data.count - 44)
        #expect(output.first == "You said: Hi")
        #expect(output.contains { $0.hasPrefix("wrote ") && $0.hasSuffix("of 24 kHz audio") })
    }

    @Test("waits past a turnComplete that is IN_PROGRESS and stops at IDLE")
    func interactionStatus() async throws {
        let simulator = try await simulator {
            $0.interactionStatus = .backgroundReasoning
            $0.backgroundReasoningText = "And one more thing."
        }
        defer { Task { await simulator.shutdown() } }
        let (status, output, errors) = try await run(["chat", "--endpoint", simulator.baseURL,
                                                      "--model", "gemini-3.8-live-extended-thinking", "Think"])
        #expect(status == 0, "\(errors)")
        #expect(output.first == "You said: ThinkAnd one more thing.")
        #expect(output.contains { $0.hasPrefix("usage: prompt ") })
        let sent = try #require(simulator.latestConnection?.sent.map(\.text))
        #expect(sent.filter { $0.contains(#""interactionStatus":"IN_PROGRESS""#) }.count == 1)
        #expect(sent.filter { $0.contains(#""interactionStatus":"IDLE""#) }.count == 1)
    }

    @Test("a server that keeps the connection but never answers hits the turn deadline")
    func turnDeadline() async throws {
        let simulator = try await simulator { $0.answersTurns = false }
        defer { Task { await simulator.shutdown() } }
        let (status, output, errors) = try await run(["chat", "--endpoint", simulator.baseURL, "--timeout", "2", "Hello?"])
        #expect(status != 0)
        #expect(errors.contains("no complete reply within 2 s"))
        #expect(output.isEmpty)
        #expect(simulator.latestConnection?.received("clientContent").count == 1)
    }

    @Test("control characters in the server's text and close reasons never reach the terminal raw")
    func escapesServerText() async throws {
        let hostile = "Hi\u{1B}]0;owned\u{07}\u{1B}[2J\u{9B}31m\u{00}\rdone"
        let simulator = try await simulator { $0.replyText = { _ in hostile } }
        defer { Task { await simulator.shutdown() } }
        let (status, output, errors) = try await run(["chat", "--endpoint", simulator.baseURL, "--model", "gemini-3.1-flash-live-preview",
                                                      "--modality", "text", "x"])
        #expect(status == 0, "\(errors)")
        let printed = output.joined(separator: "\n")
        #expect(!printed.unicodeScalars.contains { ($0.value < 0x20 && $0 != "\n") || (0x7F..<0xA0).contains($0.value) })
        #expect(output.first == #"Hi\u{1B}]0;owned\u{7}\u{1B}[2J\u{9B}31m\u{0}\rdone"#)

        let closing = try await self.simulator()
        defer { Task { await closing.shutdown() } }
        closing.arm(.close(code: 1011, reason: "Internal error\nerror: forged line\u{1B}[1A", at: .nextReply))
        let (closedStatus, _, closedErrors) = try await run(["chat", "--endpoint", closing.baseURL, "--log-level", "debug", "x"])
        #expect(closedStatus != 0)
        #expect(closedErrors.contains(#"Internal error\nerror: forged line\u{1B}[1A"#))
        #expect(!closedErrors.split(separator: "\n").contains { $0.hasPrefix("error: forged") })
        #expect(!closedErrors.contains("\u{1B}"))
    }

    @Test("a server error exits non-zero with the server's reason and the fix, never the key")
    func serverError() async throws {
        let simulator = try await simulator { $0.apiKey = "the-right-key" }
        defer { Task { await simulator.shutdown() } }
        let directory = try PackagePaths.temporaryDirectory("chat-key")
        defer { try? FileManager.default.removeItem(at: directory) }
        let keyFile = directory.appendingPathComponent("key").path
        try "a-wrong-key-123\n".write(toFile: keyFile, atomically: true, encoding: .utf8)
        let (status, output, errors) = try await run(["chat", "--endpoint", simulator.baseURL, "--api-key-file", keyFile, "Hi"])
        #expect(status != 0)
        #expect(errors.contains("API key not valid"))
        #expect(errors.contains("1008"))
        #expect(errors.contains("check the API key"))
        #expect(!(errors + output.joined()).contains("a-wrong-key-123"))
    }

    /// Starts Tests/Peers/live_peer.py, an independent Live API server, and returns it with its URL.
    private func pythonPeer() async throws -> (PeerProcess, String) {
        let peer = try PeerProcess(PackagePaths.python, [PackagePaths.root.appendingPathComponent("Tests/Peers/live_peer.py").path, "--port", "0"])
        let line = try await peer.waitForLine { $0.hasPrefix("PORT ") }
        return (peer, "ws://127.0.0.1:\(line.dropFirst(5))/ws/live")
    }

    @Test("against an independent peer: the default model's transcript, the audio, odd usage counts")
    func independentPeer() async throws {
        let (peer, url) = try await pythonPeer()
        defer { peer.terminate() }
        let directory = try PackagePaths.temporaryDirectory("chat-peer")
        defer { try? FileManager.default.removeItem(at: directory) }
        let wav = directory.appendingPathComponent("peer.wav").path
        let (status, output, errors) = try await run(["chat", "--endpoint", url, "--audio-out", wav, "Hello"])
        #expect(status == 0, "\(errors)")
        #expect(output.first == "Hello from Python.")
        #expect(output.contains("wrote \(wav): 0.50 s of 24 kHz audio"))
        #expect(output.contains("usage: prompt 7 tokens, response 3, total 10"))
        let setup = try await peer.waitForLine { $0.hasPrefix("SETUP ") }
        #expect(setup.contains(#""model": "models/gemini-3.8-live""#))
        #expect(setup.contains(#""responseModalities": ["AUDIO"]"#))
    }

    @Test("against an independent peer: interaction status and an in-band quota error")
    func independentPeerScenarios() async throws {
        let (peer, url) = try await pythonPeer()
        defer { peer.terminate() }
        let (status, output, errors) = try await run(["chat", "--endpoint", url + "?scenario=interaction", "Hello"])
        #expect(status == 0, "\(errors)")
        #expect(output.first == "Hello from Python. Still here.")
        let (failed, _, failure) = try await run(["chat", "--endpoint", url + "?scenario=error", "Hello"])
        #expect(failed != 0)
        #expect(failure.contains("429 (RESOURCE_EXHAUSTED): You exceeded your current quota"))
        #expect(failure.contains("quota or credits are used up"))
        let (silent, _, silentErrors) = try await run(["chat", "--endpoint", url + "?scenario=silent", "--timeout", "1", "Hello"])
        #expect(silent != 0)
        #expect(silentErrors.contains("no complete reply within 1 s"))
    }

    @Test("no key and no endpoint: says how to get a key or use the simulator")
    func noKey() async throws {
        let (status, _, errors) = try await run(["chat", "Hi"], environment: ["GEMINI_API_KEY": "", "GOOGLE_API_KEY": ""])
        #expect(status != 0)
        #expect(errors.contains("aistudio.google.com"))
        #expect(errors.contains("live-simulator"))
    }

    @Test("--audio-out streams a long reply to the file: memory does not grow with the reply")
    func longReplyStreams() async throws {
        // About 450 s of speech: 21 MB of 24 kHz audio in 100 ms messages (the simulator takes a few seconds
        // to synthesise it, during which chat sits at its resting size).
        let words = (0..<1000).map { "word\($0 % 10)." }.joined(separator: " ")
        let simulator = try await simulator { $0.replyText = { _ in words } }
        defer { Task { await simulator.shutdown() } }
        let directory = try PackagePaths.temporaryDirectory("chat-long")
        defer { try? FileManager.default.removeItem(at: directory) }
        let wav = directory.appendingPathComponent("long.wav").path
        let process = try PeerProcess(PackagePaths.product("livevoiced").path,
                                      ["chat", "--endpoint", simulator.baseURL, "--timeout", "0", "--audio-out", wav, "Talk"],
                                      environment: ["GEMINI_API_KEY": ""])
        // The resident size before the first audio arrives, and the peak over the whole run.
        let memory = Task { () -> (resting: Int, peak: Int) in
            var resting = 0
            var peak = 0
            let path = "/proc/\(process.processIdentifier)/status"
            while let status = try? String(contentsOfFile: path, encoding: .utf8) {
                func kilobytes(_ field: String) -> Int {
                    let line = status.split(separator: "\n").first { $0.hasPrefix(field) } ?? ""
                    return Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0
                }
                let written = (try? FileManager.default.attributesOfItem(atPath: wav)[.size] as? Int) ?? nil
                if (written ?? 0) <= 44 { resting = max(resting, kilobytes("VmRSS:")) }
                peak = max(peak, kilobytes("VmHWM:"))
                try? await Task.sleep(for: .milliseconds(20))
            }
            return (resting * 1024, peak * 1024)
        }
        let status = try await process.waitForExit(timeout: .seconds(240))
        let (resting, peak) = await memory.value
        #expect(status == 0, "\(process.standardError)")
        let size = (try FileManager.default.attributesOfItem(atPath: wav)[.size] as? Int) ?? 0
        print("chat --audio-out: \(size / 1024) KiB of WAV written; chat's RSS \(resting / 1024) KiB at rest, peak \(peak / 1024) KiB")
        #expect(size > 15_000_000)
        // Holding the reply would add at least its size (the old chat added 2.6 times it); streaming adds
        // a few MiB of buffers and allocator slack, whatever the length (5 MB of audio: 2-4 MiB, 29 MB: 8-10).
        #expect(resting > 0 && peak - resting < size, "grew \((peak - resting) / 1024) KiB for \(size / 1024) KiB of audio")
    }
}
