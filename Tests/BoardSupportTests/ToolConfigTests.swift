// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

import GPIO
import TOML
import Testing

@testable import BoardSupport

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The package's root directory, from this file's path.
let packageRoot: String = {
    var parts = #filePath.split(separator: "/", omittingEmptySubsequences: false)
    parts.removeLast(3)  // Tests/BoardSupportTests/ToolConfigTests.swift
    return parts.joined(separator: "/")
}()

func readFile(_ path: String) throws -> String {
    guard let file = fopen(path, "r") else { throw GPIOError(.ioError, "cannot open \(path)") }
    defer { fclose(file) }
    var bytes: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 4096)
    while true {
        let count = fread(&buffer, 1, buffer.count, file)
        if count <= 0 { break }
        bytes += buffer[0..<count]
    }
    return String(decoding: bytes, as: UTF8.self)
}

private func configError(_ text: String) -> TOMLDecodingError? {
    do {
        _ = try ToolsConfig.parse(text)
        return nil
    } catch {
        return error
    }
}

private let lamp = """
    [[tools]]
    name = "lamp"
    description = "Switches the lamp."

    [tools.action]
    kind = "set"
    line = "RELAY"
    """

@Suite("tools configuration")
struct ToolConfigTests {
    @Test("the example in board/examples decodes, with defaults and locations")
    func example() throws {
        let config = try ToolsConfig.parse(try readFile(packageRoot + "/board/examples/tools.toml"))
        #expect(config.tools.map(\.name) == ["garage_door", "desk_lamp", "fan", "front_door_open", "doorbell_chime"])
        let door = config.tools[0]
        #expect(door.action == ActionConfig(kind: .pulse, line: "GPIO27", pulseMs: 500, maxPulseMs: 1000, minIntervalMs: 5000))
        #expect(door.location == ToolConfig.Location(index: 0, line: 22, actionLine: 28))
        #expect(door.parameters.property("duration_ms")?.maximum == 1000)
        #expect(config.tools[1].action.activeLow)
        #expect(config.tools[1].action.autoOffMs == 3_600_000)
        #expect(config.tools[1].parameters.required == ["on"])
        #expect(config.tools[2].action.minIntervalMs == 2000)
        #expect(config.tools[3].action.bias == .pullUp)
        #expect(config.tools[3].parameters == .noArguments)
        #expect(config.tools[4].parameters.property("duration_ms")?.minimum == 100)
    }

    @Test("a wrong type names the key path and the line")
    func wrongType() throws {
        let error = try #require(configError(lamp + "\nmin_interval_ms = \"500\"\n"))
        #expect(error.description == "tools[0].action.min_interval_ms (line 8): expected an integer, found string")
    }

    @Test("limits are checked where they are written")
    func limits() throws {
        let pulse = lamp.replacingKind("pulse") + "\npulse_ms = 1500\nmax_pulse_ms = 1000\n"
        #expect(
            configError(pulse)?.description
                == "tools[0].action.pulse_ms (line 8): pulse_ms must be from 1 to max_pulse_ms (1000), found 1500")
        #expect(
            configError(lamp.replacingKind("pulse") + "\nmax_pulse_ms = 3600000\n")?.description
                == "tools[0].action.max_pulse_ms (line 8): max_pulse_ms must be from 1 to 60000, found 3600000")
        #expect(
            configError(lamp + "\nsafe_value = 2\n")?.description
                == "tools[0].action.safe_value (line 8): safe_value must be 0 (off) or 1 (on), found 2")
        #expect(
            configError(lamp + "\nmax_pulse_ms = 100\n")?.description
                == "tools[0].action.max_pulse_ms (line 8): max_pulse_ms does not apply to a set action (only to: pulse)")
        #expect(
            configError(lamp.replacingKind("read") + "\nauto_off_ms = 10\n")?.description
                == "tools[0].action.auto_off_ms (line 8): auto_off_ms does not apply to a read action (only to: set, toggle)")
    }

    @Test("an unknown kind, a bad name, a typo and a duplicate are refused with their lines")
    func mistakes() throws {
        #expect(
            configError(lamp.replacingKind("puls"))?.description
                == "tools[0].action.kind (line 6): unknown action kind 'puls'; expected one of: set, pulse, toggle, read")
        #expect(
            configError(lamp.replacingOccurrences(of: "name = \"lamp\"", with: "name = \"desk lamp\""))?.description.hasPrefix(
                "tools[0].name (line 2): 'desk lamp' is not a valid tool name") == true)
        #expect(
            configError(lamp + "\nmin_intervall_ms = 10\n")?.description
                == "tools[0].action.min_intervall_ms (line 8): unknown key; did you mean min_interval_ms?")
        #expect(
            configError(lamp + "\n" + lamp)?.description
                == "tools[1].name (line 9): the tool name 'lamp' is already used by tools[0]")
        #expect(configError(lamp.replacingOccurrences(of: "line = \"RELAY\"", with: ""))?.description
            == "tools[0].action (line 5): missing required key line")
    }

    @Test("other sections of the file are left alone, even in strict mode")
    func otherSections() throws {
        let config = try ToolsConfig.parse("[button]\nline = \"GPIO17\"\n\n" + lamp)
        #expect(config.tools.count == 1)
        #expect(config.tools[0].location?.actionLine == 10)
    }

    @Test("parameters must match what the action reads")
    func parameters() throws {
        let wrongName = lamp + """

            [tools.parameters]
            type = "object"
            required = ["state"]
            [tools.parameters.properties.state]
            type = "boolean"
            """
        #expect(
            configError(wrongName)?.description
                == "tools[0].parameters (line 8): the parameter 'state' is not read by a set action (it reads only 'on')")
        let tooLong = lamp.replacingKind("pulse") + """

            max_pulse_ms = 1000
            [tools.parameters.properties.duration_ms]
            type = "integer"
            maximum = 5000
            """
        #expect(
            configError(tooLong.replacingOccurrences(of: "[tools.parameters.properties", with: "[tools.parameters]\ntype = \"object\"\n[tools.parameters.properties"))?.description
                == "tools[0].parameters (line 9): duration_ms allows up to 5000 ms, more than action.max_pulse_ms (1000); "
                + "lower its maximum or raise max_pulse_ms")
        let badEnum = lamp.replacingKind("read") + """

            [tools.parameters]
            type = "object"
            [tools.parameters.properties.unit]
            type = "integer"
            enum = ["a"]
            """
        #expect(
            configError(badEnum)?.description
                == "tools[0].parameters.properties.unit.enum (line 12): enum is allowed only for type = \"string\"")
    }

    @Test("every TOML file under board/ decodes")
    func everyBoardFile() throws {
        var checked = 0
        for path in tomlFiles(under: packageRoot + "/board") {
            let text = try readFile(path)
            do {
                _ = try ToolsConfig.parse(text)
                checked += 1
            } catch {
                Issue.record("\(path): \(error)")
            }
        }
        #expect(checked >= 1)
    }
}

/// Every `*.toml` file below `directory`.
func tomlFiles(under directory: String) -> [String] {
    guard let handle = opendir(directory) else { return [] }
    defer { closedir(handle) }
    var result: [String] = []
    while let entry = readdir(handle) {
        let name = withUnsafePointer(to: &entry.pointee.d_name) {
            String(cString: UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self))
        }
        if name == "." || name == ".." { continue }
        let path = directory + "/" + name
        if Int32(entry.pointee.d_type) == Int32(DT_DIR) {
            result += tomlFiles(under: path)
        } else if name.hasSuffix(".toml") {
            result.append(path)
        }
    }
    return result.sorted()
}

extension String {
    func replacingKind(_ kind: String) -> String {
        replacingOccurrences(of: "kind = \"set\"", with: "kind = \"\(kind)\"")
    }

    func replacingOccurrences(of target: String, with replacement: String) -> String {
        guard !target.isEmpty else { return self }
        var result = ""
        var index = startIndex
        while index < endIndex {
            if self[index...].hasPrefix(target) {
                result += replacement
                index = self.index(index, offsetBy: target.count)
            } else {
                result.append(self[index])
                index = self.index(after: index)
            }
        }
        return result
    }
}
