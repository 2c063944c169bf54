// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

import JSON

/// Every function call id the controller has seen, across reconnects, so that no action ever runs twice:
/// a call the server sends again (after a resumption) is answered from the record instead of run again.
///
/// Bounded: the oldest finished entries are forgotten past ``capacity`` (a running call is never dropped).
struct ToolLedger: Sendable, Equatable {
    enum Entry: Sendable, Equatable {
        /// Running; `name` is the function's.
        case running(name: String)
        /// Cancelled by the server while running; its result will not be sent.
        case cancelled(name: String)
        /// Finished with this result.
        case finished(name: String, result: JSONValue)
    }

    /// How many ids it remembers.
    let capacity: Int
    private(set) var entries: [String: Entry] = [:]
    private var order: [String] = []

    init(capacity: Int = 256) {
        self.capacity = max(1, capacity)
    }

    subscript(id: String) -> Entry? { entries[id] }

    /// The calls still running.
    var runningIDs: [String] {
        order.filter { if case .running = entries[$0] { return true } else { return false } }
    }

    mutating func record(_ id: String, _ entry: Entry) {
        if entries.updateValue(entry, forKey: id) == nil { order.append(id) }
        trim()
    }

    private mutating func trim() {
        var index = 0
        while entries.count > capacity && index < order.count {
            let id = order[index]
            if case .running = entries[id] {
                index += 1
                continue
            }
            entries[id] = nil
            order.remove(at: index)
        }
    }
}
