// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

import ArgumentParser
import Daemon
import JSON

/// `livevoiced status`: what the running daemon is doing, read from its status socket.
struct Status: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show the running daemon's state, counters and memory.",
        discussion: """
            Reads /run/livevoiced/status.sock, which the unit's daemon serves to root and to group livevoiced \
            (`sudo adduser $USER livevoiced`, then log in again). With --json, prints the daemon's document as \
            one line of JSON: state, uptime_s, sessions, reconnects, turns, tool_calls, xruns, drops, rings, \
            capture, playback, rss_bytes, last_error.
            """)

    @Flag(help: "Print the status as one JSON object.")
    var json = false

    @Option(help: "The daemon's status socket.")
    var socket = StatusSocketClient.defaultPath

    func run() throws {
        let text: String
        do {
            text = try StatusSocketClient.fetch(path: socket)
        } catch {
            throw ExitError(message: error.message)
        }
        guard let document = StatusDocument.parse(text) else {
            throw ExitError(message: "\(socket) answered with something that is not livevoiced's status")
        }
        if json {
            print(StatusDocument.serialize(document))
        } else {
            for (label, value) in Self.lines(document) {
                print(label.padding(12) + value)
            }
        }
    }

    /// The document as labelled lines for a person.
    static func lines(_ d: JSONValue) -> [(String, String)] {
        func int(_ key: String) -> Int { d[key]?.intValue ?? 0 }
        var lines: [(String, String)] = []
        lines.append(("state", "\(d["state"]?.stringValue ?? "?") (LED \(d["light"]?.stringValue ?? "?"))"))
        lines.append(("uptime", duration(d["uptime_s"]?.doubleValue ?? 0) + " (pid \(int("pid")))"))
        lines.append(("sessions", "\(int("sessions")) opened, \(int("reconnects")) reconnects, \(int("turns")) turns, \(int("barge_ins")) barge-ins"))
        lines.append(("tools", "\(int("tool_calls")) calls, \(int("tool_errors")) failed"))
        for key in ["capture", "playback"] {
            guard let stream = d[key] else { continue }
            var text = "\(stream["device"]?.stringValue ?? "?"): \(stream["state"]?.stringValue ?? "?") at \(stream["rate"]?.intValue ?? 0) Hz"
            if let realtime = stream["realtime"]?.boolValue { text += realtime ? ", real-time" : ", not real-time" }
            text += ", \(stream["xruns"]?.intValue ?? 0) xruns"
            if let losses = stream["device_losses"]?.intValue, losses > 0 { text += ", lost \(losses) times" }
            if let problem = stream["last_problem"]?.stringValue { text += "; last problem: \(problem)" }
            lines.append((key, text))
        }
        lines.append(("xruns", "\(int("xruns"))"))
        lines.append(("drops", "\(int("drops")) frames"))
        if let rings = d["rings"] {
            let high = AudioFormat.decimal(rings["playback_high_water_ms"]?.doubleValue ?? 0)
            let now = AudioFormat.decimal(rings["playback_buffered_ms"]?.doubleValue ?? 0)
            let preroll = "\(rings["preroll_samples"]?.intValue ?? 0) of \(rings["preroll_capacity"]?.intValue ?? 0) samples"
            lines.append(("rings", "playback high-water \(high) ms (now \(now) ms); pre-roll \(preroll)"))
            let mic = "\(rings["mic_frames_high_water"]?.intValue ?? 0) of \(rings["mic_frames_capacity"]?.intValue ?? 0) frames"
            let reference = "\(rings["reference_high_water_samples"]?.intValue ?? 0) of \(rings["reference_capacity_samples"]?.intValue ?? 0) samples"
            lines.append(("", "mic ring high-water \(mic); reference ring high-water \(reference)"))
        }
        if let rss = d["rss_bytes"]?.intValue {
            lines.append(("memory", "RSS \(AudioFormat.decimal(Double(rss) / 1_048_576)) MiB"))
        }
        lines.append(("last error", d["last_error"]?.stringValue.map { $0.escapingControlCharacters() } ?? "none"))
        return lines
    }

    /// `2 h 05 min 03 s`, `4 min 10 s`, `12.3 s`.
    static func duration(_ seconds: Double) -> String {
        let whole = Int(seconds)
        let h = whole / 3600, m = whole / 60 % 60, s = whole % 60
        func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
        if h > 0 { return "\(h) h \(two(m)) min \(two(s)) s" }
        if m > 0 { return "\(m) min \(two(s)) s" }
        return AudioFormat.decimal(seconds) + " s"
    }
}
