// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

import AudioFrontEnd
import Conversation
import Daemon
import Foundation
import GPIO
import TestKit
import Testing
import TOML

@Suite("Daemon configuration")
struct ConfigurationTests {
    static func example() throws -> String {
        try String(contentsOf: PackagePaths.root.appendingPathComponent("board/examples/livevoiced.toml"), encoding: .utf8)
    }

    @Test("the annotated example decodes, with the values it documents")
    func example() throws {
        let config = try DaemonConfiguration.parse(try Self.example())
        #expect(config.live.model == "gemini-3.8-live")
        #expect(config.live.voice == "Aoede")
        #expect(config.live.language == "en-US")
        #expect(config.live.systemInstruction.hasPrefix("You are a voice assistant in a small speaker"))
        #expect(!config.live.systemInstruction.contains("\\"))
        #expect(config.live.endpoint == nil)
        #expect(config.audio.jitterBufferMilliseconds == 60)
        #expect(config.audio.prerollMilliseconds == 250)
        #expect(config.button.line == "GPIO17")
        #expect(config.button.mode == .pushToTalk)
        #expect(config.button.bias == .pullUp)
        #expect(config.led.line == "GPIO18")
        #expect(config.session.resumeWindowSeconds == 600)
        #expect(config.tools.tools.map(\.name) == ["garage_door", "desk_lamp", "fan", "front_door_open", "doorbell_chime"])
        let door = try #require(config.tools.tools.first)
        #expect(door.action.kind == .pulse)
        #expect(door.action.line == "GPIO27")
        #expect(door.location?.line != nil)
    }

    @Test("an empty file is the defaults; the engines get the front end's measured defaults")
    func defaults() throws {
        let config = try DaemonConfiguration.parse("")
        #expect(config == DaemonConfiguration())
        #expect(config.frontEnd == FrontEndConfiguration())
        #expect(config.button.line == nil)
        let engine = config.audioEngine()
        #expect(engine.capture.name == "default")
        #expect(engine.playback?.sampleRate == 24000)
        #expect(config.conversation.mode == .pushToTalk)
        #expect(config.conversation.idleTimeout == .seconds(60))
    }

    @Test("settings reach the engines: front end, audio engine, conversation, button timing")
    func mapping() throws {
        let config = try DaemonConfiguration.parse("""
            [audio]
            echo_filter_ms = 200
            vad_start_probability = 85
            delay_offset_ms = 12
            realtime_priority = 0
            vad_hangover_ms = 600
            [button]
            mode = "toggle"
            long_press_ms = 1500
            [session]
            silence_timeout_s = 20
            """)
        #expect(config.frontEnd.filterLengthMilliseconds == 200)
        #expect(config.frontEnd.vadStartProbability == 85)
        #expect(config.audioEngine().referenceOffsetMilliseconds == 12)
        #expect(config.audioEngine().realtimePriority == nil)
        #expect(config.conversation.mode == .toggle)
        #expect(config.conversation.vadHangover == .milliseconds(600))
        #expect(config.conversation.silenceTimeout == .seconds(20))
        #expect(config.buttonTiming.longPress == .milliseconds(1500))
    }

    @Test("errors name the key path and the line", arguments: [
        ("[audio]\ncapture_devic = \"x\"\n", "audio.capture_devic", 2),
        ("[live]\nmodel = 3\n", "live.model", 2),
        ("\n[audio]\njitter_buffer_ms = 5000\n", "audio.jitter_buffer_ms", 3),
        ("[button]\nmode = \"hold\"\n", "button.mode", 2),
        ("[button]\nbias = \"up\"\n", "button.bias", 2),
        ("[session]\nidle_timeout_s = 1\n", "session.idle_timeout_s", 2),
        ("[sessions]\nidle_timeout_s = 10\n", "sessions", 1),
        ("[[tools]]\nname = \"x\"\ndescription = \"d\"\naction = { kind = \"pulse\", line = \"GPIO5\", pulse_ms = 0 }\n",
         "tools[0].action.pulse_ms", 4),
        ("[live]\nvertex_project = \"p\"\n", "live.access_token_file", 1),
    ])
    func errors(text: String, path: String, line: Int) {
        do {
            _ = try DaemonConfiguration.parse(text)
            Issue.record("accepted: \(text)")
        } catch {
            #expect(error.path == path, "\(error)")
            #expect(error.line == line, "\(error)")
            #expect(!error.message.isEmpty)
        }
    }

    @Test("messages say what is wrong and what is allowed")
    func messages() {
        #expect(throws: TOMLDecodingError.self) { try DaemonConfiguration.parse("[button]\nmode = \"hold\"\n") }
        do {
            _ = try DaemonConfiguration.parse("[button]\nmode = \"hold\"\n")
        } catch {
            #expect(error.message.contains("\"push-to-talk\""))
            #expect(error.message.contains("\"toggle\""))
        }
        do {
            _ = try DaemonConfiguration.parse("[audio]\njitter_buffer_ms = 5000\n")
        } catch {
            #expect(error.message == "jitter_buffer_ms must be from 0 to 1000 ms, found 5000")
        }
        do {
            _ = try DaemonConfiguration.parse("[button]\nline = \"GPIO5\"\n[led]\nline = \"GPIO5\"\n")
            Issue.record("the LED on the button's line was accepted")
        } catch {
            #expect(error.path == "led.line")
        }
    }

    @Test("every configuration file in board/ decodes")
    func everyBoardFile() throws {
        let board = PackagePaths.root.appendingPathComponent("board")
        let files = FileManager.default.enumerator(atPath: board.path)?.compactMap { $0 as? String }
            .filter { $0.hasSuffix(".toml") } ?? []
        #expect(!files.isEmpty)
        for file in files {
            let text = try String(contentsOf: board.appendingPathComponent(file), encoding: .utf8)
            if file.hasSuffix("tools.toml") {
                _ = try ToolsConfigParse.parse(text)
            } else {
                do {
                    _ = try DaemonConfiguration.parse(text)
                } catch {
                    Issue.record("\(file): \(error)")
                }
            }
        }
    }
}

import BoardSupport

/// The tools-only example is a `[[tools]]` snippet, not a whole configuration.
enum ToolsConfigParse {
    static func parse(_ text: String) throws -> ToolsConfig { try ToolsConfig.parse(text) }
}
