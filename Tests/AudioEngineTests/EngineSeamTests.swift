// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

import ALSA
import AudioEngine
import AudioFrontEnd
import TestKit
import Testing
import Time

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// What the daemon builds on: the frame queue bounded in milliseconds, flush generations, the drained
/// signal, the engine's events and the canceller's convergence verdict, on real alsa-lib null/file PCMs.
@Suite("AudioEngine seams for the daemon", .serialized, .timeLimit(.minutes(3)))
struct EngineSeamTests {
    /// A 20 ms-frame processor (the daemon's front end runs 20 ms frames).
    final class TwentyMillisecondProcessor: MicProcessor {
        let inner = PassThroughProcessor(frameLength: 320)
        var frameLength: Int { 320 }
        func process(mic: UnsafeBufferPointer<Int16>, reference: UnsafeBufferPointer<Int16>,
                     output: UnsafeMutableBufferPointer<Int16>) -> MicFrameAnalysis {
            inner.process(mic: mic, reference: reference, output: output)
        }
        func setBaseDelay(samples: Int) {}
    }

    @Test("the frame queue holds at most its milliseconds of audio, whatever the frame length; the oldest go")
    func frameQueueInMilliseconds() async throws {
        let dir = ALSATestDirectory()
        var configuration = AudioEngineTests.configuration(dir, input: ALSATestSignal.pattern(count: 16000))
        configuration.frameQueueMilliseconds = 200
        let engine = AudioEngine(configuration: configuration, makeProcessor: { TwentyMillisecondProcessor() })
        try engine.start()
        // Nobody reads for 600 ms: 30 frames of 20 ms are made, 10 fit in 200 ms.
        #expect(await AudioEngineTests.eventually { engine.statistics.framesProcessed >= 30 })
        engine.stop()
        var frames: [MicFrame] = []
        for await frame in engine.frames { frames.append(frame) }
        let dropped = engine.statistics.framesDroppedByConsumer
        #expect(frames.count <= 10)
        #expect(frames.count >= 1)
        #expect(dropped + frames.count == Int(engine.statistics.framesProcessed))
        // What is left is the newest audio, in order, without gaps.
        #expect(zip(frames, frames.dropFirst()).allSatisfy { $0.sequence + 1 == $1.sequence })
        #expect(frames.last?.sequence == engine.statistics.framesProcessed - 1)
        #expect(frames.allSatisfy { $0.duration == .milliseconds(20) })
    }

    @Test("frames carry capture times on the monotonic clock, 20 ms apart")
    func captureTimes() async throws {
        let dir = ALSATestDirectory()
        let engine = AudioEngine(
            configuration: AudioEngineTests.configuration(dir, input: ALSATestSignal.pattern(count: 16000)),
            makeProcessor: { TwentyMillisecondProcessor() })
        try engine.start()
        var iterator = engine.frames.makeAsyncIterator()
        var frames: [MicFrame] = []
        while frames.count < 10, let frame = await iterator.next() { frames.append(frame) }
        engine.stop()
        let steps = zip(frames, frames.dropFirst()).map { ($1.captureTime - $0.captureTime) }
        #expect(steps.allSatisfy { $0 >= .milliseconds(19) && $0 <= .milliseconds(21) })
    }

    @Test("a flush starts a generation: the rest of a chunk being written for the old one is refused")
    func flushGeneration() async throws {
        let dir = ALSATestDirectory()
        var configuration = AudioEngineTests.configuration(dir, input: [Int16](repeating: 0, count: 1600))
        configuration.playbackBufferMilliseconds = 200
        let engine = AudioEngine(configuration: configuration, makeProcessor: { PassThroughProcessor() })
        try engine.start()
        defer { engine.stop() }
        let sink = engine.playback
        let before = sink.generation
        // Two seconds of audio into a 200 ms sink: the writer waits for room as the speaker plays.
        let chunk = [Int16](repeating: 1000, count: 48_000)
        let writer = Task {
            let copy = UnsafeMutableBufferPointer<Int16>.allocate(capacity: chunk.count)
            defer { copy.deallocate() }
            _ = copy.initialize(from: chunk)
            return await sink.write(all: UnsafeBufferPointer(copy), generation: before)
        }
        #expect(await AudioEngineTests.eventually { sink.isFull })
        let after = sink.flush()
        #expect(after == before &+ 1)
        #expect(sink.generation == after)
        let completed = await writer.value
        #expect(completed == false)
        // An old-generation write takes nothing; a current one plays.
        #expect(chunk.withUnsafeBufferPointer { sink.write($0, generation: before) } == 0)
        #expect(chunk.prefix(100).withUnsafeBufferPointer { sink.write($0, generation: after) } == 100)
        let flushed = await AudioEngineTests.eventually { engine.statistics.flushes >= 1 }
        #expect(flushed)
    }

    @Test("playback drained is reported once the sink and the device queue ran dry, at the written position")
    func drained() async throws {
        let dir = ALSATestDirectory()
        let engine = AudioEngine(
            configuration: AudioEngineTests.configuration(dir, input: [Int16](repeating: 0, count: 1600)),
            makeProcessor: { PassThroughProcessor() })
        try engine.start()
        var events = engine.events.makeAsyncIterator()
        let tone = ALSATestSignal.sine(frequency: 440, sampleRate: 24000, count: 7200)  // 300 ms
        #expect(engine.playback.write(tone) == tone.count)
        let written = engine.playback.writtenPosition
        let event = await events.next()
        engine.stop()
        #expect(event == .playbackDrained(position: written))
        // Everything written was handed to the device before the drain was reported.
        let played = dir.readRaw("out.raw")
        #expect(played.filter { $0 != 0 }.count >= tone.filter { $0 != 0 }.count - 10)
    }

    @Test("a lost device is reported, and its return; the engine keeps running")
    func deviceEvents() async throws {
        let dir = ALSATestDirectory()
        let engine = AudioEngine(
            configuration: AudioEngineTests.configuration(dir, input: ALSATestSignal.pattern(count: 32000)),
            makeProcessor: { PassThroughProcessor() })
        try engine.start()
        var events = engine.events.makeAsyncIterator()
        try await Task.sleep(for: .milliseconds(100))
        engine.injectFault(.capture, errno: ENODEV)
        let lost = await events.next()
        let back = await events.next()
        engine.stop()
        guard case .deviceLost(.capture, let reason)? = lost else {
            Issue.record("expected the capture device lost, got \(String(describing: lost))")
            return
        }
        #expect(!reason.isEmpty)
        #expect(back == .deviceRestored(.capture))
    }

    @Test("the canceller's verdict: converged on an echo it cancels; never without a canceller")
    func convergence() async throws {
        // A synthetic room: the far end (speech-like noise bursts) comes back 5 ms late and attenuated.
        let seconds = 6
        var far = [Int16](repeating: 0, count: 16000 * seconds)
        var state: UInt32 = 7
        for index in far.indices {
            state = state &* 1_664_525 &+ 1_013_904_223
            let envelope = (index / 4000) % 4 == 3 ? 0.0 : 1.0
            far[index] = Int16(Double(Int32(bitPattern: state) >> 20) * 3 * envelope)
        }
        let mic = [Int16](repeating: 0, count: 80) + far.dropLast(80).map { Int16(Double($0) * 0.5) }
        func run(echoCancellation: Bool) throws -> (first: Int?, last: Bool) {
            var configuration = FrontEndConfiguration()
            configuration.echoCancellation = echoCancellation
            configuration.referenceDelay = .fixed(milliseconds: 0)
            let processor = try EchoCancellingProcessor(configuration: configuration)
            processor.setBaseDelay(samples: 0)
            let n = processor.frameLength
            var output = [Int16](repeating: 0, count: n)
            var first: Int?
            var last = false
            for frame in 0..<(far.count / n) {
                let range = (frame * n)..<((frame + 1) * n)
                let analysis = mic[range].withUnsafeBufferPointer { m in
                    far[range].withUnsafeBufferPointer { r in
                        output.withUnsafeMutableBufferPointer { processor.process(mic: m, reference: r, output: $0) }
                    }
                }
                if analysis.echoCancellerConverged, first == nil { first = frame }
                last = analysis.echoCancellerConverged
            }
            return (first, last)
        }
        let cancelled = try run(echoCancellation: true)
        let first = try #require(cancelled.first)
        #expect(first * 20 >= 1000, "not before a second of far-end audio")
        #expect(cancelled.last)
        let plain = try run(echoCancellation: false)
        #expect(plain.first == nil)
    }
}
