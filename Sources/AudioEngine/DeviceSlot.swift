// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

import ALSA
import Threads
import Log

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
