// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

package import ALSA
public import Log
public import RingBuffer
import Synchronization
import Threads
import Time

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The daemon's ears and mouth: one real-time capture thread and one real-time playback thread on ALSA,
/// the front end in between, and non-blocking interfaces for everything else.
///
/// ```swift
/// let engine = AudioEngine(configuration: config,
///                          makeProcessor: { try EchoCancellingProcessor(configuration: FrontEndConfiguration()) },
///                          logger: log)
/// try engine.start()
/// Task { for await frame in engine.frames { send(frame.samples) } }   // 16 kHz, processed, with VAD
/// Task { for await event in engine.events { ... } }                      // device lost/back, drained, failed
/// let taken = engine.playback.write(chunk24k)                           // never blocks; < count: full
/// engine.playback.flush()                                                // barge-in
/// engine.stop()
/// ```
///
/// - **Capture** (thread `lv-capture`): device → 16 kHz → ``MicProcessor`` with the far-end reference →
///   ``frames`` (an `AsyncStream` fed by a non-real-time pump thread, `lv-frames`) and ``preroll``.
/// - **Playback** (thread `lv-playback`): ``playback`` sink (24 kHz) → device, silence when idle; every
///   period what was handed to the device also goes, at 16 kHz and with its play time, to the capture side
///   as the echo reference.
/// - A device that fails for good (unplugged) is closed, logged, and reopened by name with exponential
///   backoff; xruns are recovered in place and counted (``statistics``).
///
/// The engine runs once: ``start()``, then ``stop()`` (or `deinit`), which also finishes ``frames``.
public final class AudioEngine: Sendable {
    /// The configuration it was made with.
    public let configuration: AudioEngineConfiguration
    /// Processed 16 kHz microphone frames with their VAD flag and level, from ``start()`` until ``stop()``
    /// (or a failure). Iterate it from one task. When that task falls behind by more than
    /// ``AudioEngineConfiguration/frameQueueMilliseconds`` (of audio, whatever the frame length) the
    /// oldest frames are dropped and counted.
    public let frames: MicFrames
    /// Devices lost and restored, playback drained, and the engine's failure, from ``start()`` until the
    /// engine stops. Iterate it from one task; the newest 64 wait when it falls behind.
    public let events: AsyncStream<AudioEngineEvent>
    /// Where 24 kHz far-end audio goes.
    public let playback: PlaybackSink
    /// The last ``AudioEngineConfiguration/prerollMilliseconds`` of processed audio.
    public let preroll: PrerollRing

    private let frameQueue: MicFrameQueue
    private let frameHandler = FrameHandlerSlot()
    private let eventContinuation: AsyncStream<AudioEngineEvent>.Continuation
    private let makeProcessor: @Sendable () throws -> any MicProcessor
    private let environment: WorkerEnvironment
    /// Wakes the frame pump (nil if no eventfd could be made: then ``start()`` throws).
    private let wake: EventSignal?
    private let captureCounters: StreamCounters
    private let playbackStreamCounters: StreamCounters?
    private let playbackCounters = PlaybackCounters()
    private let alignment = AlignmentCounters()
    private let processed = AtomicCounter()
    private let referenceRing: SPSCRing<Int16>
    private let timeline = ReferenceTimeline()
    private let state = Mutex<State>(.idle)
    /// The capture side's frame rings, made at start (their size depends on the processor's frame).
    private let recordRingHolder = Mutex<SPSCRing<FrameRecord>?>(nil)
    /// Test hooks: the PCMs' fault injectors, captured at start.
    private let faultInjectors = Mutex<(capture: FaultInjector?, playback: FaultInjector?)>((nil, nil))

    private enum State {
        /// Made, not started. → running (start), stopped (stop).
        case idle
        /// Threads running. → stopped (stop).
        case running([PlatformThread])
        /// Finished; cannot start again.
        case stopped
    }

    /// Makes an engine; nothing is opened until ``start()``.
    /// - Parameters:
    ///   - makeProcessor: makes the front end, called once by ``start()``; the result is used only on the
    ///     capture thread. Pass `{ PassThroughProcessor() }` to run without one.
    ///   - logger: where device losses, reopens and the real-time notice are logged.
    public init(
        configuration: AudioEngineConfiguration,
        makeProcessor: @escaping @Sendable () throws -> any MicProcessor,
        logger: Logger = .disabled
    ) {
        self.configuration = configuration
        self.makeProcessor = makeProcessor
        let wake = try? EventSignal()
        self.wake = wake
        self.environment = WorkerEnvironment(logger: logger, configuration: configuration, wake: wake)
        frameQueue = MicFrameQueue(milliseconds: configuration.frameQueueMilliseconds)
        frames = MicFrames(queue: frameQueue)
        (events, eventContinuation) = AsyncStream.makeStream(of: AudioEngineEvent.self, bufferingPolicy: .bufferingNewest(64))
        let sinkSamples = AudioEngineConfiguration.playbackRate * max(1, configuration.playbackBufferMilliseconds) / 1000
        playback = PlaybackSink(capacity: SPSCRing<Int16>.capacity(atLeast: sinkSamples), wake: wake)
        preroll = PrerollRing(milliseconds: max(10, configuration.prerollMilliseconds), sampleRate: AudioEngineConfiguration.frameRate)
        captureCounters = StreamCounters(device: configuration.capture.name)
        playbackStreamCounters = configuration.playback.map { StreamCounters(device: $0.name) }
        // One second of reference: more than any device buffer plus the slack.
        referenceRing = SPSCRing(capacity: 16384)
    }

    deinit {
        stop()
    }

    /// Opens the devices, makes the front end and starts the threads. Throws (and leaves the engine
    /// startable again) when a device cannot be opened, with alsa-lib's reason and advice.
    public func start() throws(AudioEngineError) {
        try configuration.validate()
        guard let wake else {
            throw AudioEngineError(.system, "cannot create an eventfd (the process is out of file descriptors)")
        }
        try state.withLock { (state: inout State) throws(AudioEngineError) in
            switch state {
            case .idle: break
            case .running: throw AudioEngineError(.system, "the audio engine is already running")
            case .stopped: throw AudioEngineError(.system, "the audio engine was stopped; make a new one")
            }
            state = .running(try launch(wake: wake))
        }
    }

    private func pcmConfiguration(_ device: AudioEngineConfiguration.Device, _ stream: PCMStream) -> PCMConfiguration {
        PCMConfiguration(
            device: device.name, stream: stream, sampleRate: device.sampleRate,
            periodMilliseconds: device.periodMilliseconds, periodsPerBuffer: device.periodsPerBuffer,
            allowPluginResampling: configuration.allowPluginResampling,
            configurationText: configuration.alsaConfigurationText,
            configurationTextExtendsSystem: configuration.alsaConfigurationTextExtendsSystem)
    }

    private func open(_ configuration: PCMConfiguration) throws(AudioEngineError) -> PCM {
        do {
            let pcm = try PCM(configuration)
            environment.logger.info("opened \(pcm.summary)")
            return pcm
        } catch {
            throw AudioEngineError(.device, error.description, alsaError: error)
        }
    }

    private func launch(wake: EventSignal) throws(AudioEngineError) -> [PlatformThread] {
        let capturePCM = try open(pcmConfiguration(configuration.capture, .capture))
        let playbackPCM = try configuration.playback.map { (device) throws(AudioEngineError) in
            try open(pcmConfiguration(device, .playback))
        }
        let processor: any MicProcessor
        do {
            processor = try makeProcessor()
        } catch {
            throw AudioEngineError(.processing, "cannot make the microphone front end: \(error)")
        }
        let frameLength = processor.frameLength
        guard frameLength > 0 && frameLength <= 4800 else {
            throw AudioEngineError(.processing, "the front end asked for \(frameLength)-sample frames; 160 or 320 expected")
        }
        let frameCount = max(4, configuration.frameQueueMilliseconds * AudioEngineConfiguration.frameRate / 1000 / frameLength)
        let perFrame = configuration.diagnostics ? 3 * frameLength : frameLength
        let sampleRing = SPSCRing<Int16>(capacity: SPSCRing<Int16>.capacity(atLeast: frameCount * perFrame))
        let recordRing = SPSCRing<FrameRecord>(capacity: SPSCRing<FrameRecord>.capacity(atLeast: frameCount))
        recordRingHolder.withLock { $0 = recordRing }
        faultInjectors.withLock { $0 = (capturePCM.faults, playbackPCM?.faults) }

        let capture = try CaptureWorker(
            pcm: capturePCM, configuration: configuration, processor: processor, counters: captureCounters,
            alignment: alignment, environment: environment,
            referenceRing: playbackPCM == nil ? nil : referenceRing, timeline: timeline,
            sampleRing: sampleRing, recordRing: recordRing, wake: wake, processedFrames: processed)
        var playbackWorker: PlaybackWorker?
        if let playbackPCM, let counters = playbackStreamCounters {
            playbackWorker = try PlaybackWorker(
                pcm: playbackPCM, configuration: configuration, sink: playback, counters: counters,
                playbackCounters: playbackCounters, environment: environment, referenceRing: referenceRing,
                timeline: timeline)
        }
        let pump = FramePump(
            sampleRing: sampleRing, recordRing: recordRing, frameLength: frameLength,
            diagnostics: configuration.diagnostics, queue: frameQueue, events: eventContinuation, preroll: preroll,
            sink: playbackWorker == nil ? nil : playback, wake: wake, environment: environment,
            handler: frameHandler)

        var threads: [PlatformThread] = []
        do throws(AudioEngineError) {
            threads.append(try startThread("lv-frames") { pump.run() })
            if let playbackWorker {
                threads.append(try startThread("lv-playback") { playbackWorker.run() })
            }
            threads.append(try startThread("lv-capture") { capture.run() })
        } catch {
            environment.stop.raise()
            wake.signal()
            threads.forEach { $0.join() }
            throw error
        }
        return threads
    }

    /// Starts one of the engine's threads, with the engine's error type.
    private func startThread(_ name: String, _ body: @escaping @Sendable () -> Void) throws(AudioEngineError) -> PlatformThread {
        do {
            return try PlatformThread(name: name, body)
        } catch {
            throw AudioEngineError(.system, error.description)
        }
    }

    /// Stops the threads (within about one device period), closes the devices, finishes ``frames`` and
    /// releases writers waiting on ``playback``. Safe to call more than once.
    public func stop() {
        let threads: [PlatformThread] = state.withLock { state in
            defer { state = .stopped }
            if case .running(let threads) = state { return threads }
            return []
        }
        environment.stop.raise()
        // Device threads first (they may still signal the pump), then the pump, which drains and finishes.
        for thread in threads.reversed() where thread.name != "lv-frames" { thread.join() }
        wake?.signal()
        for thread in threads where thread.name == "lv-frames" { thread.join() }
        if threads.isEmpty {
            frameQueue.finish()
            eventContinuation.finish()
            playback.close()
        }
    }

    /// Hands every later frame to `handler`, on the engine's frame thread, instead of ``frames``: for a
    /// consumer with an event loop of its own (the daemon's), one hop less per frame. `handler` must not
    /// block; nil goes back to ``frames``.
    public func deliverFrames(to handler: (@Sendable (MicFrame) -> Void)?) {
        frameHandler.set(handler)
    }

    /// Whether the threads are running.
    public var isRunning: Bool {
        state.withLock { if case .running = $0 { return true } else { return false } }
    }

    /// A snapshot of every counter, readable from any thread at any time.
    public var statistics: AudioEngineStatistics {
        let sink = playback.statistics
        let playbackRate = Double(AudioEngineConfiguration.playbackRate)
        let records = recordRingHolder.withLock { $0?.statistics }
        let reference = referenceRing.statistics
        var statistics = AudioEngineStatistics(
            capture: captureCounters.snapshot,
            playback: playbackStreamCounters?.snapshot,
            framesProcessed: processed.current,
            framesDroppedInEngine: records?.rejectedElements ?? 0,
            framesDroppedByConsumer: Int(frameQueue.dropped.current),
            playbackBufferedMilliseconds: Double(sink.count) * 1000 / playbackRate,
            playbackHighWaterMilliseconds: Double(sink.highWaterMark) * 1000 / playbackRate,
            playbackUnderruns: playbackCounters.underruns.load(ordering: .relaxed),
            playbackRejectedSamples: sink.rejectedElements,
            flushes: playbackCounters.flushes.load(ordering: .relaxed),
            lastFlushHandled: playbackCounters.lastFlush.load(ordering: .relaxed),
            referenceLocks: Int(alignment.locks.load(ordering: .relaxed)),
            referenceSlews: Int(alignment.slews.load(ordering: .relaxed)),
            referenceLateSamples: Int(alignment.lateSamples.load(ordering: .relaxed)),
            referenceDroppedSamples: reference.rejectedElements,
            baseDelayMilliseconds: configuration.frontEndDelayMilliseconds,
            preroll: preroll.statistics)
        statistics.micRingCapacityFrames = records?.capacity ?? 0
        statistics.micRingHighWaterFrames = records?.highWaterMark ?? 0
        statistics.referenceRingCapacitySamples = reference.capacity
        statistics.referenceRingHighWaterSamples = reference.highWaterMark
        return statistics
    }

    /// Test hook: makes the next capture or playback transfer fail with `errno` (for example `ENODEV` to
    /// act out an unplugged device, `EPIPE` for an xrun) on the PCM opened by ``start()``.
    package func injectFault(_ stream: PCMStream, errno: Int32) {
        faultInjectors.withLock { injectors in
            let injector = stream == .capture ? injectors.capture : injectors.playback
            injector?.failNext(stream == .capture ? .read : .write, errno: errno)
        }
    }
}
