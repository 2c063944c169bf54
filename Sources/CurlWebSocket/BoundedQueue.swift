// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

/// A first-in first-out queue with a fixed maximum count, for the socket's send and receive queues.
///
/// Storage is a ring of `capacity` slots allocated once; `append` refuses (returns false) when full and
/// the caller decides what that means (an error for the sender, no more socket reads for the receiver).
struct BoundedQueue<Element> {
    private var slots: [Element?]
    private var head = 0
    private(set) var count = 0

    init(capacity: Int) {
        precondition(capacity > 0, "queue capacity must be positive")
        slots = Array(repeating: nil, count: capacity)
    }

    var capacity: Int { slots.count }
    var isEmpty: Bool { count == 0 }
    var isFull: Bool { count == slots.count }

    mutating func append(_ element: Element) -> Bool {
        guard !isFull else { return false }
        slots[(head + count) % slots.count] = element
        count += 1
        return true
    }

    var first: Element? { isEmpty ? nil : slots[head] }

    mutating func popFirst() -> Element? {
        guard !isEmpty else { return nil }
        let element = slots[head]
        slots[head] = nil
        head = (head + 1) % slots.count
        count -= 1
        return element
    }

    mutating func removeAll() {
        while popFirst() != nil {}
    }
}
