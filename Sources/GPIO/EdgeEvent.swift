// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

public import Time

/// A change on an input line, as the kernel reported it.
public struct EdgeEvent: Sendable, Hashable, CustomStringConvertible {
    /// The direction of the change, in logical terms: `rising` means the line became active (with
    /// active-low, that is the level going down).
    public enum Kind: String, Sendable, Hashable {
        case rising, falling
    }

    /// Rising (became active) or falling (became inactive).
    public var kind: Kind
    /// When it happened (kernel timestamp, `CLOCK_MONOTONIC`).
    public var timestamp: Timestamp
    /// The line's offset on its chip.
    public var offset: Int
    /// The event's sequence number on this line (gaps mean the kernel's buffer overflowed).
    public var lineSequence: Int

    /// An event.
    public init(kind: Kind, timestamp: Timestamp, offset: Int, lineSequence: Int) {
        self.kind = kind
        self.timestamp = timestamp
        self.offset = offset
        self.lineSequence = lineSequence
    }

    /// True for a rising (became active) edge.
    public var isActive: Bool { kind == .rising }

    public var description: String { "\(timestamp) \(kind) (line \(offset), #\(lineSequence))" }
}
