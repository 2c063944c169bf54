// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

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
