// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

internal import CALSA

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A PCM that ALSA's configuration advertises (`snd_device_name_hint`), with what it can do.
public struct ALSADevice: Sendable, Hashable {
    /// The name to open it by (`default`, `plughw:CARD=Device,DEV=0`, `sysdefault:CARD=...`).
    public var name: String
    /// ALSA's description, possibly over several lines ("USB Audio Device, USB Audio\nDefault Audio Device").
    public var description: String
    /// What the device offers for capture, or nil when it has no capture side.
    public var capture: Capabilities?
    /// What the device offers for playback, or nil when it has no playback side.
    public var playback: Capabilities?

    /// What one direction of a device offers for S16_LE mono.
    public struct Capabilities: Sendable, Hashable {
        /// The lowest and highest rate the device accepts without alsa-lib resampling, when it could be
        /// opened.
        public var rateRange: ClosedRange<Int>?
        /// The common rates (8000 ... 96000) among those, when it could be opened.
        public var standardRates: [Int]
        /// Why it could not be probed (busy, no mono S16_LE, ...), when it could not.
        public var problem: String?
    }
}

/// Lists the PCMs ALSA knows about, for `livevoiced audio devices`.
public enum ALSADeviceList {
    /// The rates checked for ``ALSADevice/Capabilities/standardRates``.
    public static let standardRates = [8000, 11025, 16000, 22050, 24000, 32000, 44100, 48000, 96000]

    /// The PCMs from the system configuration (`snd_device_name_hint(-1, "pcm")`), each probed for its
    /// rates when `probe` is true (opening a device that another program holds reports it as busy).
    public static func list(probe: Bool = true) -> [ALSADevice] {
        var hints: UnsafeMutablePointer<UnsafeMutableRawPointer?>?
        guard snd_device_name_hint(-1, "pcm", &hints) >= 0, let hints else { return [] }
        defer { snd_device_name_free_hint(hints) }
        var devices: [ALSADevice] = []
        var index = 0
        while let hint = hints[index] {
            index += 1
            guard let name = string(hint, "NAME") else { continue }
            // IOID is "Input", "Output", or absent for both directions.
            let ioid = string(hint, "IOID")
            let description = string(hint, "DESC") ?? ""
            var device = ALSADevice(name: name, description: description, capture: nil, playback: nil)
            if ioid != "Output" { device.capture = probe ? capabilities(name, .capture) : .init(standardRates: []) }
            if ioid != "Input" { device.playback = probe ? capabilities(name, .playback) : .init(standardRates: []) }
            devices.append(device)
        }
        return devices
    }

    private static func string(_ hint: UnsafeMutableRawPointer, _ id: String) -> String? {
        guard let value = snd_device_name_get_hint(hint, id) else { return nil }
        defer { free(value) }
        return String(cString: value)
    }

    /// Opens the device without blocking and asks which rates it takes for S16_LE mono, with alsa-lib's
    /// own resampling off (so `plughw` shows the card's real rates).
    static func capabilities(_ name: String, _ stream: PCMStream, configurationText: String? = nil) -> ALSADevice.Capabilities {
        var tree: ConfigurationTree?
        if let configurationText {
            do { tree = try ConfigurationTree(text: configurationText, device: name, stream: stream) } catch {
                return .init(standardRates: [], problem: error.description)
            }
        }
        var opened: OpaquePointer?
        let cStream = stream == .capture ? SND_PCM_STREAM_CAPTURE : SND_PCM_STREAM_PLAYBACK
        let result = tree.map { snd_pcm_open_lconf(&opened, name, cStream, SND_PCM_NONBLOCK, $0.root) }
            ?? snd_pcm_open(&opened, name, cStream, SND_PCM_NONBLOCK)
        guard result >= 0, let pcm = opened else {
            let error = ALSAError(returnValue: Int(result), call: "snd_pcm_open", device: name, stream: stream)
            return .init(standardRates: [], problem: error.code == .deviceBusy ? "busy (another program has it open)" : "\(error.code)")
        }
        defer { snd_pcm_close(pcm) }
        var hw: OpaquePointer?
        guard snd_pcm_hw_params_malloc(&hw) >= 0, let hw else { return .init(standardRates: [], problem: "out of memory") }
        defer { snd_pcm_hw_params_free(hw) }
        guard snd_pcm_hw_params_any(pcm, hw) >= 0 else { return .init(standardRates: [], problem: "no hardware parameters") }
        _ = snd_pcm_hw_params_set_rate_resample(pcm, hw, 0)
        guard snd_pcm_hw_params_set_format(pcm, hw, SND_PCM_FORMAT_S16_LE) >= 0 else {
            return .init(standardRates: [], problem: "no S16_LE samples (use the plughw: form of this device)")
        }
        guard snd_pcm_hw_params_set_channels(pcm, hw, 1) >= 0 else {
            return .init(standardRates: [], problem: "no mono (use the plughw: form of this device)")
        }
        var low: UInt32 = 0
        var high: UInt32 = 0
        // `dir` says whether the bound is open: > 0 means "just above", < 0 "just below".
        var dir: Int32 = 0
        _ = snd_pcm_hw_params_get_rate_min(hw, &low, &dir)
        if dir > 0 { low += 1 }
        dir = 0
        _ = snd_pcm_hw_params_get_rate_max(hw, &high, &dir)
        if dir < 0 && high > 0 { high -= 1 }
        let rates = standardRates.filter { snd_pcm_hw_params_test_rate(pcm, hw, UInt32($0), 0) == 0 }
        return .init(rateRange: Int(low)...Int(max(low, high)), standardRates: rates, problem: nil)
    }

    /// Probes one device by name for the given direction (`configurationText` as in
    /// ``PCMConfiguration/configurationText``).
    public static func capabilities(
        of name: String, stream: PCMStream, configurationText: String? = nil
    ) -> ALSADevice.Capabilities {
        capabilities(name, stream, configurationText: configurationText)
    }
}
