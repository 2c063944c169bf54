// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

import Time

/// The network thread's clock: the monotonic clock in milliseconds (its timers are that coarse).
func monotonicMilliseconds() -> Int64 { Int64(SystemMonotonicClock.nanoseconds() / 1_000_000) }
