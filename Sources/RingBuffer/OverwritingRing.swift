// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

/// A ring that keeps the latest `capacity` elements, for one owner: appending to a full ring overwrites the
/// oldest elements.
///
/// Not shared between threads by itself: the overwrite policy is only sound when the code that appends is
/// also the only code that may drop old data, so mutation needs exclusive (`inout`) access. Share it by
/// putting it in a `Mutex`, as ``PrerollRing`` does, from threads that are allowed to lock.
///
/// ## Fixed storage, full and empty
/// The storage is allocated once in `init` and freed in `deinit`; nothing else allocates.
/// - **Full: overwrite the oldest**, counted in ``overwrittenElements``.
/// - **Empty:** ``copyLatest(into:)`` copies fewer elements than asked for and says how many.
/// The capacity need not be a power of two ("the last 500 ms" is 8000 samples at 16 kHz).
public struct OverwritingRing<Element: BitwiseCopyable>: ~Copyable {
    /// The most elements the ring keeps.
    public let capacity: Int
    private let storage: UnsafeMutablePointer<Element>
    /// Slot of the oldest element.
    private var head = 0
    /// Elements held, at most `capacity`.
    public private(set) var count = 0
    /// Old elements dropped to make room for new ones since creation.
    public private(set) var overwrittenElements = 0

    /// Creates an empty ring that keeps at most `capacity` (> 0) elements.
    public init(capacity: Int) {
        precondition(capacity > 0, "OverwritingRing capacity must be positive, got \(capacity)")
        self.capacity = capacity
        let bytes = capacity * MemoryLayout<Element>.stride
        let raw = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: MemoryLayout<Element>.alignment)
        raw.initializeMemory(as: UInt8.self, repeating: 0, count: bytes)
        storage = raw.bindMemory(to: Element.self, capacity: capacity)
    }

    deinit {
        UnsafeMutableRawPointer(storage).deallocate()
    }

    /// Appends `elements`, overwriting the oldest ones when there is no room.
    public mutating func append(contentsOf elements: UnsafeBufferPointer<Element>) {
        guard var source = elements.baseAddress, elements.count > 0 else { return }
        var n = elements.count
        if n > capacity {
            // Only the last `capacity` elements can survive; the rest are overwritten at once.
            overwrittenElements += n - capacity
            source += n - capacity
            n = capacity
        }
        let overflow = max(0, count + n - capacity)
        if overflow > 0 {
            overwrittenElements += overflow
            head = (head + overflow) % capacity
            count -= overflow
        }
        var tail = (head + count) % capacity
        var remaining = n
        while remaining > 0 {
            let chunk = min(remaining, capacity - tail)
            (storage + tail).update(from: source, count: chunk)
            source += chunk
            remaining -= chunk
            tail = (tail + chunk) % capacity
        }
        count += n
    }

    /// Copies the latest `min(count, destination.count)` elements, oldest first, to the start of
    /// `destination` and returns how many it copied. The ring is unchanged.
    public func copyLatest(into destination: UnsafeMutableBufferPointer<Element>) -> Int {
        let n = min(count, destination.count)
        guard n > 0, var target = destination.baseAddress else { return 0 }
        var slot = (head + count - n) % capacity
        var remaining = n
        while remaining > 0 {
            let chunk = min(remaining, capacity - slot)
            target.update(from: storage + slot, count: chunk)
            target += chunk
            remaining -= chunk
            slot = (slot + chunk) % capacity
        }
        return n
    }

    /// Forgets every element (the overwrite counter is kept).
    public mutating func removeAll() {
        head = 0
        count = 0
    }
}

// @unchecked Sendable: the ring owns its storage uniquely (it is ~Copyable, and no pointer to the storage
// escapes), so moving it to another thread moves the storage with it; mutation needs exclusive access.
extension OverwritingRing: @unchecked Sendable {}
