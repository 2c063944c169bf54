// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

import Synchronization

/// Something the audio engine tells its owner about, from ``AudioEngine/events``.
public enum AudioEngineEvent: Sendable, Equatable {
    /// A device failed for good (unplugged): it is closed and being reopened with backoff.
    case deviceLost(AudioDeviceKind, reason: String)
    /// A lost device is open again.
    case deviceRestored(AudioDeviceKind)
    /// Everything written to the playback sink up to `position` (``PlaybackSink/writtenPosition``) has
    /// left the speaker, the device's own queue included.
    case playbackDrained(position: UInt)
    /// The engine cannot go on (a device came back but cannot be configured again); its threads have
    /// ended and ``AudioEngine/frames`` has finished.
    case failed(AudioEngineError)
}

/// Which of the engine's two devices.
public enum AudioDeviceKind: String, Sendable, Equatable {
    /// The microphone.
    case capture
    /// The speaker.
    case playback
}

/// What the device threads report to the frame pump, which turns it into ``AudioEngineEvent``s: counters
/// and one failure slot, touched only off the real-time hot path (losses, reopens) or with atomics
/// (drains), then a wake of the pump's eventfd.
final class EngineSignals: Sendable {
    /// Losses and reopens per device as last seen by the pump.
    let captureLosses = Atomic<Int>(0)
    let captureReopens = Atomic<Int>(0)
    let playbackLosses = Atomic<Int>(0)
    let playbackReopens = Atomic<Int>(0)
    /// Bumped by the playback thread each time the sink and the device ran dry after playing.
    let drains = Atomic<Int>(0)
    /// The sink read position at the last drain.
    let drainedPosition = Atomic<UInt>(0)
    /// The reason of the last loss of each device (read by the pump when the count moves).
    let lastLoss = Mutex<(capture: String, playback: String)>(("", ""))
    /// Set once when the engine cannot go on.
    let failure = Mutex<AudioEngineError?>(nil)

    func noteLoss(_ kind: AudioDeviceKind, reason: String) {
        lastLoss.withLock { if kind == .capture { $0.capture = reason } else { $0.playback = reason } }
        if kind == .capture {
            captureLosses.wrappingAdd(1, ordering: .releasing)
        } else {
            playbackLosses.wrappingAdd(1, ordering: .releasing)
        }
    }

    func noteReopen(_ kind: AudioDeviceKind) {
        if kind == .capture {
            captureReopens.wrappingAdd(1, ordering: .releasing)
        } else {
            playbackReopens.wrappingAdd(1, ordering: .releasing)
        }
    }

    func noteFailure(_ error: AudioEngineError) {
        failure.withLock { if $0 == nil { $0 = error } }
    }
}

/// The pump's view of the signals: which events are new since it last looked.
struct EngineSignalReader {
    private var captureLosses = 0, captureReopens = 0, playbackLosses = 0, playbackReopens = 0, drains = 0
    private var failed = false

    mutating func newEvents(_ signals: EngineSignals) -> [AudioEngineEvent] {
        var events: [AudioEngineEvent] = []
        let loss = signals.lastLoss.withLock { $0 }
        func check(_ now: Int, _ seen: inout Int, _ event: @autoclosure () -> AudioEngineEvent) {
            if now != seen {
                seen = now
                events.append(event())
            }
        }
        check(signals.captureLosses.load(ordering: .acquiring), &captureLosses, .deviceLost(.capture, reason: loss.capture))
        check(signals.captureReopens.load(ordering: .acquiring), &captureReopens, .deviceRestored(.capture))
        check(signals.playbackLosses.load(ordering: .acquiring), &playbackLosses, .deviceLost(.playback, reason: loss.playback))
        check(signals.playbackReopens.load(ordering: .acquiring), &playbackReopens, .deviceRestored(.playback))
        check(signals.drains.load(ordering: .acquiring), &drains,
              .playbackDrained(position: signals.drainedPosition.load(ordering: .acquiring)))
        if !failed, let failure = signals.failure.withLock({ $0 }) {
            failed = true
            events.append(.failed(failure))
        }
        return events
    }
}
