// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

import Synchronization
import Threads

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// GPIO through the kernel's character devices (`/dev/gpiochipN`) and libgpiod's v2 API.
///
/// Lines are found by name on every chip (so `GPIO17` works on a Pi 4, where the header is `gpiochip0`,
/// and on a Pi 5, where it is `gpiochip4` or `gpiochip0` depending on the kernel), or by `chip:offset`.
/// Chips are opened only while a line is looked up or requested; a request outlives its chip, as in
/// libgpiod's own `gpiomon`.
public struct LibgpiodBackend: GPIOBackend {
    /// The directory searched for `gpiochip*` devices.
    public let deviceDirectory: String

    /// libgpiod's version at run time (`gpiod_api_version()`).
    public static var apiVersion: String { libgpiodAPIVersion() }

    /// A backend over the chips in `deviceDirectory`. Throws ``GPIOError/Code/unsupportedLibrary`` when the
    /// loaded libgpiod is not a 2.x release.
    public init(deviceDirectory: String = "/dev") throws(GPIOError) {
        try Self.checkVersion(Self.apiVersion)
        self.deviceDirectory = deviceDirectory
    }

    /// Refuses libgpiod 1.x (a different API) and anything that does not look like a version.
    static func checkVersion(_ version: String) throws(GPIOError) {
        let major = version.split(separator: ".").first.flatMap { Int($0) }
        guard let major, major >= 2 else {
            throw GPIOError(
                .unsupportedLibrary,
                "livevoiced needs libgpiod 2.x (the v2 API), but the loaded library reports '\(version)'. "
                    + "Install libgpiod3 2.x: Debian 13 and Raspberry Pi OS trixie ship it; on Debian 12 take it "
                    + "from bookworm-backports")
        }
    }

    public var description: String { "libgpiod \(Self.apiVersion) (\(deviceDirectory)/gpiochip*)" }

    // MARK: Chips

    /// The GPIO chip devices, in chip-number order, and the `gpiochip*` entries that are not GPIO chips.
    func chipPaths() -> (chips: [String], rejected: [String]) {
        guard let directory = opendir(deviceDirectory) else { return ([], []) }
        defer { closedir(directory) }
        var names: [String] = []
        while let entry = readdir(directory) {
            let name = withUnsafePointer(to: &entry.pointee.d_name) {
                String(cString: UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self))
            }
            if name.hasPrefix("gpiochip") { names.append(name) }
        }
        names.sort { (Int($0.dropFirst(8)) ?? .max, $0) < (Int($1.dropFirst(8)) ?? .max, $1) }
        var chips: [String] = []
        var rejected: [String] = []
        for name in names {
            let path = deviceDirectory + "/" + name
            if isGPIOChipDevice(path) { chips.append(path) } else { rejected.append(path) }
        }
        return (chips, rejected)
    }

    private func noChipsError(rejected: [String]) -> GPIOError {
        var message = "no GPIO chip found: \(deviceDirectory) has no gpiochip device"
        if !rejected.isEmpty {
            message += " (\(rejected.joined(separator: ", ")) exist but are not GPIO character devices)"
        }
        message += ". This machine has no GPIO controller that the kernel knows of (usual on a PC, a VM or a "
            + "container). On a Raspberry Pi, check `ls -l /dev/gpiochip*` and that the kernel's GPIO driver loaded"
        return GPIOError(.noChips, message)
    }

    public func chips() throws(GPIOError) -> [ChipInfo] {
        var result: [ChipInfo] = []
        for path in chipPaths().chips {
            let chip = try ChipHandle(path: path)
            let info = try chip.info()
            var lines: [LineInfo] = []
            for offset in 0..<info.lineCount {
                lines.append(try chip.lineInfo(offset: offset, chipName: info.name))
            }
            result.append(ChipInfo(name: info.name, label: info.label, path: path, lines: lines))
        }
        return result
    }

    /// Finds `address`: the open chip it is on, its offset and its identity.
    private func resolve(_ address: LineAddress) throws(GPIOError) -> (chip: ChipHandle, id: LineID) {
        let (paths, rejected) = chipPaths()
        guard !paths.isEmpty else { throw noChipsError(rejected: rejected) }
        switch address {
        case .name(let name):
            var existing: [String] = []
            for path in paths {
                let chip = try ChipHandle(path: path)
                if let offset = chip.offset(ofLineNamed: name) {
                    return (chip, LineID(chip: try chip.info().name, offset: offset, name: name))
                }
                let info = try chip.info()
                for offset in 0..<info.lineCount {
                    if let lineName = try chip.lineInfo(offset: offset, chipName: info.name).id.name {
                        existing.append(lineName)
                    }
                }
            }
            throw GPIOError.lineNotFound(name, existing: existing)
        case .chipOffset(let chipName, let offset):
            let path = deviceDirectory + "/" + chipName
            guard paths.contains(path) else {
                let names = paths.map { String($0.split(separator: "/").last ?? "") }
                throw GPIOError(
                    .chipNotFound, "there is no GPIO chip \(chipName); chips that exist: \(names.joined(separator: ", "))")
            }
            let chip = try ChipHandle(path: path)
            let info = try chip.info()
            guard offset < info.lineCount else {
                throw GPIOError(
                    .lineNotFound,
                    "\(chipName) has \(info.lineCount) lines (offsets 0 to \(info.lineCount - 1)); offset \(offset) "
                        + "does not exist")
            }
            let name = try chip.lineInfo(offset: offset, chipName: info.name).id.name
            return (chip, LineID(chip: info.name, offset: offset, name: name))
        }
    }

    public func lineInfo(_ address: LineAddress) throws(GPIOError) -> LineInfo {
        let (chip, id) = try resolve(address)
        return try chip.lineInfo(offset: id.offset, chipName: id.chip)
    }

    // MARK: Requests

    public func requestInput(_ address: LineAddress, settings: InputSettings) throws(GPIOError) -> any GPIOInputLine {
        let (chip, id) = try resolve(address)
        let request = try chip.request(offset: id.offset, settings: try LineSettingsHandle(input: settings), line: id)
        return try LibgpiodInput(id: id, request: request)
    }

    public func requestOutput(_ address: LineAddress, settings: OutputSettings) throws(GPIOError) -> any GPIOOutputLine {
        let (chip, id) = try resolve(address)
        let request = try chip.request(offset: id.offset, settings: try LineSettingsHandle(output: settings), line: id)
        return LibgpiodOutput(id: id, request: request)
    }
}

/// A requested input: the request and its event buffer, used under a lock because libgpiod objects are not
/// thread-safe; the request is released on deinit.
private final class LibgpiodInput: GPIOInputLine {
    private final class Handles {
        let request: LineRequestHandle
        let buffer: EdgeEventBufferHandle
        init(request: LineRequestHandle, buffer: EdgeEventBufferHandle) {
            self.request = request
            self.buffer = buffer
        }
    }

    let id: LineID
    /// nil once released.
    private let handles: Mutex<Handles?>
    private let fd: Int32
    private let wakeSignal: EventSignal

    init(id: LineID, request: sending LineRequestHandle) throws(GPIOError) {
        self.id = id
        fd = request.fd
        wakeSignal = try makeWakeSignal()
        handles = Mutex(Handles(request: request, buffer: try EdgeEventBufferHandle(capacity: 64)))
    }

    func value() throws(GPIOError) -> Bool {
        try handles.withLock { handles throws(GPIOError) in
            guard let handles else { throw GPIOError.released(id) }
            return try handles.request.value(line: id)
        }
    }

    func readEdgeEvents(timeout: Duration?) throws(GPIOError) -> [EdgeEvent] {
        guard handles.withLock({ $0 != nil }) else { throw GPIOError.released(id) }
        guard try waitReadable(fd, wake: wakeSignal, timeout: timeout) else { return [] }
        return try handles.withLock { handles throws(GPIOError) in
            guard let handles else { throw GPIOError.released(id) }
            var events: [EdgeEvent] = []
            while true {
                let batch = try handles.request.readEdgeEvents(into: handles.buffer, line: id)
                events += batch
                // A full batch may mean more are queued; read them only if the fd says so (never block).
                guard batch.count == handles.buffer.capacity,
                    try waitReadable(fd, wake: wakeSignal, timeout: .zero)
                else { break }
            }
            return events
        }
    }

    func wake() { wakeSignal.signal() }

    func release() { handles.withLock { $0 = nil } }
}

/// A requested output; the request is released by ``release()`` or on deinit (the line keeps its last value).
private final class LibgpiodOutput: GPIOOutputLine {
    let id: LineID
    /// nil once released.
    private let request: Mutex<LineRequestHandle?>

    init(id: LineID, request: sending LineRequestHandle) {
        self.id = id
        self.request = Mutex(request)
    }

    func set(_ active: Bool) throws(GPIOError) {
        try request.withLock { request throws(GPIOError) in
            guard let request else { throw GPIOError.released(id) }
            try request.set(active, line: id)
        }
    }

    func value() throws(GPIOError) -> Bool {
        try request.withLock { request throws(GPIOError) in
            guard let request else { throw GPIOError.released(id) }
            return try request.value(line: id)
        }
    }

    func release() { request.withLock { $0 = nil } }
}

extension GPIOError {
    /// A call on a line after ``GPIOInputLine/release()``.
    static func released(_ line: LineID) -> GPIOError {
        GPIOError(.released, "\(line) was released; request it again")
    }
}
