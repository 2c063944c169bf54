// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

import Synchronization

/// A counter one thread increments and any thread reads (word-sized, so it also works on 32-bit ARM,
/// where it wraps after 2^32 counts).
final class AtomicCounter: Sendable {
    private let value = Atomic<UInt>(0)
    /// Returns the value before the increment.
    func increment() -> UInt64 { UInt64(value.wrappingAdd(1, ordering: .relaxed).oldValue) }
    var current: UInt64 { UInt64(value.load(ordering: .relaxed)) }
}
