// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

public import Conversation
public import GPIO

/// `[live]`: which model, where, and how it should sound.
public struct LiveSection: Sendable, Equatable, Decodable {
    /// The model (see the README's model table).
    public var model = "gemini-3.8-live"
    /// A base URL replacing Google's (`wss://…`, or `ws://` to loopback for the local simulator).
    public var endpoint: String?
    /// A PEM file of CA certificates to trust for a `wss://` endpoint with a private CA.
    public var caFile: String?
    /// The API version in the path (default: the client's, `v1beta`; `v1` does not serve Live).
    public var apiVersion: String?
    /// A prebuilt voice (`Aoede`, `Charon`, `Kore`, `Puck`, ...); the model's default when absent.
    public var voice: String?
    /// The language of speech in and out (BCP-47, `en-US`, `de-DE`); the model's default when absent.
    public var language: String?
    /// How the assistant should behave.
    public var systemInstruction = LiveSection.defaultInstruction
    /// Vertex AI instead of the Gemini API: the Google Cloud project.
    public var vertexProject: String?
    /// Vertex AI location (regional: `us-central1`, `us-east5`, `europe-west4`).
    public var vertexLocation = "us-central1"
    /// A file with a Vertex AI OAuth access token, read on every connect.
    public var accessTokenFile: String?
    /// A file with the API key, when systemd's credential is not there (it must not be world-readable).
    public var apiKeyFile: String?
    /// Ask for transcripts of both sides (for the log and `simulate --json`).
    public var transcripts = true

    /// What the assistant is told when the configuration says nothing.
    public static let defaultInstruction = """
        You are a voice assistant in a small speaker. Answer briefly and naturally, in one or two sentences, \
        because the user listens rather than reads. When a request matches one of your tools, call the tool, \
        then say what happened.
        """

    public init() {}

    private enum CodingKeys: String, CodingKey {
        case model, endpoint, voice, language, transcripts
        case caFile = "ca_file"
        case apiVersion = "api_version"
        case systemInstruction = "system_instruction"
        case vertexProject = "vertex_project"
        case vertexLocation = "vertex_location"
        case accessTokenFile = "access_token_file"
        case apiKeyFile = "api_key_file"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        model = try c.text(.model, default: model)
        endpoint = try c.optionalText(.endpoint)
        caFile = try c.optionalText(.caFile)
        apiVersion = try c.optionalText(.apiVersion)
        voice = try c.optionalText(.voice)
        language = try c.optionalText(.language)
        systemInstruction = try c.text(.systemInstruction, default: systemInstruction)
        vertexProject = try c.optionalText(.vertexProject)
        vertexLocation = try c.text(.vertexLocation, default: vertexLocation)
        accessTokenFile = try c.optionalText(.accessTokenFile)
        apiKeyFile = try c.optionalText(.apiKeyFile)
        transcripts = try c.flag(.transcripts, default: transcripts)
        if vertexProject != nil && accessTokenFile == nil {
            throw DecodingError.dataCorruptedError(
                forKey: .accessTokenFile, in: c,
                debugDescription: "vertex_project needs access_token_file (a file holding an OAuth access token)")
        }
    }
}

/// `[audio]`: the devices and the microphone front end.
public struct AudioSection: Sendable, Equatable, Decodable {
    /// The microphone's ALSA PCM name (`default`, `plughw:1,0`, a name from asound.conf).
    public var captureDevice = "default"
    /// The speaker's ALSA PCM name.
    public var playbackDevice = "default"
    /// The rate to ask the microphone for (the engine resamples to 16 kHz if it offers another).
    public var captureRate = 16_000
    /// The rate to ask the speaker for (the reply is 24 kHz; the engine resamples).
    public var playbackRate = 24_000
    /// The device period in ms.
    public var periodMilliseconds = 10
    /// The device buffer in periods.
    public var periodsPerBuffer = 4
    /// An asound.conf-style file that defines the device names (instead of the system's).
    public var alsaConfigFile: String?
    /// The echo canceller (off: the mic is shut while the speaker plays).
    public var echoCancellation = true
    /// The echo tail the canceller models, ms (nil: the front end's default).
    public var echoFilterMilliseconds: Int?
    /// The extra delay of the echo behind the reference, ms (`livevoiced check --audio` suggests it).
    public var delayOffsetMilliseconds = 0
    /// The noise suppressor.
    public var noiseSuppression = true
    /// Speech probability (percent) that starts speech for the VAD (nil: the front end's default).
    public var vadStartProbability: Int?
    /// Speech probability (percent) that keeps speech going (nil: the front end's default).
    public var vadContinueProbability: Int?
    /// Toggle mode: the local VAD gates the uplink (off: every frame is streamed, silence included).
    public var vadGate = true
    /// Toggle mode: how long the uplink stays open after speech stops, ms.
    public var vadHangoverMilliseconds = 400
    /// Audio from before the press sent with the turn, ms.
    public var prerollMilliseconds = 250
    /// Reply audio gathered before it starts to play, ms (smooths network jitter).
    public var jitterBufferMilliseconds = 60
    /// SCHED_FIFO priority for the audio threads (0: do not ask).
    public var realtimePriority = 60

    public init() {}

    private enum CodingKeys: String, CodingKey {
        case captureDevice = "capture_device"
        case playbackDevice = "playback_device"
        case captureRate = "capture_rate"
        case playbackRate = "playback_rate"
        case periodMilliseconds = "period_ms"
        case periodsPerBuffer = "periods_per_buffer"
        case alsaConfigFile = "alsa_config_file"
        case echoCancellation = "echo_cancellation"
        case echoFilterMilliseconds = "echo_filter_ms"
        case delayOffsetMilliseconds = "delay_offset_ms"
        case noiseSuppression = "noise_suppression"
        case vadStartProbability = "vad_start_probability"
        case vadContinueProbability = "vad_continue_probability"
        case vadGate = "vad_gate"
        case vadHangoverMilliseconds = "vad_hangover_ms"
        case prerollMilliseconds = "preroll_ms"
        case jitterBufferMilliseconds = "jitter_buffer_ms"
        case realtimePriority = "realtime_priority"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        captureDevice = try c.text(.captureDevice, default: captureDevice)
        playbackDevice = try c.text(.playbackDevice, default: playbackDevice)
        captureRate = try c.integer(.captureRate, default: captureRate, in: 8_000...192_000, unit: "Hz")
        playbackRate = try c.integer(.playbackRate, default: playbackRate, in: 8_000...192_000, unit: "Hz")
        periodMilliseconds = try c.integer(.periodMilliseconds, default: periodMilliseconds, in: 2...100, unit: "ms")
        periodsPerBuffer = try c.integer(.periodsPerBuffer, default: periodsPerBuffer, in: 2...32)
        alsaConfigFile = try c.optionalText(.alsaConfigFile)
        echoCancellation = try c.flag(.echoCancellation, default: echoCancellation)
        echoFilterMilliseconds = try c.optionalInteger(.echoFilterMilliseconds, in: 20...1000, unit: "ms")
        delayOffsetMilliseconds = try c.integer(.delayOffsetMilliseconds, default: 0, in: -500...1000, unit: "ms")
        noiseSuppression = try c.flag(.noiseSuppression, default: noiseSuppression)
        vadStartProbability = try c.optionalInteger(.vadStartProbability, in: 1...100, unit: "percent")
        vadContinueProbability = try c.optionalInteger(.vadContinueProbability, in: 1...100, unit: "percent")
        vadGate = try c.flag(.vadGate, default: vadGate)
        vadHangoverMilliseconds = try c.integer(.vadHangoverMilliseconds, default: vadHangoverMilliseconds, in: 0...5000, unit: "ms")
        prerollMilliseconds = try c.integer(.prerollMilliseconds, default: prerollMilliseconds, in: 0...2000, unit: "ms")
        jitterBufferMilliseconds = try c.integer(.jitterBufferMilliseconds, default: jitterBufferMilliseconds, in: 0...1000, unit: "ms")
        realtimePriority = try c.integer(.realtimePriority, default: realtimePriority, in: 0...99)
    }
}

/// `[button]`: the push button.
public struct ButtonSection: Sendable, Equatable, Decodable {
    /// The line (`GPIO17`, or `gpiochip0:17`); nil: no button (only `simulate` can run without one).
    public var line: String?
    /// Pressed reads low (a button to ground, the usual wiring).
    public var activeLow = true
    /// The pull resistor (`pull-up` for a button to ground).
    public var bias = LineBias.pullUp
    /// Push-to-talk or toggle.
    public var mode = ButtonMode.pushToTalk
    /// Software debounce, ms.
    public var debounceMilliseconds = 30
    /// Held this long is a long press, ms.
    public var longPressMilliseconds = 1000
    /// A second press within this time after a release is a double press, ms.
    public var doublePressMilliseconds = 400

    public init() {}

    private enum CodingKeys: String, CodingKey {
        case line, bias, mode
        case activeLow = "active_low"
        case debounceMilliseconds = "debounce_ms"
        case longPressMilliseconds = "long_press_ms"
        case doublePressMilliseconds = "double_press_ms"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        line = try c.optionalText(.line)
        activeLow = try c.flag(.activeLow, default: activeLow)
        if let name = try c.decodeIfPresent(String.self, forKey: .bias) {
            guard let parsed = LineBias(rawValue: name), parsed != .unknown else {
                throw DecodingError.dataCorruptedError(
                    forKey: .bias, in: c, debugDescription: "unknown bias \"\(name)\"; expected one of: \"pull-up\", \"pull-down\", \"disabled\", \"as-is\"")
            }
            bias = parsed
        }
        mode = try c.choice(.mode, default: mode)
        debounceMilliseconds = try c.integer(.debounceMilliseconds, default: debounceMilliseconds, in: 1...500, unit: "ms")
        longPressMilliseconds = try c.integer(.longPressMilliseconds, default: longPressMilliseconds, in: 200...10_000, unit: "ms")
        doublePressMilliseconds = try c.integer(.doublePressMilliseconds, default: doublePressMilliseconds, in: 50...2000, unit: "ms")
    }
}

/// `[led]`: the status LED.
public struct LEDSection: Sendable, Equatable, Decodable {
    /// The line; nil: no LED.
    public var line: String?
    /// Lit drives the line low.
    public var activeLow = false

    public init() {}

    private enum CodingKeys: String, CodingKey {
        case line
        case activeLow = "active_low"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        line = try c.optionalText(.line)
        activeLow = try c.flag(.activeLow, default: activeLow)
    }
}

/// `[session]`: how long conversations last and how they come back.
public struct SessionSection: Sendable, Equatable, Decodable {
    /// Push-to-talk: the session closes after this long without a turn, s.
    public var idleTimeoutSeconds = 60
    /// A press within this long after a session closed resumes it (the model remembers), s.
    public var resumeWindowSeconds = 600
    /// Toggle: the hands-free conversation ends after this long of quiet, s.
    public var silenceTimeoutSeconds = 10
    /// A push-to-talk turn ends by itself after this long, s.
    public var maximumTurnSeconds = 60
    /// The longest wait between reconnect attempts, s.
    public var reconnectMaximumSeconds = 60

    public init() {}

    private enum CodingKeys: String, CodingKey {
        case idleTimeoutSeconds = "idle_timeout_s"
        case resumeWindowSeconds = "resume_window_s"
        case silenceTimeoutSeconds = "silence_timeout_s"
        case maximumTurnSeconds = "max_turn_s"
        case reconnectMaximumSeconds = "reconnect_max_s"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        idleTimeoutSeconds = try c.integer(.idleTimeoutSeconds, default: idleTimeoutSeconds, in: 5...3600, unit: "s")
        resumeWindowSeconds = try c.integer(.resumeWindowSeconds, default: resumeWindowSeconds, in: 0...86_400, unit: "s")
        silenceTimeoutSeconds = try c.integer(.silenceTimeoutSeconds, default: silenceTimeoutSeconds, in: 2...3600, unit: "s")
        maximumTurnSeconds = try c.integer(.maximumTurnSeconds, default: maximumTurnSeconds, in: 5...600, unit: "s")
        reconnectMaximumSeconds = try c.integer(.reconnectMaximumSeconds, default: reconnectMaximumSeconds, in: 1...3600, unit: "s")
    }
}
