// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

import Testing

@testable import GPIO

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A fresh empty directory under /tmp, removed by the caller.
private func makeTemporaryDirectory() throws -> String {
    var template = Array("/tmp/livevoiced-gpio-XXXXXX".utf8CString)
    let path = try template.withUnsafeMutableBufferPointer { buffer -> String in
        guard let result = mkdtemp(buffer.baseAddress!) else { throw GPIOError(.ioError, "mkdtemp failed") }
        return String(cString: result)
    }
    return path
}

private func openDescriptorCount() -> Int {
    guard let directory = opendir("/proc/self/fd") else { return -1 }
    defer { closedir(directory) }
    var count = 0
    while readdir(directory) != nil { count += 1 }
    return count
}

private func thrownError(_ body: () throws(GPIOError) -> Void) -> GPIOError? {
    do {
        try body()
        return nil
    } catch {
        return error
    }
}

@Suite("libgpiod backend where no chip exists")
struct LibgpiodBackendTests {
    @Test("the loaded libgpiod is a 2.x release, and 1.x is refused with a clear message")
    func version() throws {
        #expect(LibgpiodBackend.apiVersion.hasPrefix("2."))
        _ = try LibgpiodBackend()
        let error = thrownError { () throws(GPIOError) in try LibgpiodBackend.checkVersion("1.6.3") }
        #expect(error?.code == .unsupportedLibrary)
        #expect(error?.message.contains("needs libgpiod 2.x") == true)
        #expect(error?.message.contains("'1.6.3'") == true)
    }

    @Test("a directory without gpiochip devices: no chips listed, and requests say no chip exists")
    func noChips() throws {
        let directory = try makeTemporaryDirectory()
        defer { rmdir(directory) }
        let backend = try LibgpiodBackend(deviceDirectory: directory)
        #expect(try backend.chips().isEmpty)
        let error = thrownError { () throws(GPIOError) in
            _ = try backend.requestInput(.name("GPIO17"), settings: InputSettings(edges: .both))
        }
        #expect(error?.code == .noChips)
        #expect(error?.message.hasPrefix("no GPIO chip found: \(directory) has no gpiochip device.") == true)
        let output = thrownError { () throws(GPIOError) in
            _ = try backend.requestOutput(.chipOffset(chip: "gpiochip0", offset: 3), settings: OutputSettings())
        }
        #expect(output?.code == .noChips)
    }

    @Test("a gpiochip entry that is not a GPIO device is named in the error")
    func fakeChip() throws {
        let directory = try makeTemporaryDirectory()
        let fake = directory + "/gpiochip0"
        let fd = open(fake, O_CREAT | O_WRONLY, 0o600)
        close(fd)
        defer {
            unlink(fake)
            rmdir(directory)
        }
        let backend = try LibgpiodBackend(deviceDirectory: directory)
        #expect(try backend.chips().isEmpty)
        let error = thrownError { () throws(GPIOError) in _ = try backend.lineInfo(.name("GPIO17")) }
        #expect(error?.code == .noChips)
        #expect(error?.message.contains("\(fake) exist but are not GPIO character devices") == true)
    }

    /// Whether this machine has no GPIO chip (a board with GPIO is covered by the rig instead).
    static var machineHasNoChip: Bool { (try? LibgpiodBackend().chipPaths().chips.isEmpty) ?? false }

    @Test("this machine's /dev: when it has no gpiochip, the backend says so", .enabled(if: machineHasNoChip))
    func realDev() throws {
        let backend = try LibgpiodBackend()
        #expect(try backend.chips().isEmpty)
        let error = thrownError { () throws(GPIOError) in
            _ = try backend.requestOutput(.name("GPIO27"), settings: OutputSettings())
        }
        #expect(error?.code == .noChips)
        #expect(error?.message.contains("no GPIO chip found: /dev has no gpiochip device") == true)
    }

    @Test("opening something that is not a GPIO chip fails clearly and leaks no descriptor")
    func openErrors() throws {
        let before = openDescriptorCount()
        for _ in 0..<200 {
            let notChip = thrownError { () throws(GPIOError) in _ = try ChipHandle(path: "/dev/null") }
            #expect(notChip?.code == .chipNotFound)
            #expect(notChip?.message == "/dev/null is not a GPIO chip (not a gpiochip character device)")
            let missing = thrownError { () throws(GPIOError) in _ = try ChipHandle(path: "/dev/gpiochip99") }
            #expect(missing?.code == .chipNotFound)
            #expect(missing?.errno == ENOENT)
        }
        // Other tests run in parallel, so allow a little noise; one leaked descriptor per call would be +400.
        #expect(openDescriptorCount() - before < 50)
    }

    @Test("permission errors say which group to join and which udev rule to install")
    func permission() {
        let error = ChipHandle.openError(EACCES, path: "/dev/gpiochip0")
        #expect(error.code == .permissionDenied)
        #expect(error.errno == EACCES)
        #expect(error.message.contains("permission denied opening /dev/gpiochip0"))
        #expect(error.message.contains("sudo usermod -aG gpio $USER"))
        #expect(error.message.contains("SUBSYSTEM==\"gpio\", KERNEL==\"gpiochip*\", GROUP=\"gpio\", MODE=\"0660\""))
    }
}

@Suite("line addresses")
struct LineAddressTests {
    @Test("names, chip:offset and number:offset")
    func parsing() {
        #expect(LineAddress("GPIO17") == .name("GPIO17"))
        #expect(LineAddress("gpiochip4:17") == .chipOffset(chip: "gpiochip4", offset: 17))
        #expect(LineAddress("0:5") == .chipOffset(chip: "gpiochip0", offset: 5))
        #expect(LineAddress("ID_SD:1") == .name("ID_SD:1"))
        #expect(LineAddress("gpiochip0:x") == .name("gpiochip0:x"))
        #expect(LineID(chip: "gpiochip0", offset: 17, name: "GPIO17").description == "GPIO17 (gpiochip0:17)")
        #expect(LineID(chip: "gpiochip0", offset: 3, name: nil).description == "gpiochip0:3")
    }
}
