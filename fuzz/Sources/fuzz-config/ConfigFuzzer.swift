// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

import BoardSupport
import Daemon
import GPIO
import TOML

/// Any text as a livevoiced configuration file, through every decoder of one.
///
/// Every decoder of a configuration is in `decoders`: the tools alone (`gpio action`, `check`) and the
/// daemon's whole configuration with what it derives for the engines. Seeds go in `fuzz/corpus/config/`
/// (`scripts/fuzz` copies `board/**/*.toml` there as well).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzConfig(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    for decode in decoders { decode(text) }
    return 0
}

private let decoders: [@Sendable (String) -> Void] = [
    { text in
        // The tools as `livevoiced gpio action` and `check` read them, then as the daemon uses them.
        do throws(TOMLDecodingError) {
            let config = try ToolsConfig.parse(text)
            for tool in config.tools {
                _ = tool.parameters.jsonSchema
                _ = LineAddress(tool.action.line)
                _ = ToolConfig.defaultParameters(for: tool.action).jsonSchema
            }
        } catch {
            _ = error.description
        }
    },
    { text in _ = try? ToolsConfig.parse(text, rejectingUnknownKeys: false) },
    { text in
        // The daemon's configuration, as `run`, `simulate` and `check` read it, then what the engines get.
        do throws(TOMLDecodingError) {
            let config = try DaemonConfiguration.parse(text)
            _ = config.frontEnd
            _ = config.audioEngine()
            _ = config.conversation
            _ = config.buttonTiming
        } catch {
            _ = error.description
        }
    },
]
