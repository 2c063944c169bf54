// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

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
