// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

import Time
import GPIO
import JSON
import Log
import Testing

@testable import BoardSupport

private func ms(_ value: Int64) -> Timestamp { Timestamp(nanoseconds: value * 1_000_000) }

private let config = """
    [[tools]]
    name = "lamp"
    description = "Switches the lamp."
    action = { kind = "set", line = "LAMP", min_interval_ms = 1000, auto_off_ms = 60000 }

    [[tools]]
    name = "door"
    description = "Presses the garage door button."
    action = { kind = "pulse", line = "DOOR", pulse_ms = 300, max_pulse_ms = 1000, min_interval_ms = 5000 }

    [[tools]]
    name = "fan"
    description = "Toggles the fan."
    action = { kind = "toggle", line = "FAN", min_interval_ms = 0, active_low = true, safe_value = 1 }

    [[tools]]
    name = "window"
    description = "Reads the window contact."
    action = { kind = "read", line = "WINDOW", bias = "pull-up" }

    [[tools]]
    name = "chime"
    description = "Rings the chime."
    parameters = { type = "object", properties = { duration_ms = { type = "integer" } } }
    action = { kind = "pulse", line = "CHIME", max_pulse_ms = 2000 }
    """

private struct Rig {
    let clock = ManualClock()
    let board: SimulatedBoard
    let registry: ToolRegistry
    let log = InMemoryLogHandler()

    init(_ text: String = config, reserved: [ReservedLine] = []) throws {
        board = SimulatedBoard(
            lines: ["BUTTON", "LAMP", "DOOR", "FAN", "WINDOW", "CHIME"].map { .init(name: $0) }, clock: clock)
        registry = try ToolRegistry(
            config: try ToolsConfig.parse(text), backend: board, reservedLines: reserved, clock: clock,
            logger: Logger(label: "gpio", level: .debug, handler: log))
    }

    func levels(_ name: String) throws -> [String] {
        try board.history(name).map { "\($0.time.nanoseconds / 1_000_000):\($0.level ? 1 : 0)" }
    }
}

@Suite("tool registry")
struct ToolRegistryTests {
    @Test("declarations keep configuration order and default parameters")
    func declarations() throws {
        let rig = try Rig()
        let declarations = rig.registry.declarations
        #expect(declarations.map(\.name) == ["lamp", "door", "fan", "window", "chime"])
        #expect(declarations[0].parameters.jsonSchema["required"] == ["on"])
        #expect(declarations[0].parameters.jsonSchema["properties"]?["on"]?["type"] == "boolean")
        #expect(declarations[1].parameters.jsonSchema["properties"]?["duration_ms"]?["maximum"] == 1000)
        #expect(declarations[3].parameters.jsonSchema == ["type": "object", "properties": [:]])
    }

    @Test("outputs start at their safe values; the safe value is logical (active-low applied)")
    func startValues() throws {
        let rig = try Rig()
        #expect(try rig.levels("LAMP") == ["0:0"])
        #expect(try rig.levels("FAN") == ["0:0"])  // safe_value 1 on an active-low line: driven low
        #expect(try rig.board.lineInfo(.name("WINDOW")).consumer == "livevoiced")
    }

    @Test("set switches, reads back, and reports what it found")
    func set() async throws {
        let rig = try Rig()
        let on = await rig.registry.call(name: "lamp", arguments: ["on": true])
        #expect(on.response["ok"] == true)
        #expect(on.response["value"] == 1)
        #expect(on.response["line"] == "LAMP")
        #expect(on.response["message"] == "lamp switched on (LAMP reads back 1); it switches off automatically in 1 min")
        let again = await rig.registry.call(name: "lamp", arguments: ["on": true])
        #expect(again.response["message"] == "lamp was already on; nothing switched (LAMP reads 1)")
        #expect(try rig.levels("LAMP") == ["0:0", "0:1"])
    }

    @Test("a second switch too soon is refused with a reason, and allowed once the interval has passed")
    func minInterval() async throws {
        let rig = try Rig()
        _ = await rig.registry.call(name: "lamp", arguments: ["on": true])
        rig.clock.advance(by: .milliseconds(200))
        let tooSoon = await rig.registry.call(name: "lamp", arguments: ["on": false])
        #expect(
            tooSoon.errorMessage
                == "refused: lamp was switched 200 ms ago and may switch at most once every 1000 ms; try again in 800 ms")
        #expect(tooSoon.response["value"] == 1)
        rig.clock.advance(by: .milliseconds(800))
        let off = await rig.registry.call(name: "lamp", arguments: ["on": false])
        #expect(off.response["ok"] == true)
        #expect(try rig.levels("LAMP") == ["0:0", "0:1", "1000:0"])
        #expect(rig.log.text.contains("tool lamp refused or failed: refused: lamp was switched 200 ms ago"))
    }

    @Test("auto-off switches the line off when its time comes, and a manual off cancels it")
    func autoOff() async throws {
        let rig = try Rig()
        _ = await rig.registry.call(name: "lamp", arguments: ["on": true])
        #expect(await rig.registry.pendingAutoOffs["lamp"] == .seconds(60))
        rig.clock.advance(by: .seconds(59))
        #expect(try rig.board.level("LAMP") == true)
        rig.clock.advance(by: .seconds(1))
        await rig.registry.waitForTimers()
        #expect(try rig.levels("LAMP") == ["0:0", "0:1", "60000:0"])
        #expect(rig.log.text.contains("lamp: switched off automatically after 1 min"))

        rig.clock.advance(by: .seconds(10))
        _ = await rig.registry.call(name: "lamp", arguments: ["on": true])
        rig.clock.advance(by: .seconds(10))
        _ = await rig.registry.call(name: "lamp", arguments: ["on": false])
        rig.clock.advance(by: .seconds(100))
        await rig.registry.waitForTimers()
        #expect(try rig.levels("LAMP") == ["0:0", "0:1", "60000:0", "70000:1", "80000:0"])
    }

    @Test("a pulse goes high for its length, then low, reading back both")
    func pulse() async throws {
        let rig = try Rig()
        async let result = rig.registry.call(name: "door", arguments: ["duration_ms": 250])
        await rig.clock.waitForSleepers(1)
        #expect(try rig.board.level("DOOR") == true)
        let busy = await rig.registry.call(name: "door", arguments: [:])
        #expect(busy.errorMessage == "refused: door is in the middle of a pulse; try again in 250 ms")
        rig.clock.advance(by: .milliseconds(250))
        let done = await result
        #expect(done.response["ok"] == true)
        #expect(done.response["duration_ms"] == 250)
        #expect(done.response["value_during_pulse"] == 1)
        #expect(done.response["value"] == 0)
        #expect(try rig.levels("DOOR") == ["0:0", "0:1", "250:0"])

        rig.clock.advance(by: .seconds(1))
        let tooSoon = await rig.registry.call(name: "door", arguments: [:])
        #expect(tooSoon.errorMessage?.hasPrefix("refused: door was switched 1000 ms ago and may switch at most once every 5000 ms") == true)
    }

    @Test("a pulse longer than the maximum is refused, by the schema and by the action's own limit")
    func pulseTooLong() async throws {
        let rig = try Rig()
        let door = await rig.registry.call(name: "door", arguments: ["duration_ms": 3000])
        #expect(door.errorMessage == "door: 'duration_ms' must be at most 1000, got 3000")
        let chime = await rig.registry.call(name: "chime", arguments: ["duration_ms": 2500])
        #expect(chime.errorMessage == "refused: a pulse of 2500 ms is longer than the 2000 ms chime allows")
        #expect(try rig.levels("DOOR") == ["0:0"])
        #expect(try rig.levels("CHIME") == ["0:0"])
    }

    @Test("toggle inverts the output; read reports an input")
    func toggleAndRead() async throws {
        let rig = try Rig()
        let first = await rig.registry.call(name: "fan", arguments: [:])
        #expect(first.response["value"] == 0)  // was on (safe value 1), now off
        #expect(try rig.board.level("FAN") == true)  // active-low: off is high
        let second = await rig.registry.call(name: "fan", arguments: .null)
        #expect(second.response["value"] == 1)

        #expect(await rig.registry.call(name: "window", arguments: [:]).response["value"] == 1)  // pull-up
        try rig.board.setLevel("WINDOW", high: false)
        let closed = await rig.registry.call(name: "window", arguments: [:])
        #expect(closed.response["value"] == 0)
        #expect(closed.response["message"] == "WINDOW reads 0 (inactive)")
    }

    @Test("bad model input comes back as a readable error, never a throw")
    func badInput() async throws {
        let rig = try Rig()
        let cases: [(String, JSONValue, String)] = [
            ("garage", [:], "unknown tool 'garage'; available tools: lamp, door, fan, window, chime"),
            ("lamp", [:], "lamp: missing required argument 'on' (boolean)"),
            ("lamp", ["on": "yes"], "lamp: 'on' must be a boolean (true or false), got string \"yes\""),
            ("lamp", ["on": true, "brightness": 5], "lamp: unknown argument 'brightness'; this tool takes: on"),
            ("fan", ["speed": 2], "fan: unknown argument 'speed': this tool takes no arguments"),
            ("door", ["duration_ms": 2.5], "door: 'duration_ms' must be an integer, got number 2.5"),
            ("door", ["duration_ms": 0], "door: 'duration_ms' must be at least 1, got 0"),
            ("lamp", [1, 2], "lamp: arguments must be an object, got an array"),
        ]
        for (name, arguments, message) in cases {
            let result = await rig.registry.call(name: name, arguments: arguments)
            #expect(result.errorMessage == message)
            #expect(result.response["ok"] == false)
        }
        #expect(try rig.levels("LAMP") == ["0:0"])
    }

    @Test("shutdown puts every output at its safe value, releases the lines and refuses later calls")
    func shutdown() async throws {
        let rig = try Rig()
        _ = await rig.registry.call(name: "lamp", arguments: ["on": true])
        _ = await rig.registry.call(name: "fan", arguments: [:])
        let reports = await rig.registry.shutdown()
        #expect(reports.map(\.tool) == ["lamp", "door", "fan", "chime"])
        #expect(reports.allSatisfy { $0.error == nil })
        #expect(try rig.board.level("LAMP") == false)
        #expect(try rig.board.level("FAN") == false)  // safe value 1, active-low
        #expect(try rig.board.lineInfo(.name("LAMP")).isUsed == false)
        #expect(try rig.board.lineInfo(.name("WINDOW")).isUsed == false)
        let after = await rig.registry.call(name: "lamp", arguments: ["on": true])
        #expect(after.errorMessage == "the GPIO tools are shut down; the call was not run")
        rig.clock.advance(by: .seconds(120))
        await rig.registry.waitForTimers()
        #expect(try rig.levels("LAMP") == ["0:0", "0:1", "0:0"])
    }

    @Test("a pulse cut short by shutdown leaves the safe value")
    func shutdownDuringPulse() async throws {
        let rig = try Rig()
        async let result = rig.registry.call(name: "door", arguments: [:])
        await rig.clock.waitForSleepers(1)
        await rig.registry.shutdown()
        #expect(try rig.board.level("DOOR") == false)
        rig.clock.advance(by: .seconds(1))
        #expect(await result.errorMessage == "door: the pulse was cut short by shutdown; the line is at its safe value")
    }

    @Test("a pulse cancelled by its call id ends now and reports how long it really lasted")
    func cancelPulseByID() async throws {
        let rig = try Rig()
        async let result = rig.registry.call(name: "door", arguments: ["duration_ms": 900], callID: "call-7")
        await rig.clock.waitForSleepers(1)
        rig.clock.advance(by: .milliseconds(300))
        #expect(await rig.registry.cancel(callID: "unknown") == false)
        #expect(await rig.registry.cancel(callID: "call-7"))
        let done = await result
        #expect(done.response["ok"] == true)
        #expect(done.response["cut_short"] == true)
        #expect(done.response["duration_ms"] == 300)
        #expect(done.response["requested_duration_ms"] == 900)
        #expect(try rig.board.level("DOOR") == false)
        #expect(try rig.levels("DOOR") == ["0:0", "0:1", "300:0"])
        // Nothing is pending for that call any more.
        #expect(await rig.registry.cancel(callID: "call-7") == false)
    }

    @Test("cancelling the task that runs a pulse ends it early too")
    func cancelPulseTask() async throws {
        let rig = try Rig()
        let registry = rig.registry
        let running = Task { await registry.call(name: "door", arguments: [:]) }
        await rig.clock.waitForSleepers(1)
        rig.clock.advance(by: .milliseconds(100))
        running.cancel()
        let done = await running.value
        #expect(done.response["cut_short"] == true)
        #expect(done.response["duration_ms"] == 100)
        #expect(try rig.board.level("DOOR") == false)
    }

    @Test("cancelling the call that armed an auto-off switches the output off now")
    func cancelAutoOff() async throws {
        let rig = try Rig()
        let on = await rig.registry.call(name: "lamp", arguments: ["on": true], callID: "lamp-1")
        #expect(on.response["ok"] == true)
        #expect(try rig.board.level("LAMP") == true)
        rig.clock.advance(by: .seconds(2))
        #expect(await rig.registry.cancel(callID: "lamp-1"))
        #expect(try rig.board.level("LAMP") == false)
        #expect(await rig.registry.pendingAutoOffs.isEmpty)
    }

    @Test("an output on the button's line, or one line used twice, is refused at start-up")
    func conflicts() throws {
        let onButton = config.replacingOccurrences(of: "line = \"LAMP\"", with: "line = \"BUTTON\"")
        #expect(throws: BoardConfigError(
            path: "tools[0].action.line", line: 4,
            message: "tool 'lamp' uses BUTTON (gpiochip0:0), which is the button ([button] line); choose another line for the tool"))
        {
            _ = try Rig(onButton, reserved: [ReservedLine(address: .name("BUTTON"), purpose: "the button ([button] line)")])
        }
        // The same line by name and by chip:offset.
        let twice = config.replacingOccurrences(of: "line = \"CHIME\"", with: "line = \"gpiochip0:2\"")
        #expect(throws: BoardConfigError(
            path: "tools[4].action.line", line: 25,
            message: "tool 'chime' uses DOOR (gpiochip0:2), which tool 'door' (tools[1], line 6) already uses; "
                + "each line may belong to one tool only"))
        {
            _ = try Rig(twice)
        }
    }

    @Test("a missing or busy line is refused at start-up with the backend's explanation")
    func missingOrBusy() throws {
        let missing = config.replacingOccurrences(of: "line = \"FAN\"", with: "line = \"FAN2\"")
        do {
            _ = try Rig(missing)
            Issue.record("accepted a missing line")
        } catch let error as BoardConfigError {
            #expect(error.description.hasPrefix("tools[2].action.line (line 14): no GPIO line is named 'FAN2'. Lines that exist: BUTTON, LAMP"))
            #expect(error.underlying?.code == .lineNotFound)
        }
        // (any other error fails the test by propagating)
        let clock = ManualClock()
        let board = SimulatedBoard(lines: [.init(name: "LAMP")], clock: clock)
        try board.hold("LAMP", consumer: "gpioset")
        let lampOnly = try ToolsConfig.parse(String(config.prefix(while: { $0 != "\n" })) + "\n" + config.split(separator: "\n").dropFirst().prefix(3).joined(separator: "\n"))
        do {
            _ = try ToolRegistry(config: lampOnly, backend: board, clock: clock)
            Issue.record("accepted a busy line")
        } catch {
            #expect(error.message.hasPrefix("line LAMP (gpiochip0:0) is in use by 'gpioset'"))
        }
    }
}
