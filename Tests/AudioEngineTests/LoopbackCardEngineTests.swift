// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

import ALSA
import AudioEngine
import TestKit
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The engine on the kernel's loopback card (snd-aloop), where what it plays comes straight back into its
/// microphone: clocked devices, real `snd_pcm_delay` values, a real echo path. Skipped without the card
/// (the qemu board rig loads it).
@Suite(
    "AudioEngine on the snd-aloop loopback card",
    .enabled(if: access("/proc/asound/Loopback", F_OK) == 0, "needs snd-aloop (modprobe snd-aloop)"),
    .serialized, .timeLimit(.minutes(2)))
struct LoopbackCardEngineTests {
    @Test("the echo of the test signal is found right where the engine put the reference")
    func echoPathAlignment() async throws {
        var configuration = AudioEngineConfiguration()
        configuration.capture = .init(name: "hw:Loopback,1,6", sampleRate: 16000)
        configuration.playback = .init(name: "hw:Loopback,0,6", sampleRate: 24000)
        configuration.diagnostics = true
        // No SCHED_FIFO: under the rig's emulated CPUs, two FIFO threads starve everything else.
        configuration.realtimePriority = nil
        configuration.frameQueueMilliseconds = 10_000
        let engine = AudioEngine(configuration: configuration, makeProcessor: { PassThroughProcessor() })
        try engine.start()
        let signal = LoopbackSignal.make(seconds: 3, sampleRate: 24000)
        let sink = engine.playback
        let feeder = Task {
            var offset = 0
            while offset < signal.count {
                offset += sink.write(signal[offset...])
                if offset < signal.count { _ = await sink.waitForSpace(atLeast: 2400) }
            }
        }
        var mic: [Int16] = []
        var reference: [Int16] = []
        var output: [Int16] = []
        for await frame in engine.frames {
            guard let diagnostics = frame.diagnostics else { continue }
            mic += diagnostics.mic
            reference += diagnostics.reference
            output += frame.samples
            if mic.count >= 16000 * 4 { break }
        }
        feeder.cancel()
        engine.stop()
        let stats = engine.statistics
        // Both ends of one loopback substream run at the rate the first opened (the microphone's 16 kHz).
        #expect(stats.capture.sampleRate == 16000)
        #expect(stats.playback?.sampleRate == 16000)
        #expect(stats.capture.clockedByDevice && stats.playback?.clockedByDevice == true)
        let analysis = LoopbackAnalysis.analyze(mic: mic, reference: reference, output: output)
        let delay = try #require(analysis.delayMilliseconds)
        print("snd-aloop echo: \(delay) ms behind the reference (slack \(configuration.alignmentSlackMilliseconds) ms), correlation \(analysis.correlation), playback delay \(stats.playback?.delayMilliseconds ?? -1) ms, capture delay \(stats.capture.delayMilliseconds ?? -1) ms, late \(stats.referenceLateSamples), locks \(stats.referenceLocks), slews \(stats.referenceSlews), xruns \(stats.capture.xruns)/\(stats.playback?.xruns ?? -1)")
        // A digital loop echoes the reference exactly. Each xrun (the emulated rig has a few when the
        // host is busy) restarts a device and re-locks the alignment, which blurs a single-lag correlation
        // over the whole recording; then only a clear peak is asked for.
        let xruns = stats.capture.xruns + (stats.playback?.xruns ?? 0)
        #expect(analysis.correlation > (xruns == 0 ? 0.9 : 0.3))
        // The engine places the reference 10 ms (the slack) early; the loop itself adds at most a period or two.
        #expect(delay >= 0 && delay <= 60)
        #expect(abs((analysis.echoReturnLossDB ?? 99)) < 3, "a digital loop loses nothing (the linear resampler a little)")
    }

    @Test("a flush on a clocked device drops the queued audio, and the reference never claims it was played")
    func flushKeepsReferenceTruthful() async throws {
        var configuration = AudioEngineConfiguration()
        configuration.capture = .init(name: "hw:Loopback,1,7", sampleRate: 16000)
        configuration.playback = .init(name: "hw:Loopback,0,7", sampleRate: 24000, periodsPerBuffer: 8)
        configuration.diagnostics = true
        // No SCHED_FIFO: under the rig's emulated CPUs, two FIFO threads starve everything else.
        configuration.realtimePriority = nil
        configuration.frameQueueMilliseconds = 10_000
        let engine = AudioEngine(configuration: configuration, makeProcessor: { PassThroughProcessor() })
        try engine.start()
        // Noise bursts: in a digital loop the microphone equals the reference, so a non-zero reference
        // sample with silence where its echo should be is a sample that was never played.
        let signal = LoopbackSignal.make(seconds: 3, sampleRate: 24000, levelDBFS: -12)
        let sink = engine.playback
        let feeder = Task {
            var offset = 0
            while offset < signal.count {
                offset += sink.write(signal[offset...])
                if offset < signal.count { _ = await sink.waitForSpace(atLeast: 2400) }
            }
        }
        var mic: [Int16] = []
        var reference: [Int16] = []
        var flushed = false
        for await frame in engine.frames {
            guard let diagnostics = frame.diagnostics else { continue }
            mic += diagnostics.mic
            reference += diagnostics.reference
            if !flushed && reference.count > 16000 && reference.suffix(1600).allSatisfy({ $0 != 0 }) {
                feeder.cancel()
                sink.flush()
                flushed = true
            }
            if mic.count >= 16000 * 3 { break }
        }
        engine.stop()
        let stats = engine.statistics
        #expect(stats.flushes == 1)
        let analysis = LoopbackAnalysis.analyze(mic: mic, reference: reference, output: mic)
        let lag = try #require(analysis.delaySamples)
        // Reference samples with nothing in the microphone where their echo should be: the reference
        // claiming audio that never reached the speaker.
        var phantom = 0
        var played = 0
        for i in 8000..<(reference.count - max(0, lag)) where i + lag >= 0 && reference[i] != 0 {
            if mic[i + lag] == 0 { phantom += 1 } else { played += 1 }
        }
        print("snd-aloop flush: lag \(lag) samples, reference samples played \(played), never played \(phantom), late \(stats.referenceLateSamples), slews \(stats.referenceSlews), xruns \(stats.capture.xruns)/\(stats.playback?.xruns ?? -1)")
        #expect(played > 4000)
        // Without the zeroing the dropped device buffer shows here (measured: about 1000 of up to 1280
        // samples); with it 26 to 97 in our runs: snd-aloop moves audio through the cable a period at a
        // time, so up to about a period "played" at the drop never reaches the capture side.
        #expect(phantom < 320)
    }
}
