// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

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
