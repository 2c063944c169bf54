// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

import Time
internal import CGPIOD

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

// One Swift type per libgpiod object; each frees its object in deinit, and none leaves this module.
// None is thread-safe (libgpiod objects are not), so none is Sendable: the line handles keep them in a Mutex.

/// Owns a `struct gpiod_chip *` (an open `/dev/gpiochipN`); `gpiod_chip_close` on deinit.
final class ChipHandle {
    let pointer: OpaquePointer
    let path: String

    init(path: String) throws(GPIOError) {
        guard let pointer = gpiod_chip_open(path) else {
            throw Self.openError(errno, path: path)
        }
        self.pointer = pointer
        self.path = path
    }

    deinit { gpiod_chip_close(pointer) }

    static func openError(_ code: Int32, path: String) -> GPIOError {
        switch code {
        case EACCES, EPERM:
            return .permissionDenied(path: path, errno: code)
        case ENOENT:
            return GPIOError(.chipNotFound, errno: code, "\(path) does not exist")
        case ENODEV, ENOTTY:
            return GPIOError(.chipNotFound, errno: code, "\(path) is not a GPIO chip (not a gpiochip character device)")
        default:
            return GPIOError(.ioError, errno: code, "cannot open \(path): \(errorText(code))")
        }
    }

    /// The chip's name, label and number of lines (`gpiod_chip_get_info`, freed at once).
    func info() throws(GPIOError) -> (name: String, label: String, lineCount: Int) {
        guard let info = gpiod_chip_get_info(pointer) else {
            let code = errno
            throw GPIOError(.ioError, errno: code, "cannot read the chip info of \(path): \(errorText(code))")
        }
        defer { gpiod_chip_info_free(info) }
        return (
            String(cString: gpiod_chip_info_get_name(info)), String(cString: gpiod_chip_info_get_label(info)),
            gpiod_chip_info_get_num_lines(info)
        )
    }

    /// What the kernel says about line `offset` (`gpiod_chip_get_line_info`, freed at once).
    func lineInfo(offset: Int, chipName: String) throws(GPIOError) -> LineInfo {
        guard let info = gpiod_chip_get_line_info(pointer, UInt32(offset)) else {
            let code = errno
            throw GPIOError(
                .ioError, errno: code, "cannot read line \(offset) of \(path): \(errorText(code))")
        }
        defer { gpiod_line_info_free(info) }
        let name = gpiod_line_info_get_name(info).map { String(cString: $0) }
        let consumer = gpiod_line_info_get_consumer(info).map { String(cString: $0) }
        let bias: LineBias
        switch gpiod_line_info_get_bias(info) {
        case GPIOD_LINE_BIAS_PULL_UP: bias = .pullUp
        case GPIOD_LINE_BIAS_PULL_DOWN: bias = .pullDown
        case GPIOD_LINE_BIAS_DISABLED: bias = .disabled
        default: bias = .unknown
        }
        let edges: EdgeDetection
        switch gpiod_line_info_get_edge_detection(info) {
        case GPIOD_LINE_EDGE_RISING: edges = .rising
        case GPIOD_LINE_EDGE_FALLING: edges = .falling
        case GPIOD_LINE_EDGE_BOTH: edges = .both
        default: edges = .none
        }
        let debounce = gpiod_line_info_is_debounced(info)
            ? Duration.microseconds(Int64(gpiod_line_info_get_debounce_period_us(info))) : nil
        return LineInfo(
            id: LineID(chip: chipName, offset: offset, name: name?.isEmpty == true ? nil : name),
            direction: gpiod_line_info_get_direction(info) == GPIOD_LINE_DIRECTION_OUTPUT ? .output : .input,
            isUsed: gpiod_line_info_is_used(info), consumer: consumer,
            activeLow: gpiod_line_info_is_active_low(info), bias: bias, edges: edges, debounce: debounce)
    }

    /// The offset of the line called `name` on this chip, or nil.
    func offset(ofLineNamed name: String) -> Int? {
        let offset = gpiod_chip_get_line_offset_from_name(pointer, name)
        return offset >= 0 ? Int(offset) : nil
    }

    /// Requests one line with `settings` for the consumer `livevoiced` (`gpiod_chip_request_lines`).
    func request(offset: Int, settings: LineSettingsHandle, line: LineID) throws(GPIOError) -> LineRequestHandle {
        let lineConfig = try LineConfigHandle()
        var offsets = [UInt32(offset)]
        guard gpiod_line_config_add_line_settings(lineConfig.pointer, &offsets, 1, settings.pointer) == 0 else {
            let code = errno
            throw GPIOError(.invalidSettings, errno: code, "libgpiod refused the settings for \(line): \(errorText(code))")
        }
        let requestConfig = try RequestConfigHandle(consumer: gpioConsumerName)
        guard let request = gpiod_chip_request_lines(pointer, requestConfig.pointer, lineConfig.pointer) else {
            let code = errno
            switch code {
            case EBUSY:
                let consumer = try? lineInfo(offset: offset, chipName: line.chip).consumer
                throw GPIOError.lineBusy(line, consumer: consumer ?? nil, errno: code)
            case EACCES, EPERM:
                throw GPIOError.permissionDenied(path: path, errno: code)
            case EINVAL, EOPNOTSUPP, ENOTSUP:
                throw GPIOError(
                    .invalidSettings, errno: code,
                    "the driver of \(line.chip) refused the settings for \(line) (\(errorText(code))): it may not "
                        + "support the requested bias, drive or debounce; try bias = \"as-is\" or an external "
                        + "resistor")
            default:
                throw GPIOError(.ioError, errno: code, "cannot request \(line): \(errorText(code))")
            }
        }
        return LineRequestHandle(pointer: request, offset: UInt32(offset))
    }
}

/// Owns a `struct gpiod_line_settings *`; `gpiod_line_settings_free` on deinit.
final class LineSettingsHandle {
    let pointer: OpaquePointer

    init() throws(GPIOError) {
        guard let pointer = gpiod_line_settings_new() else {
            throw GPIOError(.ioError, errno: errno, "out of memory allocating GPIO line settings")
        }
        self.pointer = pointer
    }

    deinit { gpiod_line_settings_free(pointer) }

    convenience init(input: InputSettings) throws(GPIOError) {
        try self.init()
        gpiod_line_settings_set_direction(pointer, GPIOD_LINE_DIRECTION_INPUT)
        let bias: gpiod_line_bias
        switch input.bias {
        case .asIs, .unknown: bias = GPIOD_LINE_BIAS_AS_IS
        case .disabled: bias = GPIOD_LINE_BIAS_DISABLED
        case .pullUp: bias = GPIOD_LINE_BIAS_PULL_UP
        case .pullDown: bias = GPIOD_LINE_BIAS_PULL_DOWN
        }
        gpiod_line_settings_set_bias(pointer, bias)
        gpiod_line_settings_set_active_low(pointer, input.activeLow)
        let edge: gpiod_line_edge
        switch input.edges {
        case .none: edge = GPIOD_LINE_EDGE_NONE
        case .rising: edge = GPIOD_LINE_EDGE_RISING
        case .falling: edge = GPIOD_LINE_EDGE_FALLING
        case .both: edge = GPIOD_LINE_EDGE_BOTH
        }
        gpiod_line_settings_set_edge_detection(pointer, edge)
        gpiod_line_settings_set_event_clock(pointer, GPIOD_LINE_CLOCK_MONOTONIC)
        if let debounce = input.kernelDebounce {
            let microseconds = max(0, debounce.nanosecondsClamped / 1000)
            gpiod_line_settings_set_debounce_period_us(pointer, UInt(clamping: microseconds))
        }
    }

    convenience init(output: OutputSettings) throws(GPIOError) {
        try self.init()
        gpiod_line_settings_set_direction(pointer, GPIOD_LINE_DIRECTION_OUTPUT)
        gpiod_line_settings_set_active_low(pointer, output.activeLow)
        let drive: gpiod_line_drive
        switch output.drive {
        case .pushPull: drive = GPIOD_LINE_DRIVE_PUSH_PULL
        case .openDrain: drive = GPIOD_LINE_DRIVE_OPEN_DRAIN
        case .openSource: drive = GPIOD_LINE_DRIVE_OPEN_SOURCE
        }
        gpiod_line_settings_set_drive(pointer, drive)
        gpiod_line_settings_set_output_value(
            pointer, output.initialValue ? GPIOD_LINE_VALUE_ACTIVE : GPIOD_LINE_VALUE_INACTIVE)
    }
}

/// Owns a `struct gpiod_line_config *`; `gpiod_line_config_free` on deinit.
final class LineConfigHandle {
    let pointer: OpaquePointer

    init() throws(GPIOError) {
        guard let pointer = gpiod_line_config_new() else {
            throw GPIOError(.ioError, errno: errno, "out of memory allocating a GPIO line config")
        }
        self.pointer = pointer
    }

    deinit { gpiod_line_config_free(pointer) }
}

/// Owns a `struct gpiod_request_config *`; `gpiod_request_config_free` on deinit.
final class RequestConfigHandle {
    let pointer: OpaquePointer

    init(consumer: String) throws(GPIOError) {
        guard let pointer = gpiod_request_config_new() else {
            throw GPIOError(.ioError, errno: errno, "out of memory allocating a GPIO request config")
        }
        self.pointer = pointer
        gpiod_request_config_set_consumer(pointer, consumer)
    }

    deinit { gpiod_request_config_free(pointer) }
}

/// Owns a `struct gpiod_edge_event_buffer *`; `gpiod_edge_event_buffer_free` on deinit.
final class EdgeEventBufferHandle {
    let pointer: OpaquePointer
    let capacity: Int

    init(capacity: Int) throws(GPIOError) {
        guard let pointer = gpiod_edge_event_buffer_new(capacity) else {
            throw GPIOError(.ioError, errno: errno, "out of memory allocating a GPIO event buffer")
        }
        self.pointer = pointer
        self.capacity = capacity
    }

    deinit { gpiod_edge_event_buffer_free(pointer) }
}

/// Owns a `struct gpiod_line_request *` (one requested line); `gpiod_line_request_release` on deinit,
/// which gives the line back to the kernel.
final class LineRequestHandle {
    let pointer: OpaquePointer
    let offset: UInt32

    init(pointer: OpaquePointer, offset: UInt32) {
        self.pointer = pointer
        self.offset = offset
    }

    deinit { gpiod_line_request_release(pointer) }

    var fd: Int32 { gpiod_line_request_get_fd(pointer) }

    func value(line: LineID) throws(GPIOError) -> Bool {
        let value = gpiod_line_request_get_value(pointer, offset)
        if value == GPIOD_LINE_VALUE_ERROR {
            let code = errno
            throw GPIOError(.ioError, errno: code, "cannot read \(line): \(errorText(code))")
        }
        return value == GPIOD_LINE_VALUE_ACTIVE
    }

    func set(_ active: Bool, line: LineID) throws(GPIOError) {
        if gpiod_line_request_set_value(pointer, offset, active ? GPIOD_LINE_VALUE_ACTIVE : GPIOD_LINE_VALUE_INACTIVE)
            != 0
        {
            let code = errno
            throw GPIOError(.ioError, errno: code, "cannot set \(line): \(errorText(code))")
        }
    }

    /// Reads the pending edge events into `buffer` (never blocks after a poll said the fd is readable).
    func readEdgeEvents(into buffer: EdgeEventBufferHandle, line: LineID) throws(GPIOError) -> [EdgeEvent] {
        let count = gpiod_line_request_read_edge_events(pointer, buffer.pointer, buffer.capacity)
        if count < 0 {
            let code = errno
            throw GPIOError(.ioError, errno: code, "cannot read edge events of \(line): \(errorText(code))")
        }
        var events: [EdgeEvent] = []
        events.reserveCapacity(Int(count))
        for index in 0..<Int(count) {
            guard let event = gpiod_edge_event_buffer_get_event(buffer.pointer, UInt(index)) else { continue }
            events.append(
                EdgeEvent(
                    kind: gpiod_edge_event_get_event_type(event) == GPIOD_EDGE_EVENT_RISING_EDGE ? .rising : .falling,
                    timestamp: Timestamp(nanoseconds: Int64(clamping: gpiod_edge_event_get_timestamp_ns(event))),
                    offset: Int(gpiod_edge_event_get_line_offset(event)),
                    lineSequence: Int(clamping: gpiod_edge_event_get_line_seqno(event))))
        }
        return events
    }
}

@available(*, unavailable) extension ChipHandle: Sendable {}
@available(*, unavailable) extension LineSettingsHandle: Sendable {}
@available(*, unavailable) extension LineConfigHandle: Sendable {}
@available(*, unavailable) extension RequestConfigHandle: Sendable {}
@available(*, unavailable) extension EdgeEventBufferHandle: Sendable {}
@available(*, unavailable) extension LineRequestHandle: Sendable {}

/// libgpiod's version string (`gpiod_api_version`), e.g. `2.1.3`.
func libgpiodAPIVersion() -> String { String(cString: gpiod_api_version()) }

/// Whether `path` is a GPIO chip character device (`gpiod_is_gpiochip_device`).
func isGPIOChipDevice(_ path: String) -> Bool { gpiod_is_gpiochip_device(path) }
