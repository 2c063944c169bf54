// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

import ALSA
import Threads
import Log
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The things both device threads share: logging, the one-time real-time notice, the stop flag.
final class WorkerEnvironment: Sendable {
    let logger: Logger
    let stop = StopFlag()
    /// What the device threads report to the frame pump (losses, reopens, drains, a failure).
    let signals = EngineSignals()
    /// Wakes the frame pump (nil when the engine could not make it; it does not start then).
    let wake: EventSignal?
    let realtimePriority: Int?
    let reopenInitialMilliseconds: Int
    let reopenMaximumMilliseconds: Int
    let reopenSettleNanoseconds: UInt64
    private let noticeGiven = Atomic<Bool>(false)

    init(logger: Logger, configuration: AudioEngineConfiguration, wake: EventSignal?) {
        self.logger = logger
        self.wake = wake
        self.realtimePriority = configuration.realtimePriority
        self.reopenInitialMilliseconds = configuration.reopenInitialDelayMilliseconds
        self.reopenMaximumMilliseconds = configuration.reopenMaximumDelayMilliseconds
        self.reopenSettleNanoseconds = UInt64(max(0, configuration.reopenSettleMilliseconds)) * 1_000_000
    }

    /// Wakes the frame pump so it reports what the signals say (a syscall: fine on a real-time thread).
    func wakePump() {
        wake?.signal()
    }

    /// A device thread cannot go on: record why and let the pump end the engine.
    func fail(_ error: AudioEngineError) {
        logger.error("\(error.message)")
        signals.noteFailure(error)
        wakePump()
    }

    /// Called first thing on each device thread (before its hot loop): asks for SCHED_FIFO and, the first
    /// time it is refused, logs one line saying how to allow it.
    func enterRealtime(_ counters: StreamCounters) {
        guard let priority = realtimePriority else { return }
        let result = requestRealtimePriority(priority)
        counters.realtime.store(result == 0 ? 1 : 0, ordering: .relaxed)
        if result != 0 && !noticeGiven.exchange(true, ordering: .relaxed) {
            let reason = result == EPERM ? "EPERM" : "error \(result)"
            logger.notice(
                "audio threads run without real-time priority (SCHED_FIFO \(priority) refused: \(reason)); "
                    + "allow it with LimitRTPRIO=\(priority) in the systemd unit, or an rtprio limit for the user")
        }
    }
}

/// One device of a device thread: the open PCM (or none while it is being reopened) and its counters.
/// Owned by that thread.
struct DeviceSlot {
    let configuration: PCMConfiguration
    let counters: StreamCounters
    private(set) var pcm: PCM?
    /// The rate the device ran at: a reopened device is asked for it first, so that it comes back as it
    /// was (and a device whose rate depends on another stream, such as a loopback card's other end or a
    /// card shared through dmix/dsnoop, gets the rate that other stream already has).
    private var lastSampleRate: Int
    /// When the device was last reopened (0: never), and how many times in a row it failed soon after.
    private var reopenedAt: UInt64 = 0
    private var quickFailures = 0
    /// The test hook of the first PCM, handed to every reopened one.
    private let faults: FaultInjector

    init(configuration: PCMConfiguration, counters: StreamCounters, pcm: PCM) {
        self.configuration = configuration
        self.counters = counters
        self.lastSampleRate = pcm.sampleRate
        self.faults = pcm.faults
        adopt(pcm)
    }

    private mutating func adopt(_ pcm: PCM) {
        self.pcm = pcm
        lastSampleRate = pcm.sampleRate
        counters.sampleRate.store(pcm.sampleRate, ordering: .relaxed)
        counters.periodFrames.store(pcm.periodFrames, ordering: .relaxed)
        counters.bufferFrames.store(pcm.bufferFrames, ordering: .relaxed)
        counters.clocked.store(pcm.isClockedByDevice, ordering: .relaxed)
        counters.state.store(AudioEngineStatistics.StreamState.running.rawValue, ordering: .relaxed)
    }

    /// After a transfer: copies the PCM's recovery counters and delay into the engine's counters (a few
    /// atomic stores; no allocation).
    func publish(delay: Int?) {
        guard let pcm else { return }
        counters.xruns.store(counters.xrunsBefore.load(ordering: .relaxed) + pcm.counters.xruns, ordering: .relaxed)
        counters.suspends.store(counters.suspendsBefore.load(ordering: .relaxed) + pcm.counters.suspends, ordering: .relaxed)
        counters.delayFrames.store(delay ?? -1, ordering: .relaxed)
    }

    /// The device failed for good: close it, count and log it (off the hot path: the stream is broken).
    mutating func lose(_ error: ALSAError, environment: WorkerEnvironment) {
        let logger = environment.logger
        if let pcm {
            counters.xrunsBefore.wrappingAdd(pcm.counters.xruns, ordering: .relaxed)
            counters.suspendsBefore.wrappingAdd(pcm.counters.suspends, ordering: .relaxed)
        }
        pcm = nil
        counters.losses.wrappingAdd(1, ordering: .relaxed)
        counters.delayFrames.store(-1, ordering: .relaxed)
        counters.state.store(AudioEngineStatistics.StreamState.reopening.rawValue, ordering: .relaxed)
        counters.lastProblem.withLock { $0 = error.description }
        // A device that keeps failing right after each reopen is retried ever more slowly, and said so
        // with fewer lines (the 1st, 2nd, 4th, 8th ... failure in a row).
        quickFailures = reopenedAt > 0 && ThreadClock.nanoseconds() &- reopenedAt < environment.reopenSettleNanoseconds
            ? quickFailures + 1 : 0
        if quickFailures & (quickFailures &- 1) == 0 {
            let again = quickFailures > 0 ? " (failed \(quickFailures) time\(quickFailures == 1 ? "" : "s") in a row right after reopening)" : ""
            logger.warning("\(error); reopening it\(again)")
        }
        environment.signals.noteLoss(kind, reason: error.description)
        environment.wakePump()
    }

    /// Tries to open the device again, waiting longer after each failure; returns false when the engine
    /// stopped first.
    mutating func reopen(_ environment: WorkerEnvironment) -> Bool {
        var wait = min(environment.reopenInitialMilliseconds << min(quickFailures, 16), environment.reopenMaximumMilliseconds)
        var attempts = 0
        var request = configuration
        request.sampleRate = lastSampleRate
        let counters = counters
        while ThreadClock.sleep(milliseconds: wait, unless: {
            counters.heartbeat.wrappingAdd(1, ordering: .relaxed)  // waiting to reopen is not hanging
            return environment.stop.isRaised
        }) {
            attempts += 1
            do {
                let pcm = try PCM(request, faults: faults)
                adopt(pcm)
                reopenedAt = ThreadClock.nanoseconds()
                counters.reopens.wrappingAdd(1, ordering: .relaxed)
                environment.logger.notice("\(configuration.stream) device '\(configuration.device)' is back: \(pcm.summary)")
                environment.signals.noteReopen(kind)
                environment.wakePump()
                return true
            } catch {
                counters.lastProblem.withLock { $0 = error.description }
                if attempts == 1 || attempts % 20 == 0 {
                    environment.logger.info("still waiting for \(configuration.stream) device '\(configuration.device)': \(error.code)")
                }
            }
            wait = min(wait * 2, environment.reopenMaximumMilliseconds)
        }
        return false
    }

    /// Which of the engine's devices this is.
    var kind: AudioDeviceKind { configuration.stream == .capture ? .capture : .playback }

    /// Closes the device at the end of the thread.
    mutating func close() {
        pcm = nil
        counters.state.store(AudioEngineStatistics.StreamState.stopped.rawValue, ordering: .relaxed)
    }
}

/// A buffer of samples allocated once, for the device threads (no allocation on the hot path).
struct SampleBuffer {
    private(set) var storage: UnsafeMutableBufferPointer<Int16>

    init(capacity: Int) {
        storage = .allocate(capacity: max(1, capacity))
        storage.initialize(repeating: 0)
    }

    var capacity: Int { storage.count }

    /// Makes sure it holds at least `capacity` samples (allocates only when it grows: reopen path).
    mutating func reserve(_ capacity: Int) {
        guard capacity > storage.count else { return }
        storage.deallocate()
        storage = .allocate(capacity: capacity)
        storage.initialize(repeating: 0)
    }

    /// The first `count` samples.
    func prefix(_ count: Int) -> UnsafeMutableBufferPointer<Int16> {
        UnsafeMutableBufferPointer(rebasing: storage[0..<count])
    }

    /// Samples `range`.
    func slice(_ range: Range<Int>) -> UnsafeMutableBufferPointer<Int16> {
        UnsafeMutableBufferPointer(rebasing: storage[range])
    }

    func free() { storage.deallocate() }
}

/// A counter one thread increments and any thread reads (word-sized, so it also works on 32-bit ARM,
/// where it wraps after 2^32 counts).
final class AtomicCounter: Sendable {
    private let value = Atomic<UInt>(0)
    /// Returns the value before the increment.
    func increment() -> UInt64 { UInt64(value.wrappingAdd(1, ordering: .relaxed).oldValue) }
    var current: UInt64 { UInt64(value.load(ordering: .relaxed)) }
}
