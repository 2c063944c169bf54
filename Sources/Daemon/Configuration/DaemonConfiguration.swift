// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

public import AudioEngine
public import AudioFrontEnd
public import BoardSupport
public import Conversation
public import TOML

/// The daemon's whole configuration (`/etc/livevoiced/config.toml`): every section, decoded from TOML in
/// one strict pass. Unknown keys and wrong types are errors with their key path and line; every field is
/// documented in `board/examples/livevoiced.toml`. `livevoiced check` validates the same model the
/// daemon runs.
public struct DaemonConfiguration: Sendable, Equatable, Decodable {
    /// `[board]`: what the file was written for (informational).
    public var boardName: String?
    /// `[live]`
    public var live = LiveSection()
    /// `[audio]`
    public var audio = AudioSection()
    /// `[button]`
    public var button = ButtonSection()
    /// `[led]`
    public var led = LEDSection()
    /// `[session]`
    public var session = SessionSection()
    /// `[[tools]]`
    public var tools = ToolsConfig(tools: [])

    /// The defaults (no button, LED or tools).
    public init() {}

    private enum CodingKeys: String, CodingKey {
        case board, live, audio, button, led, session
    }

    private enum BoardKeys: String, CodingKey {
        case name
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        if c.contains(.board) {
            let board = try c.nestedContainer(keyedBy: BoardKeys.self, forKey: .board)
            boardName = try board.decodeIfPresent(String.self, forKey: .name)
        }
        live = try c.decodeIfPresent(LiveSection.self, forKey: .live) ?? live
        audio = try c.decodeIfPresent(AudioSection.self, forKey: .audio) ?? audio
        button = try c.decodeIfPresent(ButtonSection.self, forKey: .button) ?? button
        led = try c.decodeIfPresent(LEDSection.self, forKey: .led) ?? led
        session = try c.decodeIfPresent(SessionSection.self, forKey: .session) ?? session
        tools = try ToolsConfig(from: decoder)
    }

    /// Parses and decodes a configuration file's text, strictly: the first unknown key, wrong type or
    /// out-of-range value is thrown with its key path, line and column.
    public static func parse(_ text: String) throws(TOMLDecodingError) -> DaemonConfiguration {
        let document: TOMLDocument
        do {
            document = try TOMLDocument(parsing: text)
        } catch {
            throw TOMLDecodingError(kind: .syntax, path: "", line: error.line, column: error.column, message: error.message)
        }
        var (configuration, unknown) = try TOMLDecoder().decodeReportingUnknownKeys(DaemonConfiguration.self, from: document.root)
        if let first = unknown.first {
            throw TOMLDecodingError(
                kind: .unknownKey, path: first.path, line: first.position.line, column: first.position.column,
                message: first.message)
        }
        configuration.tools.locate(in: document)
        if configuration.button.line != nil, configuration.button.line == configuration.led.line {
            throw TOMLDecodingError(
                kind: .invalidValue, path: "led.line", line: nil, column: nil,
                message: "the LED cannot use the button's line (\(configuration.button.line!))")
        }
        return configuration
    }

    // MARK: What the engines get

    /// The front end: its own defaults (the measured ones), with what this file changes.
    public var frontEnd: FrontEndConfiguration {
        var frontEnd = FrontEndConfiguration()
        frontEnd.echoCancellation = audio.echoCancellation
        frontEnd.noiseSuppression = audio.noiseSuppression
        if let filter = audio.echoFilterMilliseconds { frontEnd.filterLengthMilliseconds = filter }
        if let start = audio.vadStartProbability { frontEnd.vadStartProbability = start }
        if let keep = audio.vadContinueProbability { frontEnd.vadContinueProbability = keep }
        return frontEnd
    }

    /// The audio engine: devices, buffers, the reference delay. `alsaConfigurationText` is the content of
    /// ``AudioSection/alsaConfigFile`` when there is one (read by the caller).
    public func audioEngine(alsaConfigurationText: String? = nil) -> AudioEngineConfiguration {
        var engine = AudioEngineConfiguration()
        engine.capture = .init(name: audio.captureDevice, sampleRate: audio.captureRate,
                               periodMilliseconds: audio.periodMilliseconds, periodsPerBuffer: audio.periodsPerBuffer)
        engine.playback = .init(name: audio.playbackDevice, sampleRate: audio.playbackRate,
                                periodMilliseconds: audio.periodMilliseconds, periodsPerBuffer: audio.periodsPerBuffer)
        engine.alsaConfigurationText = alsaConfigurationText
        engine.referenceOffsetMilliseconds = audio.delayOffsetMilliseconds
        engine.prerollMilliseconds = max(10, audio.prerollMilliseconds)
        engine.realtimePriority = audio.realtimePriority == 0 ? nil : audio.realtimePriority
        return engine
    }

    /// The conversation controller's timings.
    public var conversation: ConversationSettings {
        var settings = ConversationSettings()
        settings.mode = button.mode
        settings.preroll = .milliseconds(audio.prerollMilliseconds)
        settings.vadHangover = .milliseconds(audio.vadHangoverMilliseconds)
        settings.idleTimeout = .seconds(session.idleTimeoutSeconds)
        settings.resumeWindow = .seconds(session.resumeWindowSeconds)
        settings.silenceTimeout = .seconds(session.silenceTimeoutSeconds)
        settings.maximumTurn = .seconds(session.maximumTurnSeconds)
        settings.reconnectMaximum = .seconds(session.reconnectMaximumSeconds)
        settings.voiceBargeIn = audio.echoCancellation
        settings.vadGatesUplink = audio.vadGate
        return settings
    }

    /// The button's debounce and gesture timing.
    public var buttonTiming: ButtonTiming {
        ButtonTiming(
            debounce: .milliseconds(button.debounceMilliseconds), longPress: .milliseconds(button.longPressMilliseconds),
            doublePressWindow: .milliseconds(button.doublePressMilliseconds))
    }
}
