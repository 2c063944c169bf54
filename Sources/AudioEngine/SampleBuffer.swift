// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

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
