// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

import ArgumentParser
import AudioFrontEnd
import CSpeexDSP
import Foundation

/// `livevoiced-bench audio`: the cost of the microphone front end per 10 ms of 16 kHz audio, through
/// `AudioFrontEnd` and through direct speexdsp calls doing the same work in the same process, so the
/// Swift overhead shows as a ratio. Also the 24 kHz → 16 kHz reference resampling.
struct AudioBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audio",
        abstract: "Time the audio front end (AEC + preprocess + VAD, resampling) against direct speexdsp calls.",
        discussion: """
            Each iteration runs every variant over the same SECONDS of a speech-like signal from a fresh \
            state, timed in thread CPU time; the figures are medians over the iterations, the variants interleaved so machine noise \
            hits them alike. --callgrind-frames runs one variant for exactly N frames and prints nothing \
            else, for instruction counts under valgrind (scripts/bench-audio). --write-files writes a \
            microphone and reference WAV of SECONDS for `livevoiced audio process`.
            """)

    /// What to run under `--callgrind-frames`.
    enum Variant: String, ExpressibleByArgument, CaseIterable {
        case frontEnd = "front-end"
        case frontEndAutomatic = "front-end-auto"
        case direct
        case rawSpeex = "raw-speex"
        case resample
        case resampleDirect = "resample-direct"
    }

    @Option(help: "Seconds of audio per iteration (or in the written files).")
    var seconds = 10.0

    @Option(help: "Iterations; medians are reported.")
    var iterations = 21

    @Option(name: .customLong("frame-ms"), help: "Frame length: 10 or 20 ms.")
    var frameMilliseconds = 20

    @Option(name: .customLong("filter-ms"), help: "Echo canceller filter length in ms.")
    var filterMilliseconds = 128

    @Option(name: .customLong("set"), help: ArgumentHelp("Change a front-end default for the front-end variants (repeatable; keys as for `aec`).", valueName: "KEY=VALUE"))
    var settings: [String] = []

    @Flag(help: "Print one JSON line.")
    var json = false

    @Option(name: .customLong("callgrind-frames"), help: "Run only --variant for this many frames (10 ms units for resampling).")
    var callgrindFrames: Int?

    @Option(help: "The variant for --callgrind-frames: \(Variant.allCases.map(\.rawValue).joined(separator: ", ")).")
    var variant = Variant.frontEnd

    @Option(name: .customLong("write-files"), help: ArgumentHelp("Write DIR/mic.wav (16 kHz) and DIR/ref.wav (24 kHz) and exit.", valueName: "DIR"))
    var writeFiles: String?

    func validate() throws {
        guard frameMilliseconds == 10 || frameMilliseconds == 20 else { throw ValidationError("--frame-ms must be 10 or 20") }
        guard seconds >= 1 else { throw ValidationError("--seconds must be at least 1") }
        guard iterations >= 1 else { throw ValidationError("--iterations must be at least 1") }
        do { _ = try overriddenConfiguration() } catch { throw ValidationError("\(error)") }
    }

    func run() throws {
        if let writeFiles {
            try write(directory: writeFiles)
            return
        }
        let signal = try AudioBenchSignal.make(seconds: min(seconds, 60))
        let runner = AudioBenchRunner(
            signal: signal, frameSize: 16 * frameMilliseconds, filterLength: 16 * filterMilliseconds,
            base: try overriddenConfiguration())
        if let callgrindFrames {
            let checksum = try runner.run(variant, units: callgrindFrames).checksum
            // Printed so the work cannot be optimised away.
            print("checksum \(checksum)")
            return
        }
        let frames = runner.framesInSignal
        let chunks = runner.chunksInSignal
        var samples: [Variant: [Double]] = [:]
        for _ in 0..<iterations {
            for variant in Variant.allCases {
                let isResampling = variant == .resample || variant == .resampleDirect
                let units = isResampling ? chunks : variant == .rawSpeex ? frames * frameMilliseconds / 10 : frames
                let elapsed = try runner.run(variant, units: units).elapsed
                // µs per 10 ms of audio.
                let tenMillisecondUnits = isResampling || variant == .rawSpeex ? Double(units) : Double(frames * frameMilliseconds / 10)
                samples[variant, default: []].append(microseconds(elapsed) / tenMillisecondUnits)
            }
        }
        let median = samples.mapValues { values in values.sorted()[values.count / 2] }
        let frontEnd = median[.frontEnd]!, direct = median[.direct]!, rawSpeex = median[.rawSpeex]!
        let resample = median[.resample]!, resampleDirect = median[.resampleDirect]!
        if json {
            let fields: [(String, String)] = [
                ("frameMs", "\(frameMilliseconds)"), ("filterMs", "\(filterMilliseconds)"), ("seconds", "\(seconds)"),
                ("iterations", "\(iterations)"),
                ("frontEndMicroseconds", format(frontEnd, 2)), ("directMicroseconds", format(direct, 2)),
                ("frontEndRatio", format(frontEnd / direct, 3)),
                ("frontEndAutomaticMicroseconds", format(median[.frontEndAutomatic]!, 2)),
                ("rawSpeexMicroseconds", format(rawSpeex, 2)),
                ("frontEndAutomaticOverRawSpeex", format(median[.frontEndAutomatic]! / rawSpeex, 3)),
                ("resampleMicroseconds", format(resample, 3)), ("resampleDirectMicroseconds", format(resampleDirect, 3)),
                ("resampleRatio", format(resample / resampleDirect, 3)),
            ]
            print("{" + fields.map { "\"\($0.0)\":\($0.1)" }.joined(separator: ",") + "}")
        } else {
            print("""
                audio front end, 16 kHz, \(frameMilliseconds) ms frames, \(filterMilliseconds) ms filter; \
                medians of \(iterations) × \(format(seconds, 0)) s
                  AEC + preprocess + VAD, AudioFrontEnd (fixed delay)  \(format(frontEnd, 2)) µs per 10 ms
                  its speexdsp calls alone, made directly              \(format(direct, 2)) µs per 10 ms
                  ratio (the front end's own work on top)              \(format(frontEnd / direct, 3))
                  AudioFrontEnd with automatic delay estimation        \(format(median[.frontEndAutomatic]!, 2)) µs per 10 ms
                  raw speexdsp (10 ms, 2048 taps, preprocess defaults) \(format(rawSpeex, 2)) µs per 10 ms
                  automatic front end / raw speexdsp                   \(format(median[.frontEndAutomatic]! / rawSpeex, 3)) (target ≤ 1.5)
                  resample 24 kHz → 16 kHz, ReferenceResampler         \(format(resample, 3)) µs per 10 ms
                  same, direct speex_resampler_process_int             \(format(resampleDirect, 3)) µs per 10 ms
                  ratio                                                \(format(resample / resampleDirect, 3))
                """)
        }
    }

    /// The defaults with `--set` applied.
    private func overriddenConfiguration() throws -> FrontEndConfiguration {
        var configuration = FrontEndConfiguration()
        for setting in settings {
            let pair = setting.split(separator: "=", maxSplits: 1).map(String.init)
            guard pair.count == 2 else { throw EchoBenchError("--set \(setting): expected KEY=VALUE") }
            try FrontEndOverrides.apply(key: pair[0], value: pair[1], to: &configuration)
        }
        return configuration
    }

    private func write(directory: String) throws {
        let block = try AudioBenchSignal.make(seconds: min(seconds, 20))
        let microphone = try AudioFileWriter(path: directory + "/mic.wav", sampleRate: 16_000)
        let reference = try AudioFileWriter(path: directory + "/ref.wav", sampleRate: 24_000)
        var remaining16k = Int(seconds * 16_000)
        var remaining24k = Int(seconds * 24_000)
        while remaining16k > 0 || remaining24k > 0 {
            let count16k = min(remaining16k, block.microphone.count)
            try block.microphone.withUnsafeBufferPointer { try microphone.write(UnsafeBufferPointer(rebasing: $0[0..<count16k])) }
            remaining16k -= count16k
            let count24k = min(remaining24k, block.reference24k.count)
            try block.reference24k.withUnsafeBufferPointer { try reference.write(UnsafeBufferPointer(rebasing: $0[0..<count24k])) }
            remaining24k -= count24k
        }
        try microphone.close()
        try reference.close()
    }

    private func microseconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) * 1_000_000 + Double(duration.components.attoseconds) / 1e12
    }

    private func format(_ value: Double, _ decimals: Int) -> String { String(format: "%.\(decimals)f", value) }
}

/// CPU time of the calling thread: unlike wall time it leaves out the time other processes on a shared
/// machine take the CPU away, which is most of the noise there.
enum ThreadClock {
    static func now() -> Duration {
        var time = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time)
        return .seconds(time.tv_sec) + .nanoseconds(time.tv_nsec)
    }
}

/// Runs one variant over the signal (wrapping around for longer runs) from a fresh state.
struct AudioBenchRunner {
    let signal: AudioBenchSignal
    let frameSize: Int
    let filterLength: Int
    /// The front end's settings before the bench's frame, filter and delay.
    var base = FrontEndConfiguration()

    var framesInSignal: Int { signal.microphone.count / frameSize }
    var chunksInSignal: Int { signal.reference24k.count / 240 }

    func run(_ variant: AudioBench.Variant, units: Int) throws -> (elapsed: Duration, checksum: Int) {
        switch variant {
        case .frontEnd: return try frontEnd(frames: units, automatic: false)
        case .frontEndAutomatic: return try frontEnd(frames: units, automatic: true)
        case .direct: return direct(frames: units)
        case .rawSpeex: return rawSpeex(frames: units)
        case .resample: return try resample(chunks: units)
        case .resampleDirect: return resampleDirect(chunks: units)
        }
    }

    private func frontEnd(frames: Int, automatic: Bool) throws -> (elapsed: Duration, checksum: Int) {
        var configuration = base
        configuration.frameDuration = frameSize == 160 ? .milliseconds10 : .milliseconds20
        configuration.filterLengthMilliseconds = filterLength / 16
        configuration.referenceDelay = automatic ? .automatic : .fixed(milliseconds: 0)
        let frontEnd = try AudioFrontEnd(configuration: configuration)
        let output = UnsafeMutableBufferPointer<Int16>.allocate(capacity: frameSize)
        defer { output.deallocate() }
        var checksum = 0
        let start = ThreadClock.now()
        signal.microphone.withUnsafeBufferPointer { microphone in
            signal.reference16k.withUnsafeBufferPointer { reference in
                let available = framesInSignal
                for index in 0..<frames {
                    let range = (index % available) * frameSize..<(index % available + 1) * frameSize
                    let analysis = frontEnd.process(
                        microphone: UnsafeBufferPointer(rebasing: microphone[range]),
                        reference: UnsafeBufferPointer(rebasing: reference[range]), output: output)
                    checksum &+= Int(output[0]) &+ (analysis.isSpeech ? 1 : 0)
                }
            }
        }
        return (ThreadClock.now() - start, checksum)
    }

    /// The same work as `AudioFrontEnd` with a fixed delay of 0, by direct speexdsp calls.
    private func direct(frames: Int) -> (elapsed: Duration, checksum: Int) {
        let echo = speex_echo_state_init(Int32(frameSize), Int32(filterLength))
        let preprocess = speex_preprocess_state_init(Int32(frameSize), 16_000)
        defer {
            speex_preprocess_state_destroy(preprocess)
            speex_echo_state_destroy(echo)
        }
        var value: Int32 = 16_000
        speex_echo_ctl(echo, SPEEX_ECHO_SET_SAMPLING_RATE, &value)
        speex_preprocess_ctl(preprocess, SPEEX_PREPROCESS_SET_ECHO_STATE, UnsafeMutableRawPointer(echo))
        value = 1
        speex_preprocess_ctl(preprocess, SPEEX_PREPROCESS_SET_DENOISE, &value)
        value = -25
        speex_preprocess_ctl(preprocess, SPEEX_PREPROCESS_SET_NOISE_SUPPRESS, &value)
        value = -60
        speex_preprocess_ctl(preprocess, SPEEX_PREPROCESS_SET_ECHO_SUPPRESS, &value)
        value = -30
        speex_preprocess_ctl(preprocess, SPEEX_PREPROCESS_SET_ECHO_SUPPRESS_ACTIVE, &value)
        let output = UnsafeMutablePointer<Int16>.allocate(capacity: frameSize)
        defer { output.deallocate() }
        var checksum = 0
        var wasSpeech = false
        let start = ThreadClock.now()
        signal.microphone.withUnsafeBufferPointer { microphone in
            signal.reference16k.withUnsafeBufferPointer { reference in
                let available = framesInSignal
                for index in 0..<frames {
                    let offset = (index % available) * frameSize
                    speex_echo_cancellation(echo, microphone.baseAddress! + offset, reference.baseAddress! + offset, output)
                    speex_preprocess_run(preprocess, output)
                    var probability: Int32 = 0
                    speex_preprocess_ctl(preprocess, SPEEX_PREPROCESS_GET_PROB, &probability)
                    wasSpeech = probability >= (wasSpeech ? 80 : 90)
                    checksum &+= Int(output[0]) &+ (wasSpeech ? 1 : 0)
                }
            }
        }
        return (ThreadClock.now() - start, checksum)
    }

    /// Raw speexdsp as its own example runs it, the yardstick: 10 ms frames, a 2048-tap filter, the
    /// preprocessor attached with its defaults. `frames` counts 10 ms frames whatever --frame-ms says.
    private func rawSpeex(frames: Int) -> (elapsed: Duration, checksum: Int) {
        let frame = 160
        let echo = speex_echo_state_init(Int32(frame), 2_048)
        let preprocess = speex_preprocess_state_init(Int32(frame), 16_000)
        defer {
            speex_preprocess_state_destroy(preprocess)
            speex_echo_state_destroy(echo)
        }
        var value: Int32 = 16_000
        speex_echo_ctl(echo, SPEEX_ECHO_SET_SAMPLING_RATE, &value)
        speex_preprocess_ctl(preprocess, SPEEX_PREPROCESS_SET_ECHO_STATE, UnsafeMutableRawPointer(echo))
        let output = UnsafeMutablePointer<Int16>.allocate(capacity: frame)
        defer { output.deallocate() }
        var checksum = 0
        let start = ThreadClock.now()
        signal.microphone.withUnsafeBufferPointer { microphone in
            signal.reference16k.withUnsafeBufferPointer { reference in
                let available = signal.microphone.count / frame
                for index in 0..<frames {
                    let offset = (index % available) * frame
                    speex_echo_cancellation(echo, microphone.baseAddress! + offset, reference.baseAddress! + offset, output)
                    speex_preprocess_run(preprocess, output)
                    checksum &+= Int(output[0])
                }
            }
        }
        return (ThreadClock.now() - start, checksum)
    }

    private func resample(chunks: Int) throws -> (elapsed: Duration, checksum: Int) {
        let resampler = try ReferenceResampler(inputRate: 24_000, outputRate: 16_000, quality: 5)
        let output = UnsafeMutableBufferPointer<Int16>.allocate(capacity: resampler.maximumOutputCount(forInputCount: 240))
        defer { output.deallocate() }
        var checksum = 0
        let start = ThreadClock.now()
        signal.reference24k.withUnsafeBufferPointer { input in
            let available = chunksInSignal
            for index in 0..<chunks {
                let range = (index % available) * 240..<(index % available + 1) * 240
                let produced = resampler.resample(UnsafeBufferPointer(rebasing: input[range]), into: output)
                checksum &+= produced &+ Int(output[0])
            }
        }
        return (ThreadClock.now() - start, checksum)
    }

    private func resampleDirect(chunks: Int) -> (elapsed: Duration, checksum: Int) {
        var error: Int32 = 0
        let resampler = speex_resampler_init(1, 24_000, 16_000, 5, &error)
        defer { speex_resampler_destroy(resampler) }
        speex_resampler_skip_zeros(resampler)
        let capacity = 240 * 2 / 3 + 2
        let output = UnsafeMutablePointer<Int16>.allocate(capacity: capacity)
        defer { output.deallocate() }
        var checksum = 0
        let start = ThreadClock.now()
        signal.reference24k.withUnsafeBufferPointer { input in
            let available = chunksInSignal
            for index in 0..<chunks {
                var inputLength: UInt32 = 240
                var outputLength = UInt32(capacity)
                speex_resampler_process_int(
                    resampler, 0, input.baseAddress! + (index % available) * 240, &inputLength, output, &outputLength)
                checksum &+= Int(outputLength) &+ Int(output[0])
            }
        }
        return (ThreadClock.now() - start, checksum)
    }
}
