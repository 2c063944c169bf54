// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

import ArgumentParser
import AudioFrontEnd
import FoundationEssentials
import GeminiLive
import Log

/// `livevoiced chat`: one text turn against the Live API (or the local simulator), for trying a key, a
/// model, a voice or an endpoint without any audio hardware.
struct Chat: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Send one text turn to the Live API and print (or save) the reply.",
        discussion: """
            The API key comes from GEMINI_API_KEY or GOOGLE_API_KEY, or --api-key-file; never from the command \
            line, where other users could see it. With --audio-out the model answers by voice and the reply is \
            written as a 24 kHz WAV file; otherwise it answers in text.

            Try it without a key against the local simulator:
              swift run live-simulator --port 8765 &
              livevoiced chat --endpoint ws://127.0.0.1:8765 "Hello"
            """)

    @OptionGroup var connection: ConnectionOptions

    @Option(help: "System instruction for the model.")
    var system: String?

    @Option(help: "Prebuilt voice name for spoken replies (Aoede, Charon, Kore, Puck, ...).")
    var voice: String?

    @Option(name: .customLong("audio-out"), help: "Ask for a spoken reply and write it to this WAV file.")
    var audioOut: String?

    @Argument(help: "What to say to the model.")
    var text: String

    func run() async throws {
        let logger = connection.logger()
        let client = try connection.makeClient(logger: logger)
        var config = LiveConnectConfig()
        if let system { config.systemInstruction = Content(system) }
        if audioOut != nil {
            config.responseModalities = [.audio]
            config.outputAudioTranscription = AudioTranscriptionConfig()
            if let voice { config.speechConfig = .voice(voice) }
        } else {
            config.responseModalities = [.text]
        }

        do {
            let session = try await client.live.connect(model: connection.model, config: config)
            try await session.sendClientContent(turns: [.user(text)], turnComplete: true)
            var audio = Data()
            var transcript = ""
            var usage: UsageMetadata?
            var printedText = false
            for try await message in session.receive() {
                if let text = message.text {
                    print(text, terminator: "")
                    printedText = true
                }
                if let data = message.data { audio.append(data) }
                if let fragment = message.serverContent?.outputTranscription?.text { transcript += fragment }
                if let metadata = message.usageMetadata { usage = metadata }
                if let calls = message.toolCall?.functionCalls {
                    // chat declares no tools, so any call is answered with an error the model can read.
                    let responses = calls.map {
                        FunctionResponse(id: $0.id, name: $0.name, response: ["error": "no tools in livevoiced chat"])
                    }
                    try await session.sendToolResponse(functionResponses: responses)
                }
                if message.serverContent?.turnComplete == true {
                    // usageMetadata may follow turnComplete; take what is already queued, briefly.
                    if usage == nil, let next = try await nextWithin(.milliseconds(500), session: session) {
                        usage = next.usageMetadata
                    }
                    break
                }
            }
            await session.close()
            if printedText { print() }
            if let audioOut {
                try writeWAV(audio, sampleRate: 24_000, to: audioOut)
                let seconds = Double(audio.count / 2) / 24_000
                print("wrote \(audioOut): \(String(seconds, decimals: 2)) s of 24 kHz audio")
                if !transcript.isEmpty { print("transcript: \(transcript)") }
            }
            if let usage {
                print("usage: prompt \(usage.promptTokenCount ?? 0) tokens, response \(usage.responseTokenCount ?? 0), total \(usage.totalTokenCount ?? 0)")
            }
        } catch let error as LiveError {
            throw CleanExit.message(for: error)
        }
    }

    /// Writes 16-bit mono PCM bytes as a WAV file.
    private func writeWAV(_ pcm: Data, sampleRate: Int, to path: String) throws {
        do {
            let writer = try AudioFileWriter(path: path, sampleRate: sampleRate, container: .wav)
            try pcm.withUnsafeBytes { try writer.write($0.bindMemory(to: Int16.self)) }
            try writer.close()
        } catch {
            throw ExitError(message: "cannot write '\(path)': \(error)")
        }
    }

    /// The next message if one arrives within `limit`; the session is then closed by the caller anyway.
    private func nextWithin(_ limit: Duration, session: LiveSession) async throws -> LiveServerMessage? {
        try await withThrowingTaskGroup(of: LiveServerMessage?.self) { group in
            group.addTask { try await session.nextMessage() }
            group.addTask {
                try await Task.sleep(for: limit)
                await session.close()
                return nil
            }
            let first = try await group.next() ?? nil
            group.cancelAll()
            return first
        }
    }
}

extension CleanExit {
    /// A Live API failure as a one-line error and exit status 1.
    static func message(for error: LiveError) -> any Error {
        var text = error.message
        if let status = error.httpStatus, !text.contains("HTTP") { text += " (HTTP \(status))" }
        return ExitError(message: text)
    }
}

/// An error that prints its message as `error: …` and exits with status 1.
struct ExitError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}

extension String {
    init(_ value: Double, decimals: Int) {
        var scale = 1.0
        for _ in 0..<decimals { scale *= 10 }
        let rounded = (value * scale).rounded() / scale
        var text = "\(rounded)"
        if let dot = text.firstIndex(of: ".") {
            let have = text.distance(from: dot, to: text.endIndex) - 1
            if have < decimals { text += String(repeating: "0", count: decimals - have) }
        }
        self = text
    }
}
