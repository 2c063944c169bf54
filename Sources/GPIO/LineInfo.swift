// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

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
