// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A mutex and a condition variable on `CLOCK_MONOTONIC`, so a thread can wait until an absolute deadline
/// (no drift: the next LED edge is computed from the pattern's start, never from the last wake-up) and be
/// woken early when the pattern changes.
final class DeadlineWaiter: @unchecked Sendable {
    // The pthread objects live at fixed heap addresses (they must not move) and are only used through
    // pthread calls, which do their own synchronisation: hence @unchecked Sendable.
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private let condition: UnsafeMutablePointer<pthread_cond_t>
    private var signalled = false  // guarded by mutex

    init() {
        mutex = .allocate(capacity: 1)
        condition = .allocate(capacity: 1)
        pthread_mutex_init(mutex, nil)
        var attributes = pthread_condattr_t()
        pthread_condattr_init(&attributes)
        pthread_condattr_setclock(&attributes, CLOCK_MONOTONIC)
        pthread_cond_init(condition, &attributes)
        pthread_condattr_destroy(&attributes)
    }

    deinit {
        pthread_cond_destroy(condition)
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
        condition.deallocate()
    }

    /// Waits until `deadline` (monotonic nanoseconds; nil: no limit) or until ``signal()``.
    func wait(until deadline: Int64?) {
        pthread_mutex_lock(mutex)
        while !signalled {
            if let deadline {
                var time = timespec(tv_sec: Int(deadline / 1_000_000_000), tv_nsec: Int(deadline % 1_000_000_000))
                if pthread_cond_timedwait(condition, mutex, &time) == ETIMEDOUT { break }
            } else {
                pthread_cond_wait(condition, mutex)
            }
        }
        signalled = false
        pthread_mutex_unlock(mutex)
    }

    /// Wakes the waiting thread now.
    func signal() {
        pthread_mutex_lock(mutex)
        signalled = true
        pthread_cond_signal(condition)
        pthread_mutex_unlock(mutex)
    }
}
