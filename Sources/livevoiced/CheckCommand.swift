// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

import ALSA
import ArgumentParser
import BoardSupport
import CurlWebSocket
import FoundationEssentials
import GPIO
#if canImport(Glibc)
import Glibc
#endif

/// `livevoiced check`: a doctor. Checks the libraries loaded at run time, the hardware and the
/// configuration, and says what to fix. Exits non-zero when something livevoiced cannot run without is wrong.
struct Check: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check libraries, hardware and configuration, and say what to fix.")

    @Option(help: "A config file with [[tools]] to validate (and whose GPIO lines to look for).")
    var config: String?

    func run() async throws {
        var report = CheckReport()
        checkCurl(&report)
        let gpio = checkGPIO(&report)
        checkSound(&report)
        checkAPIKey(&report)
        if let config { checkTools(config, gpio: gpio, &report) }
        report.print()
        if report.failures > 0 { throw ExitCode(1) }
    }

    private func checkCurl(_ report: inout CheckReport) {
        let runtime = CurlRuntime.current
        if runtime.supportsWebSocket {
            report.ok("libcurl", "\(runtime.version) with ws/wss" + (runtime.tlsBackend.map { ", \($0)" } ?? ""))
        } else {
            do { try runtime.requireWebSocket() } catch { report.fail("libcurl", error.message) }
        }
    }

    /// The libgpiod backend when at least one chip exists (to look up the config's lines).
    private func checkGPIO(_ report: inout CheckReport) -> (any GPIOBackend)? {
        do {
            let backend = try LibgpiodBackend()
            let chips = try backend.chips()
            report.ok("libgpiod", LibgpiodBackend.apiVersion + " (v2 API)")
            guard !chips.isEmpty else {
                report.warn("GPIO chips", "none (no /dev/gpiochip*): fine on a PC; on a board, check that the GPIO driver is loaded")
                return nil
            }
            report.ok("GPIO chips", chips.map { "\($0.name) [\($0.label)] \($0.lines.count) lines" }.joined(separator: ", "))
            return backend
        } catch {
            if error.code == .noChips {
                report.ok("libgpiod", LibgpiodBackend.apiVersion + " (v2 API)")
                report.warn("GPIO chips", error.message)
            } else {
                report.fail("GPIO", error.message)
            }
            return nil
        }
    }

    private func checkSound(_ report: inout CheckReport) {
        guard let cards = SoundCards.list() else {
            report.warn("sound cards", "none (no /proc/asound): fine on a PC; on a board, check the sound driver or overlay")
            return
        }
        if let node = SoundDeviceAccess.firstInaccessibleNode() {
            report.fail("sound cards", SoundDeviceAccess.permissionAdvice(node: node))
        } else if cards.isEmpty {
            report.warn("sound cards", "none: connect the USB sound card or enable the HAT's overlay; `livevoiced audio devices` lists what ALSA sees")
        } else {
            report.ok("sound cards", cards.map { "\($0.index) [\($0.id)] \($0.name)" }.joined(separator: ", "))
        }
    }

    private func checkAPIKey(_ report: inout CheckReport) {
        let names = ["GEMINI_API_KEY", "GOOGLE_API_KEY"]
        if let name = names.first(where: { getenv($0).map { String(cString: $0).isEmpty == false } == true }) {
            report.ok("API key", "from \(name)")
        } else if getenv("CREDENTIALS_DIRECTORY") != nil {
            report.ok("API key", "systemd credentials directory present")
        } else {
            report.warn("API key", "none in GEMINI_API_KEY/GOOGLE_API_KEY: get one at https://aistudio.google.com/apikey, or use --endpoint with the local simulator")
        }
    }

    private func checkTools(_ path: String, gpio: (any GPIOBackend)?, _ report: inout CheckReport) {
        let tools: ToolsConfig
        do {
            tools = try parseToolsFile(path)
        } catch {
            report.fail("tools in \(path)", error.description)
            return
        }
        report.ok("tools in \(path)", "\(tools.tools.count) valid: " + tools.tools.map(\.name).joined(separator: ", "))
        for tool in tools.tools {
            let what = "  \(tool.name) line \(tool.action.line)"
            guard let gpio else {
                report.warn(what, "not checked: no GPIO chip here")
                continue
            }
            do {
                let info = try gpio.lineInfo(LineAddress(tool.action.line))
                if info.isUsed {
                    report.fail(what, "\(info.id) is in use by '\(info.consumer ?? "?")': stop that program or pick another line")
                } else {
                    report.ok(what, "\(info.id), free")
                }
            } catch {
                report.fail(what, error.message)
            }
        }
    }
}

/// The doctor's findings, printed as aligned lines.
struct CheckReport {
    private var lines: [(mark: String, what: String, detail: String)] = []
    private(set) var failures = 0

    mutating func ok(_ what: String, _ detail: String) { lines.append(("ok  ", what, detail)) }
    mutating func warn(_ what: String, _ detail: String) { lines.append(("warn", what, detail)) }
    mutating func fail(_ what: String, _ detail: String) {
        failures += 1
        lines.append(("FAIL", what, detail))
    }

    func print() {
        let width = (lines.map(\.what.count).max() ?? 0) + 1
        for line in lines {
            Swift.print("\(line.mark) \(line.what.padding(width))\(line.detail)")
        }
        Swift.print(failures == 0 ? "livevoiced can run here." : "\(failures) problem(s) to fix before livevoiced can run.")
    }
}

extension String {
    func padding(_ width: Int) -> String { count >= width ? self + " " : self + String(repeating: " ", count: width - count) }
}
