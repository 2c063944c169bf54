// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The result of running the built `livevoiced`.
private struct Run {
    var status: Int32
    var stdout: String
    var stderr: String
}

/// The `livevoiced` executable next to this test bundle (SwiftPM puts both in the same build directory).
private let livevoicedPath: String? = {
    var buffer = [CChar](repeating: 0, count: 4096)
    let count = readlink("/proc/self/exe", &buffer, buffer.count - 1)
    guard count > 0 else { return nil }
    let exe = String(decoding: buffer[0..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    guard let slash = exe.lastIndex(of: "/") else { return nil }
    let path = String(exe[..<slash]) + "/livevoiced"
    return access(path, X_OK) == 0 ? path : nil
}()

/// The package's root directory, from this file's path.
private let packageRoot: String = {
    var parts = #filePath.split(separator: "/", omittingEmptySubsequences: false)
    parts.removeLast(3)
    return parts.joined(separator: "/")
}()

private func readAll(_ fd: Int32) -> String {
    var bytes: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 4096)
    while true {
        let count = read(fd, &buffer, buffer.count)
        if count < 0, errno == EINTR { continue }
        if count <= 0 { break }
        bytes += buffer[0..<count]
    }
    return String(decoding: bytes, as: UTF8.self)
}

/// Runs `livevoiced` with `arguments` (stdin from /dev/null) and collects its output.
private func livevoiced(_ arguments: [String], environment: [String] = []) throws -> Run {
    let path = try #require(livevoicedPath, "the livevoiced executable was not built next to the tests")
    var outPipe: [Int32] = [0, 0]
    var errPipe: [Int32] = [0, 0]
    guard pipe(&outPipe) == 0, pipe(&errPipe) == 0 else { throw CLIError.pipe }
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
    posix_spawn_file_actions_adddup2(&actions, outPipe[1], 1)
    posix_spawn_file_actions_adddup2(&actions, errPipe[1], 2)
    posix_spawn_file_actions_addclose(&actions, outPipe[0])
    posix_spawn_file_actions_addclose(&actions, errPipe[0])
    let argv = ([path] + arguments).map { strdup($0) } + [nil]
    defer { argv.forEach { free($0) } }
    let env = (["PATH=/usr/bin:/bin", "LANG=C.UTF-8"] + environment).map { strdup($0) } + [nil]
    defer { env.forEach { free($0) } }
    var pid: pid_t = 0
    let spawned = posix_spawn(&pid, path, &actions, nil, argv, env)
    close(outPipe[1])
    close(errPipe[1])
    defer {
        close(outPipe[0])
        close(errPipe[0])
    }
    guard spawned == 0 else { throw CLIError.spawn(spawned) }
    let out = readAll(outPipe[0])
    let err = readAll(errPipe[0])
    var status: Int32 = 0
    while waitpid(pid, &status, 0) < 0, errno == EINTR {}
    return Run(status: (status >> 8) & 0xFF, stdout: out, stderr: err)
}

private enum CLIError: Error {
    case pipe
    case spawn(Int32)
}

private func noChipHere() -> Bool {
    guard let directory = opendir("/dev") else { return true }
    defer { closedir(directory) }
    while let entry = readdir(directory) {
        let name = withUnsafePointer(to: &entry.pointee.d_name) {
            String(cString: UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self))
        }
        if name.hasPrefix("gpiochip") { return false }
    }
    return true
}

@Suite("livevoiced gpio (the built binary)")
struct GPIOCLITests {
    let example = packageRoot + "/board/examples/tools.toml"

    @Test("gpio info says clearly that this machine has no GPIO chip", .enabled(if: noChipHere()))
    func infoWithoutChips() throws {
        let run = try livevoiced(["gpio", "info"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("GPIO backend: libgpiod 2."))
        #expect(run.stdout.contains("No GPIO chip found: this machine has no /dev/gpiochip* device"))
    }

    @Test("gpio set without a chip fails with the backend's explanation", .enabled(if: noChipHere()))
    func setWithoutChips() throws {
        let run = try livevoiced(["gpio", "set", "GPIO27", "1"])
        #expect(run.status == 1)
        #expect(run.stderr.hasPrefix("error: no GPIO chip found: /dev has no gpiochip device."))
    }

    @Test("gpio info --simulated --config lists the lines and which tool uses them")
    func infoSimulated() throws {
        let run = try livevoiced(["gpio", "info", "--simulated", "--config", example])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("gpiochip0 - 28 lines (simulated, (simulated)):"))
        #expect(run.stdout.contains("  garage_door (pulse GPIO27): GPIO27 (gpiochip0:27): free"))
    }

    @Test("gpio action runs a tool like a model's call and prints the result; a bad call exits 1")
    func action() throws {
        let pulse = try livevoiced(
            ["gpio", "action", "--config", example, "garage_door", "{\"duration_ms\": 50}"],
            environment: ["LIVEVOICED_GPIO_SIMULATED=1"])
        #expect(pulse.status == 0, "\(pulse.stderr)")
        #expect(pulse.stdout.contains("\"ok\":true"))
        #expect(pulse.stdout.contains("\"message\":\"garage_door pulsed for 50 ms"))

        let bad = try livevoiced(
            ["gpio", "action", "--simulated", "--config", example, "garage_door", "{\"duration_ms\": 5000}"])
        #expect(bad.status == 1)
        #expect(bad.stdout.contains("\"error\":\"garage_door: 'duration_ms' must be at most 1000, got 5000\""))

        let unknown = try livevoiced(["gpio", "action", "--simulated", "--config", example, "sprinkler"])
        #expect(unknown.status == 1)
        #expect(unknown.stdout.contains("unknown tool 'sprinkler'; available tools: garage_door, desk_lamp"))
    }

    @Test("gpio action names the key path and line of a configuration mistake")
    func configError() throws {
        let path = "/tmp/livevoiced-gpio-cli-\(getpid()).toml"
        let text = "[[tools]]\nname = \"lamp\"\ndescription = \"A lamp.\"\n[tools.action]\nkind = \"set\"\nline = \"GPIO5\"\nmax_pulse_ms = \"9\"\n"
        let file = try #require(fopen(path, "w"))
        fputs(text, file)
        fclose(file)
        defer { unlink(path) }
        let run = try livevoiced(["gpio", "action", "--simulated", "--config", path, "lamp", "{\"on\":true}"])
        #expect(run.status == 1)
        #expect(
            run.stderr.contains(
                "\(path): tools[0].action.max_pulse_ms (line 7): max_pulse_ms does not apply to a set action (only to: pulse)"))
    }

    @Test("gpio led and set work on the simulated board; a bad pattern is a usage error")
    func ledAndSet() throws {
        let set = try livevoiced(["gpio", "set", "--simulated", "GPIO22", "1"])
        #expect(set.stdout == "GPIO22 (gpiochip0:22) set to 1; reads back 1\n")
        let led = try livevoiced(["gpio", "led", "--simulated", "GPIO18", "fast-blink", "--seconds", "0.3"])
        #expect(led.status == 0, "\(led.stderr)")
        #expect(led.stdout.contains("Done; the LED is off."))
        let bad = try livevoiced(["gpio", "led", "--simulated", "GPIO18", "blinky"])
        #expect(bad.status == 64)
        #expect(bad.stderr.contains("unknown pattern 'blinky'; choose one of: off, on, slow-blink, fast-blink, pulse, ack"))
    }
}
