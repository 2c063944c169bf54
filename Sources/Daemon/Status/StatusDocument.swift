// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

public import AudioEngine
import FoundationEssentials
public import JSON
public import Time

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// What `livevoiced status` shows, as one JSON object: the state, uptime, the counters (sessions,
/// reconnects, turns, tools), the audio devices with their xruns, dropped frames, the rings' high-water
/// marks, resident memory and the last error. Built on demand from ``RuntimeStatus`` and
/// ``AudioEngine/statistics``; no secret is in either.
public enum StatusDocument {
    /// The document's format version, for scripts reading `status --json`.
    public static let version = 1

    /// The status now.
    public static func make(status: RuntimeStatus, engine: AudioEngine, clock: any MonotonicClock) -> JSONValue {
        let counters = status.counters
        let audio = engine.statistics
        let uptime = clock.now() - status.startedAt
        let xruns = audio.capture.xruns + (audio.playback?.xruns ?? 0)
        let drops = audio.framesDroppedInEngine + audio.framesDroppedByConsumer + counters.framesDropped
        var object: [String: JSONValue] = [
            "version": .int(version),
            "pid": .int(Int(getpid())),
            "state": .string(status.state.rawValue),
            "light": .string(status.light.rawValue),
            "uptime_s": .double(Double(uptime.components.seconds) + Double(uptime.components.attoseconds) / 1e18),
            "sessions": .int(counters.sessionsOpened),
            "reconnects": .int(counters.reconnects),
            "turns": .int(counters.turns),
            "barge_ins": .int(counters.bargeIns),
            "tool_calls": .int(counters.toolCalls),
            "tool_errors": .int(counters.toolErrors),
            "frames_sent": .int(counters.framesSent),
            "seconds_played": .double(counters.secondsPlayed),
            "xruns": .int(xruns),
            "drops": .int(drops),
            "drops_detail": [
                "engine_ring": .int(audio.framesDroppedInEngine), "frame_queue": .int(audio.framesDroppedByConsumer),
                "runtime": .int(counters.framesDropped),
            ],
            "rings": [
                "playback_buffered_ms": .double(audio.playbackBufferedMilliseconds),
                "playback_high_water_ms": .double(audio.playbackHighWaterMilliseconds),
                "playback_rejected_samples": .int(audio.playbackRejectedSamples),
                "preroll_samples": .int(audio.preroll.count),
                "preroll_capacity": .int(audio.preroll.capacity),
                "mic_frames_high_water": .int(audio.micRingHighWaterFrames),
                "mic_frames_capacity": .int(audio.micRingCapacityFrames),
                "reference_high_water_samples": .int(audio.referenceRingHighWaterSamples),
                "reference_capacity_samples": .int(audio.referenceRingCapacitySamples),
            ],
            "capture": stream(audio.capture),
            "last_error": counters.lastError.map { .string($0) } ?? .null,
        ]
        if let playback = audio.playback { object["playback"] = stream(playback) }
        if let rss = ResidentMemory.current() { object["rss_bytes"] = .int(rss) }
        return .object(object)
    }

    private static func stream(_ stream: AudioEngineStatistics.Stream) -> JSONValue {
        let state: String
        switch stream.state {
        case .stopped: state = "stopped"
        case .running: state = "running"
        case .reopening: state = "reopening"
        }
        var object: [String: JSONValue] = [
            "device": .string(stream.device), "state": .string(state), "rate": .int(stream.sampleRate),
            "xruns": .int(stream.xruns), "device_losses": .int(stream.deviceLosses), "reopens": .int(stream.reopens),
        ]
        if let realtime = stream.realtime { object["realtime"] = .bool(realtime) }
        if let problem = stream.lastProblem { object["last_problem"] = .string(problem) }
        return .object(object)
    }

    /// One line of compact JSON (sorted keys), as the socket serves it.
    public static func serialize(_ value: JSONValue) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(value) else { return "{}" }
        return String(decoding: data, as: UTF8.self)
    }

    /// Parses what the socket served; nil when it is not a JSON object.
    public static func parse(_ text: String) -> JSONValue? {
        guard let value = try? JSONDecoder().decode(JSONValue.self, from: Data(text.utf8)), value.objectValue != nil else {
            return nil
        }
        return value
    }
}
