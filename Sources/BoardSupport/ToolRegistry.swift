// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

public import Time
public import GPIO
public import JSON
public import Log

/// The tools of a configuration, bound to their GPIO lines: the only way the model (or `livevoiced gpio
/// action`) touches GPIO.
///
/// Built at start-up from the `[[tools]]` configuration and a ``GPIOBackend``; refuses a configuration that
/// uses a reserved line (the button's) or one line twice. Every output starts at its safe value. ``call(name:arguments:)``
/// never throws: an unknown tool, bad arguments, a limit and a hardware error all come back as an error
/// result the model can read. Call ``shutdown()`` before exit to put every output at its safe value.
public actor ToolRegistry {
    private struct Tool {
        var config: ToolConfig
        var id: LineID
        var output: (any GPIOOutputLine)?
        var input: (any GPIOInputLine)?
        var lastSwitch: Timestamp?
        var pulseEndsAt: Timestamp?
        var autoOffAt: Timestamp?
        /// The call whose pulse runs or whose auto-off is armed (for ``ToolRegistry/cancel(callID:)``).
        var pendingCall: String?
    }

    /// The tools, in configuration order, for the model.
    public nonisolated let declarations: [ToolDeclaration]
    private var tools: [String: Tool]
    private let clock: any MonotonicClock
    private let logger: Logger
    private var timers: [String: Task<Void, Never>] = [:]
    /// The wait of each running pulse, by tool: cancelling it ends the pulse early.
    private var pulseWaits: [String: Task<Void, any Error>] = [:]
    private var isShutDown = false

    /// Binds every tool of `config` to its line on `backend`; outputs start at their safe value.
    /// Throws when a line is reserved, used twice, missing or busy.
    public init(
        config: ToolsConfig, backend: any GPIOBackend, reservedLines: [ReservedLine] = [],
        clock: any MonotonicClock = SystemMonotonicClock(), logger: Logger = .disabled
    ) throws(BoardConfigError) {
        self.clock = clock
        self.logger = logger
        var reserved: [LineID: String] = [:]
        for line in reservedLines {
            // A reserved line that does not resolve is its owner's error to report, not ours.
            if let info = try? backend.lineInfo(line.address) { reserved[info.id] = line.purpose }
        }
        var tools: [String: Tool] = [:]
        var used: [LineID: ToolConfig] = [:]
        for (index, tool) in config.tools.enumerated() {
            let path = "tools[\(tool.location?.index ?? index)].action.line"
            let line = tool.location?.actionLine
            func fail(_ error: GPIOError) -> BoardConfigError {
                BoardConfigError(path: path, line: line, message: error.message, underlying: error)
            }
            let address = LineAddress(tool.action.line)
            let id: LineID
            do {
                id = try backend.lineInfo(address).id
            } catch {
                throw fail(error)
            }
            if let purpose = reserved[id] {
                throw BoardConfigError(
                    path: path, line: line,
                    message: "tool '\(tool.name)' uses \(id), which is \(purpose); choose another line for the tool")
            }
            if let other = used[id] {
                let place = other.location.map { " (tools[\($0.index)], line \($0.line))" } ?? ""
                throw BoardConfigError(
                    path: path, line: line,
                    message: "tool '\(tool.name)' uses \(id), which tool '\(other.name)'\(place) already uses; "
                        + "each line may belong to one tool only")
            }
            used[id] = tool
            var entry = Tool(config: tool, id: id)
            do {
                if tool.action.kind.isOutput {
                    entry.output = try backend.requestOutput(
                        address,
                        settings: OutputSettings(activeLow: tool.action.activeLow, initialValue: tool.action.safeValue))
                } else {
                    entry.input = try backend.requestInput(
                        address, settings: InputSettings(bias: tool.action.bias, activeLow: tool.action.activeLow))
                }
            } catch {
                throw fail(error)
            }
            tools[tool.name] = entry
        }
        self.tools = tools
        declarations = config.tools.map {
            ToolDeclaration(name: $0.name, description: $0.description, parameters: $0.parameters)
        }
        if config.tools.isEmpty {
            logger.info("no GPIO tools configured")
        } else {
            let list = config.tools.map { "\($0.name) (\($0.action.kind.rawValue) \($0.action.line))" }
            logger.info("GPIO tools ready: \(list.joined(separator: ", "))")
        }
    }

    // MARK: Calls

    /// Runs the tool `name` with the model's `arguments`, within the tool's limits. Never throws: every
    /// problem is an error result whose text says what was wrong. `callID` (the model's function call id)
    /// lets ``cancel(callID:)`` stop what the call left pending.
    public func call(name: String, arguments: JSONValue, callID: String? = nil) async -> ToolResult {
        guard !isShutDown else { return .failure("the GPIO tools are shut down; the call was not run") }
        guard let tool = tools[name] else {
            let names = declarations.map(\.name)
            return .failure(
                "unknown tool '\(name)'; "
                    + (names.isEmpty ? "no GPIO tools are configured" : "available tools: \(names.joined(separator: ", "))"))
        }
        if let problem = tool.config.parameters.validate(arguments) {
            return .failure("\(name): \(problem)")
        }
        logger.debug("tool call \(name) \(arguments)")
        let result: ToolResult
        switch tool.config.action.kind {
        case .read: result = read(name)
        case .set: result = switchOutput(name, to: arguments["on"]?.boolValue ?? false, callID: callID)
        case .toggle: result = switchOutput(name, to: nil, callID: callID)
        case .pulse: result = await pulse(name, durationMs: arguments["duration_ms"]?.intValue, callID: callID)
        }
        if let error = result.errorMessage {
            logger.notice("tool \(name) refused or failed: \(error)")
        } else {
            logger.info("tool \(name): \(result.response["message"]?.stringValue ?? "done")")
        }
        return result
    }

    private func base(_ tool: Tool) -> [String: JSONValue] {
        ["tool": .string(tool.config.name), "action": .string(tool.config.action.kind.rawValue),
         "line": .string(tool.config.action.line)]
    }

    private func read(_ name: String) -> ToolResult {
        let tool = tools[name]!
        guard let input = tool.input else { return .failure("\(name) has been released") }
        do {
            let value = try input.value()
            var object = base(tool)
            object["ok"] = true
            object["value"] = .int(value ? 1 : 0)
            object["state"] = .string(value ? "active" : "inactive")
            object["message"] = .string("\(tool.config.action.line) reads \(value ? 1 : 0) (\(value ? "active" : "inactive"))")
            return ToolResult(response: .object(object))
        } catch {
            return .failure("\(name): reading \(tool.config.action.line) failed: \(error.message)", base(tool))
        }
    }

    /// Why a switch now would break the tool's limits, or nil.
    private func refusal(_ tool: Tool, now: Timestamp) -> String? {
        if let end = tool.pulseEndsAt {
            return "refused: \(tool.config.name) is in the middle of a pulse; try again in \((end - now).milliseconds) ms"
        }
        let interval = Duration.milliseconds(tool.config.action.minIntervalMs)
        if let last = tool.lastSwitch, now - last < interval {
            return "refused: \(tool.config.name) was switched \((now - last).milliseconds) ms ago and may switch at "
                + "most once every \(tool.config.action.minIntervalMs) ms; try again in "
                + "\((last + interval - now).milliseconds) ms"
        }
        return nil
    }

    private func switchOutput(_ name: String, to requested: Bool?, callID: String?) -> ToolResult {
        var tool = tools[name]!
        guard let output = tool.output else { return .failure("\(name) has been released") }
        let lineName = tool.config.action.line
        let now = clock.now()
        do {
            let current = try output.value()
            let target = requested ?? !current
            var object = base(tool)
            if target == current, requested != nil {
                if target, let autoOff = tool.config.action.autoOffMs {
                    armAutoOff(name, after: autoOff, callID: callID)
                    object["auto_off_in_ms"] = .int(autoOff)
                }
                object["ok"] = true
                object["value"] = .int(current ? 1 : 0)
                object["state"] = .string(current ? "on" : "off")
                object["message"] = .string(
                    "\(name) was already \(current ? "on" : "off"); nothing switched (\(lineName) reads \(current ? 1 : 0))")
                return ToolResult(response: .object(object))
            }
            if let refusal = refusal(tool, now: now) {
                object["value"] = .int(current ? 1 : 0)
                return .failure(refusal, object)
            }
            try output.set(target)
            tool.lastSwitch = now
            let readBack = try output.value()
            tools[name] = tool
            object["value"] = .int(readBack ? 1 : 0)
            object["state"] = .string(readBack ? "on" : "off")
            guard readBack == target else {
                timers[name]?.cancel()
                return .failure(
                    "\(name): \(lineName) was switched \(target ? "on" : "off") but reads back "
                        + "\(readBack ? 1 : 0); check the wiring and the line's active_low setting", object)
            }
            var message = "\(name) switched \(target ? "on" : "off") (\(lineName) reads back \(readBack ? 1 : 0))"
            if target, let autoOff = tool.config.action.autoOffMs {
                armAutoOff(name, after: autoOff, callID: callID)
                object["auto_off_in_ms"] = .int(autoOff)
                message += "; it switches off automatically in \(describeMilliseconds(autoOff))"
            } else {
                cancelAutoOff(name)
            }
            object["ok"] = true
            object["message"] = .string(message)
            return ToolResult(response: .object(object))
        } catch {
            return .failure("\(name): switching \(lineName) failed: \(error.message)", base(tool))
        }
    }

    private func pulse(_ name: String, durationMs: Int?, callID: String?) async -> ToolResult {
        let tool = tools[name]!
        guard let output = tool.output else { return .failure("\(name) has been released") }
        let action = tool.config.action
        let duration = durationMs ?? action.pulseMs
        var object = base(tool)
        guard duration >= 1 else { return .failure("refused: a pulse must last at least 1 ms, got \(duration) ms", object) }
        guard duration <= action.maxPulseMs else {
            return .failure(
                "refused: a pulse of \(duration) ms is longer than the \(action.maxPulseMs) ms \(name) allows", object)
        }
        let start = clock.now()
        if let refusal = refusal(tool, now: start) { return .failure(refusal, object) }
        let during: Bool
        do {
            try output.set(true)
            during = try output.value()
        } catch {
            return .failure("\(name): switching \(action.line) on failed: \(error.message)", object)
        }
        let end = start + .milliseconds(duration)
        tools[name]?.pulseEndsAt = end
        tools[name]?.lastSwitch = start
        tools[name]?.pendingCall = callID
        // The wait is a task of its own, so that a cancellation (of this call's task, or by call id) ends
        // the pulse early instead of holding the relay for its full length.
        let clock = clock
        let wait = Task { try await clock.sleep(until: end) }
        pulseWaits[name] = wait
        let cutShort: Bool
        do {
            try await withTaskCancellationHandler {
                try await wait.value
            } onCancel: {
                wait.cancel()
            }
            cutShort = false
        } catch {
            cutShort = true
        }
        pulseWaits[name] = nil
        tools[name]?.pulseEndsAt = nil
        tools[name]?.pendingCall = nil
        let held = min(duration, Int((clock.now() - start).milliseconds))
        guard !isShutDown else {
            object["duration_ms"] = .int(held)
            return .failure("\(name): the pulse was cut short by shutdown; the line is at its safe value", object)
        }
        let after: Bool
        do {
            try output.set(false)
            tools[name]?.lastSwitch = clock.now()
            after = try output.value()
        } catch {
            return .failure("\(name): switching \(action.line) off after the pulse failed: \(error.message)", object)
        }
        object["duration_ms"] = .int(duration)
        object["value"] = .int(after ? 1 : 0)
        object["value_during_pulse"] = .int(during ? 1 : 0)
        guard during, !after else {
            return .failure(
                "\(name): \(action.line) read back \(during ? 1 : 0) during the pulse and \(after ? 1 : 0) after it "
                    + "(expected 1 then 0); check the wiring and the line's active_low setting", object)
        }
        if cutShort {
            object["duration_ms"] = .int(held)
            object["requested_duration_ms"] = .int(duration)
            object["cut_short"] = true
            object["ok"] = true
            object["state"] = "off"
            object["message"] = .string(
                "\(name) was cancelled after \(held) of \(duration) ms; \(action.line) is off again (read back 0)")
            return ToolResult(response: .object(object))
        }
        object["ok"] = true
        object["state"] = "off"
        object["message"] = .string(
            "\(name) pulsed for \(duration) ms (\(action.line) read back 1 during the pulse and 0 after)")
        return ToolResult(response: .object(object))
    }

    // MARK: Cancellation

    /// The model abandoned call `callID` (`toolCallCancellation`): a pulse it started ends now, and an
    /// auto-off it armed switches the output off now (nothing it left pending keeps running). Returns
    /// whether the call had anything pending.
    @discardableResult
    public func cancel(callID: String) -> Bool {
        guard let (name, tool) = tools.first(where: { $0.value.pendingCall == callID }) else { return false }
        if let wait = pulseWaits[name] {
            logger.info("tool \(name): call \(callID) cancelled; ending its pulse now")
            wait.cancel()
            return true
        }
        if tool.autoOffAt != nil, let output = tool.output {
            cancelAutoOff(name)
            do {
                try output.set(false)
                tools[name]?.lastSwitch = clock.now()
                logger.info("tool \(name): call \(callID) cancelled; switched off now instead of at the auto-off time")
            } catch {
                logger.error("tool \(name): switching \(tool.config.action.line) off after a cancellation failed: \(error.message)")
            }
            return true
        }
        return false
    }

    // MARK: Auto-off

    private func armAutoOff(_ name: String, after milliseconds: Int, callID: String?) {
        let deadline = clock.now() + .milliseconds(milliseconds)
        tools[name]?.autoOffAt = deadline
        tools[name]?.pendingCall = callID
        timers[name]?.cancel()
        let clock = clock
        timers[name] = Task { [weak self] in
            do {
                try await clock.sleep(until: deadline)
            } catch {
                return
            }
            await self?.autoOff(name, deadline: deadline)
        }
    }

    private func cancelAutoOff(_ name: String) {
        tools[name]?.autoOffAt = nil
        tools[name]?.pendingCall = nil
        timers[name]?.cancel()
        timers[name] = nil
    }

    private func autoOff(_ name: String, deadline: Timestamp) {
        guard !isShutDown, let tool = tools[name], tool.autoOffAt == deadline, let output = tool.output else { return }
        tools[name]?.autoOffAt = nil
        tools[name]?.pendingCall = nil
        do {
            try output.set(false)
            tools[name]?.lastSwitch = clock.now()
            logger.info("tool \(name): switched off automatically after \(describeMilliseconds(tool.config.action.autoOffMs ?? 0))")
        } catch {
            logger.error("tool \(name): automatic switch-off of \(tool.config.action.line) failed: \(error.message)")
        }
    }

    /// Waits for every armed auto-off timer to finish (they finish when the clock reaches their deadline,
    /// or when cancelled): for tests with a ``ManualClock`` and for a CLI that should not exit early.
    public func waitForTimers() async {
        let running = Array(timers.values)
        for task in running { await task.value }
    }

    /// The time left until each armed auto-off, by tool name.
    public var pendingAutoOffs: [String: Duration] {
        let now = clock.now()
        return tools.compactMapValues { tool in tool.autoOffAt.map { $0 - now } }
    }

    // MARK: Shutdown

    /// Sets every output to its safe value, cancels timers, releases every line, and refuses further calls.
    @discardableResult
    public func shutdown() -> [ShutdownReport] {
        guard !isShutDown else { return [] }
        isShutDown = true
        for task in timers.values { task.cancel() }
        timers = [:]
        for wait in pulseWaits.values { wait.cancel() }
        var reports: [ShutdownReport] = []
        for declaration in declarations {
            guard var tool = tools[declaration.name] else { continue }
            if let output = tool.output {
                let safe = tool.config.action.safeValue
                var report = ShutdownReport(tool: declaration.name, line: tool.config.action.line, value: safe)
                do {
                    try output.set(safe)
                } catch {
                    report.error = error.message
                    logger.error("shutdown: could not set \(tool.config.action.line) to its safe value: \(error.message)")
                }
                reports.append(report)
            }
            // Given back now, not whenever the last reference goes: a reload requests them again at once.
            tool.output?.release()
            tool.input?.release()
            tool.output = nil
            tool.input = nil
            tools[declaration.name] = tool
        }
        logger.info("GPIO tools shut down; outputs at their safe values")
        return reports
    }
}

/// `500 ms`, `2 s`, `10 min`.
func describeMilliseconds(_ milliseconds: Int) -> String {
    if milliseconds % 60_000 == 0 { return "\(milliseconds / 60_000) min" }
    if milliseconds % 1000 == 0 { return "\(milliseconds / 1000) s" }
    return "\(milliseconds) ms"
}
