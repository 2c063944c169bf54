// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

import Conversation
import Time

/// The controller's timers, one task each, on the runtime's clock: a timer that fires yields its event
/// into the runtime's input; starting an armed timer replaces it. Used only from the runtime's loop.
final class TimerTable {
    private var tasks: [ConversationTimer: Task<Void, Never>] = [:]
    private let clock: any MonotonicClock
    private let fire: @Sendable (ConversationTimer) -> Void

    init(clock: any MonotonicClock, fire: @escaping @Sendable (ConversationTimer) -> Void) {
        self.clock = clock
        self.fire = fire
    }

    func start(_ timer: ConversationTimer, at deadline: Timestamp) {
        tasks[timer]?.cancel()
        let clock = clock
        let fire = fire
        tasks[timer] = Task {
            do {
                try await clock.sleep(until: deadline)
            } catch {
                return
            }
            fire(timer)
        }
    }

    func cancel(_ timer: ConversationTimer) {
        tasks.removeValue(forKey: timer)?.cancel()
    }

    func cancelAll() {
        for task in tasks.values { task.cancel() }
        tasks = [:]
    }
}
