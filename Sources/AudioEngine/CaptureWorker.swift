// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

import ALSA
import Threads
import RingBuffer

/// The capture thread: microphone → (resample to 16 kHz) → front end with the aligned reference →
/// processed frames into the frame rings, and a wake-up for the frame pump.
///
/// Real-time rules: after `run()` enters its loop, nothing here allocates, locks or logs, except on the
/// device-loss path (the stream is broken then anyway).
final class CaptureWorker: @unchecked Sendable {
    // @unchecked Sendable: the engine builds this object, then hands it to the capture thread and never
    // touches its mutable state again; only that thread runs `run()`. The members other threads read
    // (rings, counters, timeline) are Sendable themselves.

    private var slot: DeviceSlot
    private let processor: any MicProcessor
    private let makeResampler: SampleRateConverterFactory
    private var resampler: (any SampleRateConverter)?
    private let environment: WorkerEnvironment
    private let pacing: AudioEngineConfiguration.Pacing
    private var pacer: Pacer?

    private let frameLength: Int
    private let diagnostics: Bool
    private let baseDelaySamples: Int
    private let leadSamples: Int

    /// Reference ring (consumer side) and the playback timeline; nil without playback.
    private let referenceRing: SPSCRing<Int16>?
    private let timeline: ReferenceTimeline
    private let aligner: ReferenceAligner

    /// Processed samples (plus raw mic and reference with diagnostics), then one record per frame.
    let sampleRing: SPSCRing<Int16>
    let recordRing: SPSCRing<FrameRecord>
    private let wake: EventSignal
    /// Frames processed so far (the next frame's sequence number); readable from any thread.
    let processedFrames: AtomicCounter

    private var period: SampleBuffer
    private var accumulator: SampleBuffer
    private var accumulated = 0
    /// xruns + suspends of the current PCM when last looked at.
    private var lastRecoveries = 0
    private var reference: SampleBuffer
    private var output: SampleBuffer

    init(
        pcm: PCM, configuration: AudioEngineConfiguration, processor: any MicProcessor,
        counters: StreamCounters, alignment: AlignmentCounters, environment: WorkerEnvironment,
        referenceRing: SPSCRing<Int16>?, timeline: ReferenceTimeline,
        sampleRing: SPSCRing<Int16>, recordRing: SPSCRing<FrameRecord>, wake: EventSignal,
        processedFrames: AtomicCounter
    ) throws(AudioEngineError) {
        self.slot = DeviceSlot(configuration: pcm.configuration, counters: counters, pcm: pcm)
        self.processor = processor
        self.makeResampler = configuration.makeResampler
        self.environment = environment
        self.pacing = configuration.pacing
        self.frameLength = processor.frameLength
        self.diagnostics = configuration.diagnostics
        self.baseDelaySamples = configuration.frontEndDelayMilliseconds * 16
        self.leadSamples = configuration.referenceLeadMilliseconds * 16
        self.referenceRing = referenceRing
        self.timeline = timeline
        self.aligner = ReferenceAligner(counters: alignment)
        self.sampleRing = sampleRing
        self.recordRing = recordRing
        self.wake = wake
        self.processedFrames = processedFrames
        self.period = SampleBuffer(capacity: pcm.periodFrames)
        self.accumulator = SampleBuffer(capacity: 0)
        self.reference = SampleBuffer(capacity: processor.frameLength)
        self.output = SampleBuffer(capacity: processor.frameLength)
        try configureForDevice(pcm)
    }

    deinit {
        period.free()
        accumulator.free()
        reference.free()
        output.free()
    }

    /// Sizes buffers and the resampler for the device's actual rate and period (at start and reopen).
    private func configureForDevice(_ pcm: PCM) throws(AudioEngineError) {
        period.reserve(pcm.periodFrames)
        let rate = AudioEngineConfiguration.frameRate
        if pcm.sampleRate != rate {
            if resampler?.inputRate != pcm.sampleRate {
                do {
                    resampler = try makeResampler(pcm.sampleRate, rate)
                } catch {
                    throw AudioEngineError(.processing, "cannot resample the microphone from \(pcm.sampleRate) Hz to \(rate) Hz: \(error)")
                }
            }
        } else {
            resampler = nil
        }
        let converted = pcm.periodFrames * rate / pcm.sampleRate + 8
        accumulator.reserve(frameLength + converted)
        accumulated = 0
        let unclocked = pacing == .clock || (pacing == .automatic && !pcm.isClockedByDevice)
        pacer = unclocked ? Pacer(frames: pcm.periodFrames, sampleRate: pcm.sampleRate) : nil
    }

    /// The capture thread's body.
    func run() {
        environment.enterRealtime(slot.counters)
        processor.setBaseDelay(samples: baseDelaySamples)
        while !environment.stop.isRaised {
            guard let pcm = slot.pcm else {
                guard slot.reopen(environment), let pcm = slot.pcm else { break }
                do {
                    try configureForDevice(pcm)
                } catch {
                    environment.fail(error)
                    break
                }
                lastRecoveries = 0
                aligner.unlock()
                continue
            }
            // Without a device clock: wait for the end of the period, and take that deadline as the time
            // the period's last sample was "captured".
            var deadline: UInt64?
            if var schedule = pacer {
                let next = schedule.advance()
                pacer = schedule
                if next.restarted { aligner.unlock() }
                schedule.wait(until: next.deadline)
                deadline = next.deadline
            }
            let frames = pcm.periodFrames
            do {
                _ = try pcm.read(into: period.prefix(frames))
            } catch {
                slot.lose(error, environment: environment)
                accumulated = 0
                continue
            }
            let now = deadline ?? ThreadClock.nanoseconds()
            slot.counters.heartbeat.wrappingAdd(1, ordering: .relaxed)
            let delay = pcm.delay()
            slot.publish(delay: delay)
            // An overrun lost audio: the partial frame before it is from another time, and the
            // reference must be found afresh rather than slewed to.
            let recoveries = pcm.counters.xruns &+ pcm.counters.suspends
            if recoveries != lastRecoveries {
                lastRecoveries = recoveries
                accumulated = 0
                aligner.unlock()
            }
            convertAndProcess(frames: frames, readTime: now, delay: delay ?? 0, deviceRate: pcm.sampleRate)
        }
        slot.close()
    }

    private func convertAndProcess(frames: Int, readTime: UInt64, delay: Int, deviceRate: Int) {
        let input = UnsafeBufferPointer(period.prefix(frames))
        let space = accumulator.slice(accumulated..<accumulator.capacity)
        let produced: Int
        if let resampler {
            produced = resampler.process(input, into: space)
        } else {
            produced = min(frames, space.count)
            space.baseAddress!.update(from: input.baseAddress!, count: produced)
        }
        accumulated += produced
        // When the last converted sample reached the microphone: the device still holds `delay` newer
        // frames, and the converter lags by its latency.
        let lag = Int64(delay) * 1_000_000_000 / Int64(deviceRate)
            + Int64(resampler?.latency ?? 0) * 62_500
        let lastSampleTime = Int64(bitPattern: readTime) - lag - 62_500
        while accumulated >= frameLength {
            // 62 500 ns per sample at 16 kHz.
            let frameTime = lastSampleTime - Int64(accumulated - 1) * 62_500
            processFrame(frameTime: UInt64(bitPattern: frameTime))
            let rest = accumulated - frameLength
            if rest > 0 {
                accumulator.storage.baseAddress!.update(from: accumulator.storage.baseAddress! + frameLength, count: rest)
            }
            accumulated = rest
        }
    }

    private func processFrame(frameTime: UInt64) {
        let mic = UnsafeBufferPointer(accumulator.prefix(frameLength))
        let ref = reference.prefix(frameLength)
        if let referenceRing {
            aligner.fill(ref, frameTime: UInt(truncatingIfNeeded: frameTime / 1000), leadSamples: leadSamples,
                         ring: referenceRing, timeline: timeline)
        } else {
            ref.update(repeating: 0)
        }
        let out = output.prefix(frameLength)
        let analysis = processor.process(mic: mic, reference: UnsafeBufferPointer(ref), output: out)
        let sequence = processedFrames.increment()
        let needed = diagnostics ? 3 * frameLength : frameLength
        if sampleRing.freeSpace >= needed && recordRing.freeSpace >= 1 {
            sampleRing.write(UnsafeBufferPointer(out))
            if diagnostics {
                sampleRing.write(mic)
                sampleRing.write(UnsafeBufferPointer(ref))
            }
            var record = FrameRecord(sequence: sequence, captureTime: frameTime, analysis: analysis)
            _ = withUnsafePointer(to: &record) { recordRing.write(UnsafeBufferPointer(start: $0, count: 1)) }
            wake.signal()
        } else {
            recordRing.noteRejected(1)
        }
    }
}
