// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

import ALSA
import RingBuffer
import Synchronization

/// The playback thread: playback sink (24 kHz) → (resample to the device rate) → speaker, silence when
/// there is nothing to play (so that both streams and the reference timeline stay continuous); every
/// period it also pushes exactly what it handed to the device, resampled to 16 kHz, into the reference
/// ring and publishes when that reference will leave the speaker (`snd_pcm_delay`).
///
/// Real-time rules: after `run()` enters its loop, nothing here allocates, locks or logs, except on the
/// device-loss path.
final class PlaybackWorker: @unchecked Sendable {
    // @unchecked Sendable: built by the engine, then used only by the playback thread (see CaptureWorker).

    private var slot: DeviceSlot
    private let sink: PlaybackSink
    private let makeResampler: SampleRateConverterFactory
    private var upsampler: (any SampleRateConverter)?
    private var referenceConverter: (any SampleRateConverter)?
    private let environment: WorkerEnvironment
    private let pacing: AudioEngineConfiguration.Pacing
    private var pacer: Pacer?

    private let referenceRing: SPSCRing<Int16>
    private let timeline: ReferenceTimeline
    private var referenceOverflowing = false
    let counters: PlaybackCounters

    private var input: SampleBuffer
    private var device: SampleBuffer
    private var reference: SampleBuffer
    private var inputPerPeriod = 0
    private var seenFlush: UInt = 0
    private var playing = false
    private var gapPeriods = 0
    /// Audio was handed to the device since the last drain was reported.
    private var owesDrain = false
    /// Silent periods written since the last real audio (the device's queue empties meanwhile).
    private var silentPeriods = 0
    /// xruns + suspends of the current PCM when last looked at.
    private var lastRecoveries = 0

    init(
        pcm: PCM, configuration: AudioEngineConfiguration, sink: PlaybackSink, counters: StreamCounters,
        playbackCounters: PlaybackCounters, environment: WorkerEnvironment,
        referenceRing: SPSCRing<Int16>, timeline: ReferenceTimeline
    ) throws(AudioEngineError) {
        self.slot = DeviceSlot(configuration: pcm.configuration, counters: counters, pcm: pcm)
        self.sink = sink
        self.makeResampler = configuration.makeResampler
        self.environment = environment
        self.pacing = configuration.pacing
        self.referenceRing = referenceRing
        self.timeline = timeline
        self.counters = playbackCounters
        self.input = SampleBuffer(capacity: 0)
        self.device = SampleBuffer(capacity: 0)
        self.reference = SampleBuffer(capacity: 0)
        self.seenFlush = sink.flushGeneration.load(ordering: .acquiring)
        try configureForDevice(pcm)
    }

    deinit {
        input.free()
        device.free()
        reference.free()
    }

    private func configureForDevice(_ pcm: PCM) throws(AudioEngineError) {
        let sinkRate = AudioEngineConfiguration.playbackRate
        let referenceRate = AudioEngineConfiguration.frameRate
        do {
            upsampler = pcm.sampleRate == sinkRate ? nil
                : (upsampler?.outputRate == pcm.sampleRate ? upsampler : try makeResampler(sinkRate, pcm.sampleRate))
            referenceConverter = pcm.sampleRate == referenceRate ? nil
                : (referenceConverter?.inputRate == pcm.sampleRate ? referenceConverter : try makeResampler(pcm.sampleRate, referenceRate))
        } catch {
            throw AudioEngineError(.processing, "cannot resample playback for a \(pcm.sampleRate) Hz device: \(error)")
        }
        inputPerPeriod = pcm.sampleRate == sinkRate
            ? pcm.periodFrames : (pcm.periodFrames * sinkRate + pcm.sampleRate / 2) / pcm.sampleRate
        input.reserve(inputPerPeriod)
        device.reserve(max(pcm.periodFrames, inputPerPeriod * pcm.sampleRate / sinkRate) + 8)
        reference.reserve(device.capacity * referenceRate / pcm.sampleRate + 8)
        let unclocked = pacing == .clock || (pacing == .automatic && !pcm.isClockedByDevice)
        pacer = unclocked ? Pacer(frames: pcm.periodFrames, sampleRate: pcm.sampleRate) : nil
        // A new device means a new clock: the capture side must re-lock onto the reference.
        timeline.bumpEpoch()
    }

    /// The playback thread's body.
    func run() {
        environment.enterRealtime(slot.counters)
        while !environment.stop.isRaised {
            guard let pcm = slot.pcm else {
                // While the device is away, a barge-in must still empty the sink.
                handleFlush(pcm: nil)
                guard slot.reopen(environment), let pcm = slot.pcm else { break }
                do {
                    try configureForDevice(pcm)
                } catch {
                    environment.fail(error)
                    break
                }
                lastRecoveries = 0
                continue
            }
            handleFlush(pcm: pcm)
            guard slot.pcm != nil else { continue }
            let got = fillPeriod()
            noteDrain(got: got, bufferFrames: pcm.bufferFrames, periodFrames: pcm.periodFrames)
            let deviceCount: Int
            if let upsampler {
                deviceCount = upsampler.process(UnsafeBufferPointer(input.prefix(inputPerPeriod)), into: device.storage)
            } else {
                deviceCount = inputPerPeriod
                device.storage.baseAddress!.update(from: input.storage.baseAddress!, count: inputPerPeriod)
            }
            let played = UnsafeBufferPointer(device.prefix(deviceCount))
            do {
                _ = try pcm.write(played)
            } catch {
                slot.lose(error, environment: environment)
                continue
            }
            slot.counters.heartbeat.wrappingAdd(1, ordering: .relaxed)
            let delay = pcm.delay()
            slot.publish(delay: delay)
            // An underrun restarted the device: its clock no longer lines up with the positions.
            let recoveries = pcm.counters.xruns &+ pcm.counters.suspends
            if recoveries != lastRecoveries {
                lastRecoveries = recoveries
                timeline.bumpEpoch()
            }
            if var schedule = pacer {
                // A device without a clock (null, file) takes each period at once. The pacer keeps the
                // writes at real-time speed; time them as a card whose buffer the writer keeps full, on the
                // pacer's exact schedule: what was just written is heard a buffer after this period ends.
                // (Timing by the write itself would race the reader of the reference.)
                let next = schedule.advance()
                pacer = schedule
                if next.restarted { timeline.bumpEpoch() }
                pushReference(played, writeTime: next.deadline, delay: pcm.bufferFrames, deviceRate: pcm.sampleRate)
                if got > 0 { sink.wakeWritersIfWaiting() }
                schedule.wait(until: next.deadline)
            } else {
                pushReference(played, writeTime: ThreadClock.nanoseconds(), delay: delay ?? 0, deviceRate: pcm.sampleRate)
                if got > 0 { sink.wakeWritersIfWaiting() }
            }
        }
        slot.close()
    }

    /// Takes one period's worth of 24 kHz audio from the sink, silence where it has none, and keeps the
    /// underrun count: a gap is counted when data comes back within 20 periods of running dry.
    private func fillPeriod() -> Int {
        let want = input.prefix(inputPerPeriod)
        let got = sink.ring.readAvailable(into: want)
        if got < want.count {
            UnsafeMutableBufferPointer(rebasing: want[got...]).update(repeating: 0)
        }
        if got > 0 && gapPeriods > 0 {
            counters.underruns.wrappingAdd(1, ordering: .relaxed)
            gapPeriods = 0
        }
        if got == want.count {
            playing = true
        } else if playing {
            gapPeriods += 1
            if gapPeriods > 20 {
                playing = false
                gapPeriods = 0
            }
        }
        return got
    }

    /// Reports a drain once real audio was followed by enough silence to push the device's whole queue
    /// out of the speaker: then everything handed over has been heard. Atomics and an eventfd only.
    private func noteDrain(got: Int, bufferFrames: Int, periodFrames: Int) {
        if got > 0 {
            owesDrain = true
            silentPeriods = 0
            return
        }
        guard owesDrain else { return }
        silentPeriods += 1
        // The period just written is silence; the queue ahead of it holds at most a buffer.
        if silentPeriods * max(1, periodFrames) >= bufferFrames {
            owesDrain = false
            environment.signals.drainedPosition.store(sink.ring.readPosition, ordering: .relaxed)
            environment.signals.drains.wrappingAdd(1, ordering: .releasing)
            environment.wakePump()
        }
    }

    /// Barge-in: drop the sink up to the flush point and what the device has queued, then put the same
    /// number of silent frames back so that the reference timeline does not jump, and mark the dropped
    /// reference samples as never played.
    private func handleFlush(pcm: PCM?) {
        let generation = sink.flushGeneration.load(ordering: .acquiring)
        guard generation != seenFlush else { return }
        seenFlush = generation
        sink.ring.discard(upTo: sink.flushPosition.load(ordering: .relaxed))
        counters.flushes.wrappingAdd(1, ordering: .relaxed)
        defer { counters.lastFlush.store(UInt(truncatingIfNeeded: ThreadClock.nanoseconds()), ordering: .relaxed) }
        playing = false
        gapPeriods = 0
        owesDrain = false
        guard let pcm else { return }
        let dropped: Int
        do {
            dropped = try pcm.dropQueued()
        } catch {
            slot.lose(error, environment: environment)
            return
        }
        guard dropped > 0 else { return }
        let droppedReference = dropped * AudioEngineConfiguration.frameRate / pcm.sampleRate
        let end = referenceRing.writePosition
        timeline.publishDropped(from: end &- UInt(droppedReference), to: end)
        let silence = device.storage
        silence.update(repeating: 0)
        var remaining = dropped
        while remaining > 0 {
            let n = min(remaining, silence.count)
            do {
                _ = try pcm.write(UnsafeBufferPointer(rebasing: silence[0..<n]))
            } catch {
                slot.lose(error, environment: environment)
                return
            }
            remaining -= n
        }
    }

    /// Pushes what was just handed to the device, at 16 kHz, and publishes when it will be heard.
    private func pushReference(_ played: UnsafeBufferPointer<Int16>, writeTime: UInt64, delay: Int, deviceRate: Int) {
        let converted: UnsafeBufferPointer<Int16>
        if let referenceConverter {
            let n = referenceConverter.process(played, into: reference.storage)
            converted = UnsafeBufferPointer(reference.prefix(n))
        } else {
            converted = played
        }
        let stored = referenceRing.write(converted)
        if stored < converted.count {
            // The capture side is not taking the reference (device lost, or stopped): positions no longer
            // follow time. Tell the aligner once, when it starts.
            if !referenceOverflowing { timeline.bumpEpoch() }
            referenceOverflowing = true
        } else {
            referenceOverflowing = false
        }
        // The next reference position leaves the speaker once the `delay` frames queued now have played,
        // less the converter's lag.
        let ahead = Int64(delay) * 1_000_000 / Int64(deviceRate) - Int64(referenceConverter?.latency ?? 0) * 1_000 / 16
        let playTime = Int64(writeTime / 1000) + ahead
        timeline.publish(position: referenceRing.writePosition, playTime: UInt(truncatingIfNeeded: playTime))
    }
}

/// Playback counters beyond the device's own.
final class PlaybackCounters: Sendable {
    let underruns = Atomic<Int>(0)
    let flushes = Atomic<Int>(0)
    /// When the playback thread last dropped the device's queue for a flush (monotonic ns, word-sized so it
    /// wraps on 32-bit boards: compare with wrapping arithmetic over short intervals).
    let lastFlush = Atomic<UInt>(0)
}
