// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

/// Everything that can go wrong with GPIO, with a message that tells the user what to do about it.
///
/// `message` is complete and user-facing ("line GPIO17 (gpiochip0:17) is in use by 'gpiomon': stop that
/// program or choose another line"); `code` lets callers branch; `errno` is the system error, when there was one.
public struct GPIOError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The kind of failure. New codes may be added; switch with a `default`.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private let name: String
        private init(_ name: String) { self.name = name }
        public var description: String { name }

        /// No GPIO chip exists at all (a PC, VM or container; or the GPIO driver did not load).
        public static let noChips = Code("noChips")
        /// The named chip does not exist or is not a GPIO chip.
        public static let chipNotFound = Code("chipNotFound")
        /// No line has that name, or the offset is past the chip's last line.
        public static let lineNotFound = Code("lineNotFound")
        /// Another program or driver holds the line.
        public static let lineBusy = Code("lineBusy")
        /// The process may not open the GPIO device.
        public static let permissionDenied = Code("permissionDenied")
        /// The installed libgpiod is not the v2 API livevoiced was built for.
        public static let unsupportedLibrary = Code("unsupportedLibrary")
        /// The driver refused a setting (bias, debounce, drive) or a value was out of range.
        public static let invalidSettings = Code("invalidSettings")
        /// The line was requested in the other direction (reading events from an output, say).
        public static let wrongDirection = Code("wrongDirection")
        /// Any other system error while talking to the kernel.
        public static let ioError = Code("ioError")
        /// The line was released (``GPIOInputLine/release()``); it must be requested again.
        public static let released = Code("released")
    }

    /// The kind of failure.
    public var code: Code
    /// The system error number, when a system call failed.
    public var errno: Int32?
    /// What went wrong and how to fix it.
    public var message: String

    /// An error of `code` with a complete, user-facing `message`.
    public init(_ code: Code, errno: Int32? = nil, _ message: String) {
        self.code = code
        self.errno = errno
        self.message = message
    }

    public var description: String { message }

    /// The advice for a permission error on `path`, shared by both backends' messages.
    public static func permissionDenied(path: String, errno: Int32?) -> GPIOError {
        GPIOError(
            .permissionDenied, errno: errno,
            "permission denied opening \(path): the user running livevoiced must be allowed to use GPIO. "
                + "Add it to the group that owns the GPIO devices (sudo usermod -aG gpio $USER, then log in "
                + "again; the systemd unit uses SupplementaryGroups=gpio), or, if the system has no such group, "
                + "install a udev rule, e.g. /etc/udev/rules.d/60-gpio.rules with: "
                + "SUBSYSTEM==\"gpio\", KERNEL==\"gpiochip*\", GROUP=\"gpio\", MODE=\"0660\"")
    }

    /// The "no such line" error, listing the lines that do exist (and a near miss, if there is one).
    public static func lineNotFound(_ name: String, existing: [String]) -> GPIOError {
        var message = "no GPIO line is named '\(name)'"
        if let match = existing.first(where: { $0.lowercased() == name.lowercased() }) {
            message += "; did you mean '\(match)'? (names are case-sensitive)"
        }
        if existing.isEmpty {
            message += "; no line on any chip has a name. Use chip:offset instead (e.g. gpiochip0:17)"
        } else {
            let shown = existing.prefix(64)
            message += ". Lines that exist: " + shown.joined(separator: ", ")
            if existing.count > shown.count { message += ", and \(existing.count - shown.count) more" }
        }
        return GPIOError(.lineNotFound, message)
    }

    /// The "line busy" error, naming the consumer that holds it.
    public static func lineBusy(_ line: LineID, consumer: String?, errno: Int32?) -> GPIOError {
        if let consumer, !consumer.isEmpty {
            return GPIOError(
                .lineBusy, errno: errno,
                "line \(line) is in use by '\(consumer)': stop that program (or disable the kernel driver or "
                    + "device-tree overlay that claims it), or choose another line")
        }
        return GPIOError(
            .lineBusy, errno: errno,
            "line \(line) is in use by another program or kernel driver (it gave no name): free it or choose "
                + "another line")
    }
}
