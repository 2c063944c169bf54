// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

public import ALSA

/// Everything the ``AudioEngine`` needs to know, with defaults for a Raspberry Pi with a USB microphone
/// and speaker.
public struct AudioEngineConfiguration: Sendable {
    /// One ALSA device and how to run it.
    public struct Device: Sendable, Hashable {
        /// The PCM name (`default`, `plughw:1,0`, a name from asound.conf or ``alsaConfigurationText``).
        public var name: String
        /// The rate to ask the device for. When it offers another, the engine resamples.
        public var sampleRate: Int
        /// The device period in milliseconds (10 or 20).
        public var periodMilliseconds: Int
        /// The device buffer in periods; the playback latency is about this many periods.
        public var periodsPerBuffer: Int

        /// Creates a device description.
        public init(name: String, sampleRate: Int, periodMilliseconds: Int = 10, periodsPerBuffer: Int = 4) {
            self.name = name
            self.sampleRate = sampleRate
            self.periodMilliseconds = periodMilliseconds
            self.periodsPerBuffer = periodsPerBuffer
        }
    }

    /// How the engine keeps time on devices with no clock of their own.
    public enum Pacing: Sendable, Hashable {
        /// Pace by the monotonic clock only when the device has no clock (alsa-lib's `null` and `file`
        /// plugins); sound cards and sound servers pace themselves.
        case automatic
        /// Trust the device to block.
        case device
        /// Always pace by the monotonic clock (for tests).
        case clock
    }

    /// The microphone. The engine's frames are always 16 kHz; the device is asked for ``Device/sampleRate``
    /// (16000 by default).
    public var capture = Device(name: "default", sampleRate: 16000)
    /// The speaker, or nil for capture only (`livevoiced audio meter`). The playback sink always takes
    /// 24 kHz; the device is asked for ``Device/sampleRate`` (24000 by default).
    public var playback: Device? = Device(name: "default", sampleRate: 24000)
    /// ALSA configuration text (asound.conf syntax) defining the device names, used instead of the
    /// system configuration; nil uses the system's (the normal case).
    public var alsaConfigurationText: String?
    /// Whether ``alsaConfigurationText`` adds to the system configuration instead of replacing it.
    public var alsaConfigurationTextExtendsSystem = false
    /// Whether alsa-lib's plug/rate plugins may resample (off: the engine resamples instead).
    public var allowPluginResampling = false

    /// Extra delay of the echo behind the reference that the engine cannot measure: the acoustic path and
    /// converter latencies. `livevoiced audio loopback` measures it and suggests a value.
    public var referenceOffsetMilliseconds = 0
    /// How much earlier than measured the engine places the reference: the canceller's margin, so that an
    /// over-estimated device delay still puts the echo after the reference (an adaptive filter can only
    /// model a causal echo path), and room for the front end's delay estimate to move it.
    public var alignmentSlackMilliseconds = 10

    /// The delay the front end applies to the reference itself (``MicProcessor/setBaseDelay(samples:)``):
    /// the positive part of ``referenceOffsetMilliseconds``. The slack is deliberately not in it.
    public var frontEndDelayMilliseconds: Int { max(0, referenceOffsetMilliseconds) }

    /// How far ahead of the measured echo the engine places the reference: the slack, plus a negative
    /// offset (the devices report more delay than there is), which only the engine can advance.
    public var referenceLeadMilliseconds: Int { alignmentSlackMilliseconds + max(0, -referenceOffsetMilliseconds) }

    /// How much processed audio the pre-roll ring keeps.
    public var prerollMilliseconds = 500
    /// How much 24 kHz audio the playback sink holds before it reports full (rounded up to a power of two
    /// in samples).
    public var playbackBufferMilliseconds = 2000
    /// How many processed frames wait for the consumer of ``AudioEngine/frames`` before the oldest are
    /// dropped (and counted).
    public var frameQueueMilliseconds = 1000
    /// SCHED_FIFO priority for the capture and playback threads, or nil to not ask.
    public var realtimePriority: Int? = 60
    /// When to pace by the clock instead of the device.
    public var pacing = Pacing.automatic
    /// Attach the raw microphone and the aligned reference to every frame (for `audio loopback` and
    /// tests; triples the frame traffic).
    public var diagnostics = false
    /// The first wait before reopening a lost device; doubled after each failure.
    public var reopenInitialDelayMilliseconds = 250
    /// The longest wait between reopen attempts.
    public var reopenMaximumDelayMilliseconds = 5000
    /// A reopened device that fails again within this time has not really come back: the next reopen
    /// waits longer (doubling up to the maximum) and fewer warnings are logged.
    public var reopenSettleMilliseconds = 2000
    /// Makes the converters the engine needs (device rate ↔ 16/24 kHz, and 24 → 16 kHz for the reference).
    /// The default is speexdsp's (``SpeexSampleRateConverter``).
    public var makeResampler: SampleRateConverterFactory = { try SpeexSampleRateConverter(inputRate: $0, outputRate: $1) }

    /// The defaults (`default` for both devices, 16 kHz capture, 24 kHz playback, 10 ms periods).
    public init() {}

    /// The rate of the processed microphone frames.
    public static let frameRate = 16000
    /// The rate the playback sink takes.
    public static let playbackRate = 24000

    /// Checks the values; the error message names the bad one.
    public func validate() throws(AudioEngineError) {
        func bad(_ message: String) -> AudioEngineError { AudioEngineError(.configuration, message) }
        for (label, device) in [("capture", Optional(capture)), ("playback", playback)] {
            guard let device else { continue }
            if device.name.isEmpty { throw bad("the \(label) device name is empty: use 'default' or a name from `livevoiced audio devices`") }
            if !(4000...384_000).contains(device.sampleRate) { throw bad("\(label) rate \(device.sampleRate) Hz is outside 4000...384000") }
            if !(2...100).contains(device.periodMilliseconds) {
                throw bad("\(label) period \(device.periodMilliseconds) ms is outside 2...100 (10 or 20 is usual)")
            }
            if !(2...32).contains(device.periodsPerBuffer) { throw bad("\(label) buffer of \(device.periodsPerBuffer) periods is outside 2...32") }
        }
        if !(-500...1000).contains(referenceOffsetMilliseconds) {
            throw bad("reference offset \(referenceOffsetMilliseconds) ms is outside -500...1000")
        }
        if !(0...100).contains(alignmentSlackMilliseconds) { throw bad("alignment slack \(alignmentSlackMilliseconds) ms is outside 0...100") }
        if !(10...60_000).contains(prerollMilliseconds) { throw bad("pre-roll \(prerollMilliseconds) ms is outside 10...60000") }
        if !(100...60_000).contains(playbackBufferMilliseconds) {
            throw bad("playback buffer \(playbackBufferMilliseconds) ms is outside 100...60000")
        }
        if !(100...60_000).contains(frameQueueMilliseconds) { throw bad("frame queue \(frameQueueMilliseconds) ms is outside 100...60000") }
        if let priority = realtimePriority, !(1...99).contains(priority) { throw bad("real-time priority \(priority) is outside 1...99") }
        if reopenInitialDelayMilliseconds < 1 || reopenMaximumDelayMilliseconds < reopenInitialDelayMilliseconds {
            throw bad("reopen delays must be positive, the maximum at least the initial one")
        }
        if reopenSettleMilliseconds < 0 { throw bad("the reopen settle time must not be negative") }
    }
}

/// Why the engine could not start.
public struct AudioEngineError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The kind of failure. A struct over a private enum (the shape of `LiveError.Kind`), so kinds can
    /// be added without breaking callers' switches.
    public struct Kind: Hashable, Sendable, CustomStringConvertible {
        private enum Value: String, Hashable, Sendable {
            case configuration, device, processing, system
        }
        private let value: Value

        /// A configuration value is out of range.
        public static let configuration = Kind(value: .configuration)
        /// A device could not be opened or configured (see ``AudioEngineError/alsaError``).
        public static let device = Kind(value: .device)
        /// The front end (``MicProcessor``) or a resampler could not be made.
        public static let processing = Kind(value: .processing)
        /// A thread could not be started, or the engine was started twice.
        public static let system = Kind(value: .system)

        public var description: String { value.rawValue }
    }

    /// The kind of failure.
    public var kind: Kind
    /// What went wrong and what to do, for the user.
    public var message: String
    /// The alsa-lib error behind a ``Kind/device`` failure.
    public var alsaError: ALSAError?

    /// Creates an error.
    public init(_ kind: Kind, _ message: String, alsaError: ALSAError? = nil) {
        self.kind = kind
        self.message = message
        self.alsaError = alsaError
    }

    public var description: String { message }
}
