// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

import Synchronization

/// A flag one thread raises once and others poll (a loop's "please stop"): one atomic, so real-time
/// threads may check it on every turn.
public final class StopFlag: Sendable {
    private let raised = Atomic<Bool>(false)

    /// A flag that is down.
    public init() {}

    /// Whether it was raised.
    public var isRaised: Bool { raised.load(ordering: .acquiring) }

    /// Raises it (idempotent).
    public func raise() { raised.store(true, ordering: .releasing) }
}
