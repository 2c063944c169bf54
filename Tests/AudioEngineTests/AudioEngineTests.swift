// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

import ALSA
import AudioEngine
import Log
import TestKit
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The engine on alsa-lib's `file` and `null` plugins: the devices have no clock, so the engine paces
/// itself by the monotonic clock, in real time. Nothing here asserts on timing; waits have generous
/// limits and only guard against hangs.
@Suite("AudioEngine on null/file devices", .serialized, .timeLimit(.minutes(3)))
struct AudioEngineTests {
    /// A capture device reading `input` and a playback device writing `out.raw`, both in `dir`.
    static func configuration(
        _ dir: ALSATestDirectory, input: [Int16], captureRate: Int? = nil, playbackRate: Int? = nil
    ) -> AudioEngineConfiguration {
        var configuration = AudioEngineConfiguration()
        configuration.capture = .init(name: "mic", sampleRate: 16000)
        configuration.playback = .init(name: "speaker", sampleRate: 24000)
        configuration.alsaConfigurationText =
            ALSATestConfig.capture(name: "mic", from: dir.writeRaw("in.raw", input), slaveRate: captureRate)
            + ALSATestConfig.playback(name: "speaker", to: dir.file("out.raw"), slaveRate: playbackRate)
        configuration.realtimePriority = nil
        configuration.reopenInitialDelayMilliseconds = 10
        // A test task starved by a loaded (or emulated) machine must not lose frames to the stream's bound.
        configuration.frameQueueMilliseconds = 10_000
        return configuration
    }

    /// Polls `condition` every 10 ms for up to `seconds`.
    static func eventually(seconds: Double = 20, _ condition: () -> Bool) async -> Bool {
        let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
        while ContinuousClock.now < deadline {
            if condition() { return true }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return condition()
    }

    /// The index where `needle` starts in `haystack`, if it does.
    static func find(_ needle: ArraySlice<Int16>, in haystack: [Int16]) -> Int? {
        guard let first = needle.first, needle.count <= haystack.count else { return nil }
        for i in 0...(haystack.count - needle.count) where haystack[i] == first {
            if haystack[i..<(i + needle.count)].elementsEqual(needle) { return i }
        }
        return nil
    }

    @Test("captured audio comes out as 16 kHz frames, in order, sample-exact, with level and speech flag")
    func captureFrames() async throws {
        let dir = ALSATestDirectory()
        let silence = [Int16](repeating: 0, count: 4800)  // 300 ms
        let tone = ALSATestSignal.sine(frequency: 440, sampleRate: 16000, count: 8000)  // 500 ms at -9 dBFS
        let input = silence + tone
        let engine = AudioEngine(configuration: Self.configuration(dir, input: input), makeProcessor: { PassThroughProcessor() })
        try engine.start()
        var iterator = engine.frames.makeAsyncIterator()
        var frames: [MicFrame] = []
        while frames.count < 80, let frame = await iterator.next() { frames.append(frame) }
        engine.stop()
        var rest: [MicFrame] = []
        while let frame = await iterator.next() { rest.append(frame) }

        #expect(frames.map(\.sequence) == (0..<80).map(UInt64.init))
        #expect(frames.allSatisfy { $0.samples.count == 160 })
        #expect(frames.flatMap(\.samples) == input)
        #expect(frames[0..<30].allSatisfy { !$0.isSpeech && $0.levelDBFS <= -100 })
        #expect(frames[30..<80].allSatisfy { $0.isSpeech && abs($0.levelDBFS - -9.03) < 0.3 })
        // The pre-roll holds the last 500 ms of everything delivered.
        let all = (frames + rest).flatMap(\.samples)
        #expect(engine.preroll.snapshot() == Array(all.suffix(8000)))
        let stats = engine.statistics
        #expect(stats.capture.sampleRate == 16000)
        #expect(stats.capture.clockedByDevice == false)
        #expect(stats.capture.state == .stopped)
        #expect(stats.framesProcessed >= 80)
        // The capture thread's frame ring held at least one frame, never more than its capacity.
        #expect(stats.micRingHighWaterFrames >= 1 && stats.micRingHighWaterFrames <= stats.micRingCapacityFrames)
    }

    @Test("a microphone that only does 48 kHz is opened at 48 kHz and resampled to 16 kHz frames")
    func captureResampled() async throws {
        let dir = ALSATestDirectory()
        let tone = ALSATestSignal.sine(frequency: 1000, sampleRate: 48000, count: 48000)
        let engine = AudioEngine(
            configuration: Self.configuration(dir, input: tone, captureRate: 48000), makeProcessor: { PassThroughProcessor() })
        try engine.start()
        var iterator = engine.frames.makeAsyncIterator()
        var samples: [Int16] = []
        while samples.count < 12800, let frame = await iterator.next() { samples += frame.samples }
        engine.stop()
        #expect(engine.statistics.capture.sampleRate == 48000)
        // Skip the first frame (the converter starting); a 1 kHz tone crosses zero 200 times per 100 ms.
        let body = Array(samples[160..<(160 + 8000)])
        let crossings = zip(body, body.dropFirst()).filter { ($0 < 0) != ($1 < 0) }.count
        #expect(abs(crossings - 1000) <= 4)
        let level = body.withUnsafeBufferPointer { SignalLevel.dBFS($0) }
        #expect(abs(level - -9.03) < 0.5)
    }

    @Test("what the sink takes is played sample-exact, with silence before and after")
    func playbackExact() async throws {
        let dir = ALSATestDirectory()
        let signal = ALSATestSignal.pattern(count: 12000, seed: 9).map { $0 | 1 }  // 500 ms, never zero
        let engine = AudioEngine(
            configuration: Self.configuration(dir, input: [Int16](repeating: 0, count: 1600)),
            makeProcessor: { PassThroughProcessor() })
        try engine.start()
        #expect(engine.playback.write(signal) == signal.count)
        #expect(await Self.eventually { engine.playback.bufferedSamples == 0 })
        try await Task.sleep(for: .milliseconds(100))
        engine.stop()
        let played = dir.readRaw("out.raw")
        let start = try #require(Self.find(signal[0..<64], in: played))
        #expect(Array(played[start..<min(played.count, start + signal.count)]) == signal)
        #expect(played[0..<start].allSatisfy { $0 == 0 }, "silence while idle")
        #expect(played[(start + signal.count)...].allSatisfy { $0 == 0 })
        #expect(!played[(start + signal.count)...].isEmpty, "playback went on with silence after the signal")
        #expect(engine.statistics.playback?.sampleRate == 24000)
        #expect(engine.statistics.playbackUnderruns == 0)
    }

    @Test("a full sink takes only what fits, says so, and takes the rest once there is room (backpressure)")
    func backpressure() async throws {
        let dir = ALSATestDirectory()
        var configuration = Self.configuration(dir, input: [Int16](repeating: 0, count: 1600))
        configuration.playbackBufferMilliseconds = 100  // 2400 samples, rounded up to 4096
        let engine = AudioEngine(configuration: configuration, makeProcessor: { PassThroughProcessor() })
        try engine.start()
        let sink = engine.playback
        #expect(sink.capacity == 4096)
        let signal = ALSATestSignal.pattern(count: 24000, seed: 11).map { $0 | 1 }  // 1 s
        var offset = sink.write(signal)
        #expect(offset < signal.count, "a 1 s write cannot fit in a 170 ms sink")
        #expect(sink.statistics.overruns >= 1)
        var waits = 0
        while offset < signal.count {
            let taken = sink.write(signal[offset...])
            offset += taken
            if offset < signal.count {
                waits += 1
                #expect(await sink.waitForSpace(atLeast: min(2400, signal.count - offset)))
            }
        }
        #expect(waits > 0)
        #expect(sink.statistics.highWaterMark <= 4096)
        #expect(await Self.eventually { sink.bufferedSamples == 0 })
        try await Task.sleep(for: .milliseconds(50))
        engine.stop()
        #expect(sink.write([1, 2, 3]) == 0, "a stopped engine takes nothing")
        let played = dir.readRaw("out.raw")
        let start = try #require(Self.find(signal[0..<64], in: played))
        // When the writer is late to refill (a loaded machine), the engine plays silence in between:
        // a gap, counted as an underrun, but nothing lost or reordered. The signal is never zero.
        let afterStart = played[start...]
        let audible = Array(afterStart.filter { $0 != 0 }.prefix(signal.count))
        #expect(audible == signal, "nothing lost or reordered")
        // The engine counts a gap as an underrun when the audio comes back within 20 periods (200 ms); a
        // longer pause is a new start. Count the gaps inside the signal by their length.
        let audibleEnd = afterStart.lastIndex(where: { $0 != 0 }) ?? afterStart.startIndex
        var shortGaps = 0
        var run = 0
        for sample in afterStart[..<audibleEnd] {
            if sample == 0 {
                run += 1
            } else {
                if run > 0 && run <= 20 * 240 { shortGaps += 1 }
                run = 0
            }
        }
        if shortGaps > 0 { #expect(engine.statistics.playbackUnderruns >= 1, "\(shortGaps) short gaps") }
    }

    @Test("stopping the engine releases a writer waiting for room, with false")
    func stopReleasesWaitingWriter() async throws {
        let dir = ALSATestDirectory()
        var configuration = Self.configuration(dir, input: [0])
        configuration.playbackBufferMilliseconds = 100
        // Never started: nothing drains the sink, so it stays full until stop().
        let engine = AudioEngine(configuration: configuration, makeProcessor: { PassThroughProcessor() })
        let sink = engine.playback
        #expect(sink.write([Int16](repeating: 1, count: 5000)) == sink.capacity)
        #expect(sink.isFull)
        let waiter = Task { await sink.waitForSpace(atLeast: 100) }
        try await Task.sleep(for: .milliseconds(50))
        engine.stop()
        #expect(await waiter.value == false)
        let cancelled = Task { await sink.waitForSpace(atLeast: 100) }
        cancelled.cancel()
        #expect(await cancelled.value == false)
    }

    @Test("flush drops what is queued within a period; audio written after it plays")
    func flush() async throws {
        let dir = ALSATestDirectory()
        let engine = AudioEngine(
            configuration: Self.configuration(dir, input: [Int16](repeating: 0, count: 1600)),
            makeProcessor: { PassThroughProcessor() })
        try engine.start()
        let long = [Int16](repeating: 1000, count: 48000)  // 2 s
        let after = ALSATestSignal.pattern(count: 2400, seed: 5).map { $0 | 1 }  // 100 ms
        #expect(engine.playback.write(long) == long.count)
        #expect(await Self.eventually { engine.playback.bufferedSamples < 48000 - 4800 })  // 200 ms played
        engine.playback.flush()
        #expect(engine.playback.write(after) == after.count)
        #expect(await Self.eventually { engine.playback.bufferedSamples == 0 })
        try await Task.sleep(for: .milliseconds(50))
        engine.stop()
        let played = dir.readRaw("out.raw")
        let loud = played.filter { $0 == 1000 }.count
        #expect(loud >= 4800)
        #expect(loud < 48000 - 4800, "most of the 2 s was dropped")
        let start = try #require(Self.find(after[0..<64], in: played))
        #expect(Array(played[start..<(start + after.count)]) == after)
        #expect(!played[start...].contains(1000), "nothing from before the flush plays after it")
        #expect(engine.statistics.flushes == 1)
    }

    @Test("an xrun is counted and the stream goes on; an unplugged device is reopened")
    func xrunAndReopen() async throws {
        let dir = ALSATestDirectory()
        let log = InMemoryLogHandler()
        let engine = AudioEngine(
            configuration: Self.configuration(dir, input: ALSATestSignal.pattern(count: 16000)),
            makeProcessor: { PassThroughProcessor() }, logger: Logger(label: "audio", level: .info, handler: log))
        try engine.start()
        var iterator = engine.frames.makeAsyncIterator()
        _ = await iterator.next()
        engine.injectFault(.capture, errno: EPIPE)
        engine.injectFault(.playback, errno: EPIPE)
        #expect(await Self.eventually { engine.statistics.capture.xruns == 1 && engine.statistics.playback?.xruns == 1 })
        engine.injectFault(.capture, errno: ENODEV)
        #expect(await Self.eventually { engine.statistics.capture.reopens == 1 })
        let before = engine.statistics.framesProcessed
        // Frames flow again after the reopen.
        var later: MicFrame?
        while let frame = await iterator.next() {
            if frame.sequence > before + 5 { later = frame; break }
        }
        #expect(later != nil)
        engine.stop()
        let stats = engine.statistics
        #expect(stats.capture.deviceLosses == 1)
        #expect(stats.capture.xruns == 1, "xruns of the lost PCM are kept")
        #expect(stats.capture.lastProblem?.contains("disappeared") == true)
        #expect(stats.playback?.deviceLosses == 0)
        #expect(log.text.contains("capture device 'mic': snd_pcm_readi failed"))
        #expect(log.text.contains("capture device 'mic' is back"))
    }

    @Test("a device that fails again right after each reopen: warnings for the 1st, 2nd, 4th failure in a row only")
    func repeatedFailuresRightAfterReopening() async throws {
        let dir = ALSATestDirectory()
        let log = InMemoryLogHandler()
        var configuration = Self.configuration(dir, input: ALSATestSignal.pattern(count: 16000))
        configuration.reopenSettleMilliseconds = 600_000  // every failure below counts as "right after"
        let engine = AudioEngine(configuration: configuration, makeProcessor: { PassThroughProcessor() },
                                 logger: Logger(label: "audio", level: .info, handler: log))
        try engine.start()
        var iterator = engine.frames.makeAsyncIterator()
        _ = await iterator.next()
        for reopened in 1...5 {
            engine.injectFault(.capture, errno: ENODEV)
            #expect(await Self.eventually(seconds: 60) { engine.statistics.capture.reopens == reopened })
        }
        engine.stop()
        let warnings = log.text.split(separator: "\n").filter { $0.contains("capture device 'mic'") && $0.contains("reopening it") }
        // Losses 1...5 are failures 0 (the first, after a normal start), 1, 2, 3 and 4 in a row.
        #expect(warnings.count == 4, "\(warnings)")
        #expect(warnings.first?.contains("in a row") == false)
        #expect(warnings.dropFirst().first?.contains("failed 1 time in a row right after reopening") == true)
        #expect(warnings.last?.contains("failed 4 times in a row") == true)
        #expect(engine.statistics.capture.deviceLosses == 5)
    }

    @Test("the reference the front end gets is the played signal (diagnostics)")
    func referenceIsWhatWasPlayed() async throws {
        let dir = ALSATestDirectory()
        var configuration = Self.configuration(dir, input: [Int16](repeating: 0, count: 32000), playbackRate: 16000)
        configuration.diagnostics = true
        let engine = AudioEngine(configuration: configuration, makeProcessor: { PassThroughProcessor() })
        try engine.start()
        var iterator = engine.frames.makeAsyncIterator()
        var frames: [MicFrame] = []
        // 300 ms of noise-like signal at 24 kHz; with a 16 kHz device the reference is the device's
        // samples as they are (no converter between them), so it can be compared sample for sample.
        let tone = ALSATestSignal.pattern(count: 7200, seed: 21).map { $0 | 1 }
        while frames.count < 10, let frame = await iterator.next() { frames.append(frame) }
        #expect(engine.playback.write(tone) == tone.count)
        while frames.count < 100, let frame = await iterator.next() { frames.append(frame) }
        engine.stop()
        let reference = frames.compactMap(\.diagnostics).flatMap(\.reference)
        let played = dir.readRaw("out.raw")
        // The reference is what the device got, sample for sample.
        let nonZero = reference.enumerated().filter { $0.element != 0 }.map(\.offset)
        #expect(nonZero.count > 4500, "the signal reached the reference")
        if let first = nonZero.first, let last = nonZero.last {
            let stretch = reference[first...last]
            let start = Self.find(stretch.prefix(64), in: played)
            #expect(start != nil)
            if let start {
                #expect(played[start..<min(played.count, start + stretch.count)].elementsEqual(stretch))
            }
        }
        #expect(frames.allSatisfy { $0.diagnostics?.mic.count == 160 })
        #expect(engine.statistics.referenceLocks >= 1)
    }

    @Test("start explains a missing device, refuses a second start, and reports a failing front end")
    func startErrors() throws {
        let dir = ALSATestDirectory()
        var configuration = Self.configuration(dir, input: [0])
        configuration.capture.name = "nosuchmic"
        let engine = AudioEngine(configuration: configuration, makeProcessor: { PassThroughProcessor() })
        var caught: AudioEngineError?
        do { try engine.start() } catch { caught = error }
        #expect(caught?.kind == .device)
        #expect(caught?.alsaError?.code == .noSuchDevice)
        #expect(caught?.message.contains("livevoiced audio devices") == true)
        #expect(!engine.isRunning)

        struct Broken: Error {}
        let failing = AudioEngine(configuration: Self.configuration(dir, input: [0]), makeProcessor: { throw Broken() })
        caught = nil
        do { try failing.start() } catch { caught = error }
        #expect(caught?.kind == .processing)

        let running = AudioEngine(configuration: Self.configuration(dir, input: [0]), makeProcessor: { PassThroughProcessor() })
        try running.start()
        caught = nil
        do { try running.start() } catch { caught = error }
        #expect(caught?.kind == .system)
        running.stop()
        running.stop()
        #expect(!running.isRunning)

        var bad = AudioEngineConfiguration()
        bad.capture.periodMilliseconds = 1
        caught = nil
        do { try AudioEngine(configuration: bad, makeProcessor: { PassThroughProcessor() }).start() } catch { caught = error }
        #expect(caught?.kind == .configuration)
        #expect(caught?.message.contains("capture period 1 ms") == true)
    }
}
