// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

import ArgumentParser
import AudioEngine

/// `livevoiced audio meter`: the microphone's level and the speech detector's verdict, live.
struct AudioMeter: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "meter",
        abstract: "Show the microphone level and speech detection live, until Ctrl-C.",
        discussion: """
            The bar spans -60 to 0 dBFS of the processed signal; SPEECH lights up when the front end hears \
            speech. Quiet room noise should sit well below speech (talk at arm's length: about -35 to \
            -20 dBFS). With --playback the speaker is opened too and plays silence, so the echo canceller \
            has its reference as in the daemon.
            """)

    @OptionGroup var devices: AudioDeviceOptions

    @Option(help: "Stop after this many seconds (default: run until Ctrl-C).")
    var seconds: Double?

    @Flag(help: "Open the playback device as well (the daemon's full setup).")
    var playback = false

    func validate() throws {
        if let seconds, !(seconds > 0 && seconds <= 86400) {
            throw ValidationError("--seconds must be between 0 and 86400, not \(seconds)")
        }
    }

    func run() async throws {
        let configuration = try devices.engineConfiguration(playback: playback)
        let engine = AudioEngine(configuration: configuration, makeProcessor: { try makeMicProcessor() }, logger: devices.logger())
        Interrupt.install()
        try engine.start()
        let watchdog = Interrupt.stopOnInterrupt(engine)
        defer { watchdog.cancel() }
        let capture = engine.statistics.capture
        AudioFormat.output("Listening on '\(capture.device)' at \(capture.sampleRate) Hz"
            + (capture.sampleRate == 16000 ? "" : " (resampled to 16000 Hz)")
            + ". Ctrl-C to stop.\n")

        let limit = seconds.map { Int($0 * 100) }
        let terminal = AudioFormat.isTerminal
        var frames = 0
        var speechFrames = 0
        var peak: Float = -120
        var loudest: Float = -120
        var levelSum: Double = 0
        var windowLevel: Float = -120
        var windowSpeech = false
        for await frame in engine.frames {
            frames += 1
            if frame.isSpeech { speechFrames += 1 }
            loudest = max(loudest, frame.levelDBFS)
            levelSum += Double(frame.levelDBFS)
            windowLevel = max(windowLevel, frame.levelDBFS)
            windowSpeech = windowSpeech || frame.isSpeech
            // The peak marker falls back 1 dB per frame.
            peak = max(frame.levelDBFS, peak - 1)
            let every = terminal ? 5 : 50
            if frames % every == 0 {
                let line = Self.bar(level: windowLevel, peak: peak, speech: windowSpeech)
                AudioFormat.output(terminal ? "\r\(line)\u{1B}[K" : "\(line)\n")
                windowLevel = -120
                windowSpeech = false
            }
            if let limit, frames >= limit { break }
        }
        engine.stop()
        if terminal { AudioFormat.output("\n") }
        let stats = engine.statistics
        let seconds = Double(frames) / 100
        var summary = "\(frames) frames (\(AudioFormat.decimal(seconds)) s)"
        if frames > 0 {
            summary += ", speech in \(AudioFormat.decimal(Double(speechFrames) * 100 / Double(frames)))%"
            summary += ", level average \(AudioFormat.decimal(levelSum / Double(frames))) dBFS, loudest \(AudioFormat.decimal(Double(loudest))) dBFS"
        }
        summary += "; xruns \(stats.capture.xruns), frames dropped \(stats.framesDroppedInEngine + stats.framesDroppedByConsumer)"
        if stats.capture.deviceLosses > 0 { summary += ", device lost \(stats.capture.deviceLosses)× (reopened \(stats.capture.reopens)×)" }
        print(summary)
    }

    /// `mic [##########|·········]  -32.1 dBFS  SPEECH`
    static func bar(level: Float, peak: Float, speech: Bool) -> String {
        let width = 40
        func position(_ db: Float) -> Int { max(0, min(width, Int(((db + 60) / 60 * Float(width)).rounded()))) }
        let filled = position(level)
        let peakAt = position(peak)
        var cells = [Character](repeating: "·", count: width)
        for i in 0..<filled { cells[i] = "#" }
        if peakAt > 0 && peakAt <= width && peakAt > filled { cells[peakAt - 1] = "|" }
        let value = level <= -100 ? "  silent" : AudioFormat.decimal(Double(level)) + " dBFS"
        return "mic [\(String(cells))] \(value)\(speech ? "  SPEECH" : "")"
    }
}
