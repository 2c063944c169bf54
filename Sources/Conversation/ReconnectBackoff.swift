// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

/// Exponential backoff with jitter for reconnecting: the first wait, doubled after each failure up to a
/// ceiling, each spread by a random fraction so that many speakers that lost the same network do not all
/// come back in the same second. Deterministic for a given seed (SplitMix64), so tests can pin it.
struct ReconnectBackoff: Sendable, Equatable {
    let initial: Duration
    let maximum: Duration
    let jitter: Double
    private var state: UInt64

    init(initial: Duration, maximum: Duration, jitter: Double, seed: UInt64) {
        self.initial = max(.milliseconds(1), initial)
        self.maximum = max(self.initial, maximum)
        self.jitter = min(max(jitter, 0), 0.9)
        self.state = seed
    }

    /// The wait before attempt number `failures` (1 after the first failure).
    mutating func delay(afterFailures failures: Int) -> Duration {
        let doublings = min(max(failures - 1, 0), 30)
        var base = initial
        for _ in 0..<doublings where base < maximum { base = base * 2 }
        base = min(base, maximum)
        let spread = (nextUnit() * 2 - 1) * jitter
        return base * (1 + spread)
    }

    /// A uniform number in 0..<1.
    private mutating func nextUnit() -> Double {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        z ^= z >> 31
        return Double(z >> 11) / Double(1 << 53)
    }
}
