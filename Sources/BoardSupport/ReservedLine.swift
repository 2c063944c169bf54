// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

public import GPIO

/// A line something else already uses (the button, the status LED): no tool may use it.
public struct ReservedLine: Sendable, Equatable {
    /// The line.
    public var address: LineAddress
    /// What uses it, for the error message ("the button ([button] line, line 4)").
    public var purpose: String

    /// A reserved line.
    public init(address: LineAddress, purpose: String) {
        self.address = address
        self.purpose = purpose
    }
}
