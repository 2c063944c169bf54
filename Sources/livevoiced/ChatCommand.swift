// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

import ArgumentParser
import FoundationEssentials
import GeminiLive
import Log
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// `livevoiced chat`: one turn against the Live API (or the local simulator), for trying a key, a model, a
/// voice or an endpoint without any audio hardware.
struct Chat: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Send one text turn to the Live API and print (or save) the reply.",
        discussion: """
            The API key comes from GEMINI_API_KEY or GOOGLE_API_KEY, or --api-key-file; never from the command \
            line, where other users could see it.

            The model (\(LiveModels.defaultModel) by default) answers by voice: chat prints the transcript of \
            the spoken reply, and with --audio-out also writes the audio as a 24 kHz WAV file, as it arrives. \
            --modality text asks for a written reply from a model that can give one \
            (\(LiveModels.textCapableModel)); native-audio models refuse it.

            Try it without a key against the local simulator:
              swift run live-simulator --port 8765 &
              livevoiced chat --endpoint ws://127.0.0.1:8765 "Hello"
            """)

    /// What the model answers with.
    enum ReplyModality: String, ExpressibleByArgument, CaseIterable {
        case audio, text
    }

    @OptionGroup var connection: ConnectionOptions

    @Option(help: "System instruction for the model.")
    var system: String?

    @Option(help: "Prebuilt voice name for spoken replies (Aoede, Charon, Kore, Puck, ...).")
    var voice: String?

    @Option(help: "audio (the default: the transcript is printed) or text (only for models that answer in text).")
    var modality: ReplyModality = .audio

    @Option(name: .customLong("audio-out"), help: "Also write the spoken reply to this WAV file, as it arrives.")
    var audioOut: String?

    @Option(help: "Seconds to wait for the whole reply before giving up (0: no limit).")
    var timeout: Double = 60

    @Argument(help: "What to say to the model.")
    var text: String

    func validate() throws {
        guard timeout >= 0, timeout.isFinite else { throw ValidationError("--timeout must be a number of seconds, 0 or more") }
        if audioOut != nil, modality == .text {
            throw ValidationError("--audio-out needs a spoken reply: drop --modality text")
        }
    }

    func run() async throws {
        let model = LiveModels.capabilities(for: connection.model)
        if modality == .text, model.refusesTextOutput {
            throw ExitError(message: """
                \(model.id) answers only in audio (a native-audio model), so it refuses --modality text. Leave \
                --modality out (chat then prints the transcript of the spoken reply), or choose a model that \
                answers in text: --model \(LiveModels.textCapableModel)
                """)
        }
        if case .shutDown(let date) = model.lifecycle {
            printError("warning: \(model.id) was shut down on \(date); use --model \(LiveModels.defaultModel)")
        }
        let logger = connection.logger()
        let client = try connection.makeClient(logger: logger)
        var config = LiveConnectConfig()
        if let system { config.systemInstruction = Content(system) }
        switch modality {
        case .audio:
            config.responseModalities = [.audio]
            config.outputAudioTranscription = AudioTranscriptionConfig()
            if let voice { config.speechConfig = .voice(voice) }
        case .text:
            config.responseModalities = [.text]
        }

        do {
            let session = try await client.live.connect(model: connection.model, config: config)
            try await session.sendClientContent(turns: [.user(text)], turnComplete: true)
            let reply = try await receiveReply(session)
            await session.close()
            if reply.printedText { print() }
            if !reply.printedText, modality == .audio {
                printError("note: the reply came without a transcript" + (audioOut == nil ? "; add --audio-out FILE to keep its audio" : ""))
            }
            if let audioOut {
                print("wrote \(audioOut.escapingControlCharacters()): \(String(reply.audioSeconds, decimals: 2)) s of \(reply.sampleRate / 1000) kHz audio")
            }
            if let usage = reply.usage {
                print("usage: prompt \(usage.promptTokenCount ?? 0) tokens, response \(usage.responseTokenCount ?? 0), total \(usage.totalTokenCount ?? 0)")
            }
        } catch let error as LiveError {
            throw CleanExit.message(for: error, model: model)
        }
    }

    /// What one turn brought back.
    struct Reply: Sendable {
        var printedText = false
        var audioSeconds = 0.0
        var sampleRate = 24_000
        var usage: UsageMetadata?
    }

    /// Receives until the interaction is complete, under the turn deadline: a server that keeps the
    /// connection alive but never finishes its reply cannot hold chat forever.
    private func receiveReply(_ session: LiveSession) async throws -> Reply {
        let timedOut = Atomic<Bool>(false)
        let limit = timeout
        let receiving = Task { try await receiveUntilComplete(session) }
        let deadline = Task {
            guard limit > 0 else { return }
            try? await Task.sleep(for: .milliseconds(Int64((limit * 1000).rounded())))
            guard !Task.isCancelled else { return }
            timedOut.store(true, ordering: .sequentiallyConsistent)
            await session.close()
        }
        defer { deadline.cancel() }
        let reply = try await receiving.value
        if timedOut.load(ordering: .sequentiallyConsistent) {
            throw ExitError(message: """
                no complete reply within \(String(limit, decimals: 0)) s: the server kept the connection open but \
                did not finish the turn (raise --timeout for long replies)
                """)
        }
        return reply
    }

    private func receiveUntilComplete(_ session: LiveSession) async throws -> Reply {
        var reply = Reply()
        var audioFile = try audioOut.map { try ChatReplyAudio(path: $0) }
        defer { try? audioFile?.close() }
        for try await message in session.receive() {
            if let content = message.serverContent {
                let shown = modality == .text ? content.modelTurn?.text : content.outputTranscription?.text
                if let shown, !shown.isEmpty {
                    // Server text reaches the terminal only with its control characters made visible.
                    print(shown.escapingControlCharacters(keepingLineBreaks: true), terminator: "")
                    fflush(nil)  // all streams: stdout itself is not concurrency-safe to name
                    reply.printedText = true
                }
                for blob in content.modelTurn?.parts.compactMap(\.inlineData) ?? [] where blob.mimeType.hasPrefix("audio/") {
                    try audioFile?.append(blob)
                }
            }
            if let metadata = message.usageMetadata { reply.usage = metadata }
            if let calls = message.toolCall?.functionCalls {
                // chat declares no tools, so any call is answered with an error the model can read.
                let responses = calls.map {
                    FunctionResponse(id: $0.id, name: $0.name, response: ["error": "no tools in livevoiced chat"])
                }
                try await session.sendToolResponse(functionResponses: responses)
            }
            if message.serverContent?.isInteractionComplete == true {
                // usageMetadata may follow the end of the turn; take what is already queued, briefly.
                if reply.usage == nil, let next = try await nextWithin(.milliseconds(500), session: session) {
                    reply.usage = next.usageMetadata
                }
                break
            }
        }
        if let audioFile {
            reply.audioSeconds = audioFile.seconds
            reply.sampleRate = audioFile.sampleRate
        }
        try audioFile?.close()
        audioFile = nil
        return reply
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

/// Writes a line to standard error.
func printError(_ line: String) {
    var bytes = Array((line + "\n").utf8)
    bytes.withUnsafeMutableBytes { _ = write(2, $0.baseAddress, $0.count) }
}

extension CleanExit {
    /// A Live API failure as a one-line error and exit status 1, with the server's text made safe to print
    /// and, where the error says what to do, the fix.
    static func message(for error: LiveError, model: LiveModelCapabilities? = nil) -> any Error {
        var text = error.message.escapingControlCharacters()
        if let status = error.httpStatus, !text.contains("HTTP"), error.kind != .serverError { text += " (HTTP \(status))" }
        if error.isAuthenticationFailure {
            text += "; check the API key (GEMINI_API_KEY or --api-key-file; keys at https://aistudio.google.com/apikey)"
        } else if error.isQuotaExhausted {
            text += "; the project's quota or credits are used up: check its plan and billing"
        } else if let model, error.closeCode == 1007, error.closeReason?.lowercased().contains("modality") == true {
            text += "; \(model.id) may answer only in audio: leave --modality out"
        }
        return ExitError(message: text)
    }
}

/// An error that prints its message as `error: …` and exits with status 1.
struct ExitError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}

extension String {
    /// `value` with `decimals` digits after the point (no Foundation formatting in the daemon).
    init(_ value: Double, decimals: Int) {
        var scale = 1.0
        for _ in 0..<decimals { scale *= 10 }
        let rounded = (value * scale).rounded() / scale
        var text = decimals == 0 ? "\(Int(rounded))" : "\(rounded)"
        if decimals > 0, let dot = text.firstIndex(of: ".") {
            let have = text.distance(from: dot, to: text.endIndex) - 1
            if have < decimals { text += String(repeating: "0", count: decimals - have) }
        }
        self = text
    }
}
