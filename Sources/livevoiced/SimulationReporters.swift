// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

import Conversation
import Daemon
import FoundationEssentials
import JSON
import Log
import Synchronization
import Time

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// `simulate --json`: one JSON object a line on standard output for every state change, LED pattern,
/// output line change, tool call and result, transcript, session event, log line, and the summary.
/// Every object has `t` (seconds since start) and `type`.
final class JSONLinesReporter: DaemonReporter {
    private let clock: any MonotonicClock
    private let start: Timestamp
    private let lock = Mutex(())

    init(clock: any MonotonicClock) {
        self.clock = clock
        start = clock.now()
    }

    func report(_ report: DaemonReport) {
        var object = Self.fields(report)
        object["t"] = .double(Double((clock.now() - start).milliseconds) / 1000)
        let line = Self.serialize(.object(object)) + "\n"
        lock.withLock { _ in
            print(line, terminator: "")
            fflush(nil)
        }
    }

    static func fields(_ report: DaemonReport) -> [String: JSONValue] {
        switch report {
        case .state(let state): return ["type": "state", "state": .string(state.rawValue)]
        case .light(let light, let pattern): return ["type": "led", "status": .string(light.rawValue), "pattern": .string(pattern)]
        case .session(let number, let event, let detail):
            var object: [String: JSONValue] = ["type": "session", "session": .int(number), "event": .string(event.rawValue)]
            if let detail { object["detail"] = .string(detail) }
            return object
        case .toolCall(let id, let name, let arguments):
            return ["type": "tool_call", "id": .string(id), "name": .string(name), "arguments": arguments]
        case .toolResult(let id, let name, let result, let sent):
            return ["type": "tool_result", "id": .string(id), "name": .string(name), "result": result, "sent": .bool(sent)]
        case .transcript(let speaker, let text): return ["type": "transcript", "speaker": .string(speaker.rawValue), "text": .string(text)]
        case .outputLine(let name, let active): return ["type": "line", "name": .string(name), "value": .int(active ? 1 : 0)]
        case .log(let level, let message): return ["type": "log", "level": .string(level.rawValue), "message": .string(message)]
        case .summary(let counters):
            var object: [String: JSONValue] = [
                "type": "summary", "sessions": .int(counters.sessionsOpened), "reconnects": .int(counters.reconnects),
                "turns": .int(counters.turns), "frames_sent": .int(counters.framesSent),
                "frames_dropped": .int(counters.framesDropped), "seconds_played": .double(counters.secondsPlayed),
                "barge_ins": .int(counters.bargeIns), "tool_calls": .int(counters.toolCalls),
                "tool_errors": .int(counters.toolErrors),
            ]
            if let error = counters.lastError { object["last_error"] = .string(error) }
            return object
        }
    }

    static func serialize(_ value: JSONValue) -> String {
        JSONWriter.string(value)
    }
}

/// `simulate` without `--json`: short lines for a person watching the terminal.
final class TerminalReporter: DaemonReporter {
    private let clock: any MonotonicClock
    private let start: Timestamp
    init(clock: any MonotonicClock) {
        self.clock = clock
        start = clock.now()
    }

    func report(_ report: DaemonReport) {
        let text: String?
        switch report {
        case .state(let state): text = "state      \(state.rawValue)"
        case .light(let light, let pattern): text = "led        \(light.rawValue) (\(pattern))"
        case .session(let number, let event, let detail): text = "session \(number)  \(event.rawValue)" + (detail.map { ": \($0)" } ?? "")
        case .toolCall(_, let name, let arguments): text = "tool call  \(name) \(JSONLinesReporter.serialize(arguments))"
        case .toolResult(_, let name, let result, let sent):
            text = "tool done  \(name): \(result["message"]?.stringValue ?? result["error"]?.stringValue ?? "")" + (sent ? "" : " (cancelled, not sent)")
        case .transcript(let speaker, let words): text = "\(speaker == .user ? "you  " : "model")      \(words)"
        case .outputLine(let name, let active): text = "line       \(name) -> \(active ? 1 : 0)"
        case .log: text = nil  // the log itself goes to standard error
        case .summary(let c):
            text = "summary    \(c.sessionsOpened) sessions, \(c.reconnects) reconnects, \(c.turns) turns, \(c.framesSent) frames sent, "
                + "\(String(format1: c.secondsPlayed)) s played, \(c.bargeIns) barge-ins, \(c.toolCalls) tool calls (\(c.toolErrors) failed)"
        }
        guard let text else { return }
        let seconds = Double((clock.now() - start).milliseconds) / 1000
        print("\(String(format1: seconds).leftPadded(7)) s  \(text.escapingControlCharacters())")
        fflush(nil)
    }
}

extension String {
    /// A number with one decimal.
    init(format1 value: Double) {
        let tenths = Int((value * 10).rounded())
        self = (tenths < 0 ? "-" : "") + "\(abs(tenths) / 10).\(abs(tenths) % 10)"
    }

    func leftPadded(_ width: Int) -> String {
        count >= width ? self : String(repeating: " ", count: width - count) + self
    }
}
