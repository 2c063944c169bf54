// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

import ArgumentParser
import AudioFrontEnd

/// `livevoiced audio process`: the daemon's microphone front end run offline on files.
struct AudioProcess: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "process",
        abstract: "Run the microphone front end (echo cancellation, noise suppression, VAD) on files.",
        discussion: """
            MIC and OUT are 16 kHz mono 16-bit: WAV (.wav) or headerless little-endian (.raw, .pcm). REF is \
            the far-end audio as sent to the speaker, at --reference-rate (default 24000) or the rate in its \
            WAV header. OUT has exactly as many samples as MIC and is time-aligned with it (the front end's \
            one-frame lag is removed). VAD.txt gets one line per 10 ms: 1 for near-end speech, 0 otherwise.

            Prints the frames processed, the share of speech, the processing time per 10 ms of audio, the \
            reference delay used, the speaker clipping found, and the echo return loss enhancement (ERLE) \
            over the 10 ms frames after the first 2 s where the far end plays and there is no near end (by \
            the VAD, or by NEAR.wav). With --near-end (the clean near-end talker as it reached the \
            microphone, 16 kHz, time-aligned with MIC) it also prints the double-talk SDR (the output \
            against the near end where both talk, after a 32-tap linear fit) and the VAD's accuracy on the \
            10 ms grid: the figures of livevoiced-bench aec.
            """)

    /// `--delay-ms N` or `--delay-ms auto`.
    enum DelaySetting: ExpressibleByArgument, Equatable {
        case automatic
        case fixed(Int)

        init?(argument: String) {
            if argument == "auto" {
                self = .automatic
            } else if let value = Int(argument) {
                self = .fixed(value)
            } else {
                return nil
            }
        }

        var defaultValueDescription: String {
            switch self {
            case .automatic: return "auto"
            case .fixed(let value): return String(value)
            }
        }
    }

    @Option(name: .customLong("mic"), help: ArgumentHelp("Microphone recording (16 kHz mono, .wav or raw s16le).", valueName: "MIC"))
    var microphone: String

    @Option(help: ArgumentHelp("Far-end audio as played (.wav or raw s16le); needed unless --no-aec.", valueName: "REF"))
    var reference: String?

    @Option(help: ArgumentHelp("Where to write the processed audio (.wav or raw s16le).", valueName: "OUT"))
    var output: String

    @Option(name: .customLong("near-end"), help: ArgumentHelp("The clean near-end talker at the microphone (16 kHz), for SDR and VAD accuracy.", valueName: "NEAR"))
    var nearEnd: String?

    @Option(name: .customLong("vad-output"), help: ArgumentHelp("Write the VAD decision per 10 ms (0 or 1 per line).", valueName: "VAD.txt"))
    var vadOutput: String?

    @Option(name: .customLong("frame-ms"), help: "Frame length in ms: 10 or 20.")
    var frameMilliseconds = 20

    @Option(name: .customLong("filter-ms"), help: "Echo tail the canceller models, in ms.")
    var filterMilliseconds = 128

    @Option(name: .customLong("delay-ms"), help: ArgumentHelp("Reference delay in ms, or 'auto' to estimate it.", valueName: "N|auto"))
    var delay = DelaySetting.automatic

    @Flag(name: .customLong("no-aec"), help: "Turn echo cancellation off.")
    var noEchoCancellation = false

    @Flag(name: .customLong("no-denoise"), help: "Turn noise suppression off (residual echo is still suppressed).")
    var noDenoise = false

    @Option(name: .customLong("reference-rate"), help: "Sample rate of a raw REF in Hz (a WAV header's rate wins). [default: 24000]")
    var referenceRate: Int?

    @Flag(help: "Print the results as one JSON line.")
    var json = false

    func validate() throws {
        guard frameMilliseconds == 10 || frameMilliseconds == 20 else {
            throw ValidationError("--frame-ms must be 10 or 20, not \(frameMilliseconds)")
        }
        guard reference != nil || noEchoCancellation else {
            throw ValidationError("--reference is required for echo cancellation (or pass --no-aec)")
        }
        if let referenceRate, !(8_000...192_000).contains(referenceRate) {
            throw ValidationError("--reference-rate \(referenceRate) is outside 8000...192000 Hz")
        }
        if case .fixed(let milliseconds) = delay, milliseconds < 0 {
            throw ValidationError("--delay-ms must be 0 or more, or 'auto'")
        }
        do {
            try frontEndConfiguration().validate()
        } catch {
            throw ValidationError(error.message)
        }
    }

    func frontEndConfiguration() -> FrontEndConfiguration {
        var configuration = FrontEndConfiguration()
        configuration.frameDuration = frameMilliseconds == 10 ? .milliseconds10 : .milliseconds20
        configuration.filterLengthMilliseconds = filterMilliseconds
        configuration.echoCancellation = !noEchoCancellation
        configuration.noiseSuppression = !noDenoise
        switch delay {
        case .automatic: configuration.referenceDelay = .automatic
        case .fixed(let milliseconds): configuration.referenceDelay = .fixed(milliseconds: milliseconds)
        }
        return configuration
    }

    func run() async throws {
        let job = AudioProcessJob(
            microphonePath: microphone, referencePath: reference, outputPath: output, vadPath: vadOutput,
            referenceRate: referenceRate, configuration: frontEndConfiguration(), nearEndPath: nearEnd)
        let report = try job.run()
        print(json ? report.jsonLine() : report.text())
    }
}
