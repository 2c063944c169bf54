// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

public import Time

/// A GPIO line, resolved: its chip, its offset on that chip and its name (if it has one).
public struct LineID: Sendable, Hashable, CustomStringConvertible {
    /// The chip's name, as `gpiochip0`.
    public var chip: String
    /// The line's offset on the chip.
    public var offset: Int
    /// The line's name (`GPIO17`), when the chip names its lines.
    public var name: String?

    /// A line `offset` on `chip`, named `name`.
    public init(chip: String, offset: Int, name: String?) {
        self.chip = chip
        self.offset = offset
        self.name = name
    }

    /// `GPIO17 (gpiochip0:17)`, or `gpiochip0:17` for an unnamed line.
    public var description: String {
        if let name, !name.isEmpty { return "\(name) (\(chip):\(offset))" }
        return "\(chip):\(offset)"
    }
}

/// How a configuration or command names a line: by name (searched on every chip), or by chip and offset.
public enum LineAddress: Sendable, Hashable, CustomStringConvertible {
    /// A line name such as `GPIO17`, found on whichever chip has it (it moves between chips on a Pi 5).
    case name(String)
    /// A chip (`gpiochip0`) and an offset on it.
    case chipOffset(chip: String, offset: Int)

    /// Parses `GPIO17`, `gpiochip0:17` or `0:17`; anything else is a name.
    public init(_ text: String) {
        if let colon = text.lastIndex(of: ":"),
            let offset = Int(text[text.index(after: colon)...]), offset >= 0
        {
            let chip = String(text[..<colon])
            if let number = Int(chip), number >= 0 {
                self = .chipOffset(chip: "gpiochip\(number)", offset: offset)
                return
            }
            if chip.hasPrefix("gpiochip"), Int(chip.dropFirst("gpiochip".count)) != nil {
                self = .chipOffset(chip: chip, offset: offset)
                return
            }
        }
        self = .name(text)
    }

    /// The address as a user writes it.
    public var description: String {
        switch self {
        case .name(let name): name
        case .chipOffset(let chip, let offset): "\(chip):\(offset)"
        }
    }
}

/// Whether a line is an input or an output.
public enum LineDirection: String, Sendable, Hashable {
    case input, output
}

/// Internal pull resistors. The corresponding C constants are `GPIOD_LINE_BIAS_*`.
public enum LineBias: String, Sendable, Hashable, CaseIterable {
    /// Leave the bias as it is.
    case asIs = "as-is"
    /// No pull resistor.
    case disabled
    /// Pull the line up (a button to ground).
    case pullUp = "pull-up"
    /// Pull the line down (a button to 3.3 V).
    case pullDown = "pull-down"
    /// The driver cannot tell (only reported, never requested).
    case unknown
}

/// Which edges produce events. The corresponding C constants are `GPIOD_LINE_EDGE_*`.
public enum EdgeDetection: String, Sendable, Hashable {
    case none, rising, falling, both
}

/// How an output drives the line. The corresponding C constants are `GPIOD_LINE_DRIVE_*`.
public enum LineDrive: String, Sendable, Hashable {
    case pushPull = "push-pull"
    case openDrain = "open-drain"
    case openSource = "open-source"
}

/// Settings for an input line.
public struct InputSettings: Sendable, Hashable {
    /// Pull resistor.
    public var bias: LineBias
    /// When true, a low level reads as active (`true`), and a falling level is a "rising" edge event.
    public var activeLow: Bool
    /// Which edges produce events.
    public var edges: EdgeDetection
    /// Debounce done by the kernel (in hardware where the driver can, otherwise in the GPIO core); nil: none.
    public var kernelDebounce: Duration?

    /// Input settings; by default no bias change, active-high, no edge events, no kernel debounce.
    public init(
        bias: LineBias = .asIs, activeLow: Bool = false, edges: EdgeDetection = .none,
        kernelDebounce: Duration? = nil
    ) {
        self.bias = bias
        self.activeLow = activeLow
        self.edges = edges
        self.kernelDebounce = kernelDebounce
    }
}

/// Settings for an output line.
public struct OutputSettings: Sendable, Hashable {
    /// When true, active (`true`) drives the line low.
    public var activeLow: Bool
    /// The logical value driven as soon as the line is requested.
    public var initialValue: Bool
    /// Push-pull, open-drain or open-source.
    public var drive: LineDrive

    /// Output settings; by default active-high, initially inactive, push-pull.
    public init(activeLow: Bool = false, initialValue: Bool = false, drive: LineDrive = .pushPull) {
        self.activeLow = activeLow
        self.initialValue = initialValue
        self.drive = drive
    }
}

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

/// What the kernel says about one line, as `gpioinfo` shows it.
public struct LineInfo: Sendable, Hashable {
    /// The line.
    public var id: LineID
    /// Input or output.
    public var direction: LineDirection
    /// Whether any consumer (a program or a driver) holds it.
    public var isUsed: Bool
    /// Who holds it, if it says.
    public var consumer: String?
    /// Whether the holder set it active-low.
    public var activeLow: Bool
    /// The pull resistor.
    public var bias: LineBias
    /// Edge detection set by the holder.
    public var edges: EdgeDetection
    /// The debounce period set by the holder, if any.
    public var debounce: Duration?

    /// A line's description.
    public init(
        id: LineID, direction: LineDirection, isUsed: Bool, consumer: String?, activeLow: Bool = false,
        bias: LineBias = .unknown, edges: EdgeDetection = .none, debounce: Duration? = nil
    ) {
        self.id = id
        self.direction = direction
        self.isUsed = isUsed
        self.consumer = consumer
        self.activeLow = activeLow
        self.bias = bias
        self.edges = edges
        self.debounce = debounce
    }
}

/// A GPIO chip and its lines.
public struct ChipInfo: Sendable, Hashable {
    /// The chip's name (`gpiochip0`).
    public var name: String
    /// The driver's label (`pinctrl-bcm2711`, `pinctrl-rp1`).
    public var label: String
    /// The device path (`/dev/gpiochip0`).
    public var path: String
    /// Every line, by offset.
    public var lines: [LineInfo]

    /// A chip's description.
    public init(name: String, label: String, path: String, lines: [LineInfo]) {
        self.name = name
        self.label = label
        self.path = path
        self.lines = lines
    }
}
