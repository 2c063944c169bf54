// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

internal import CALSA

/// Owns one parsed ALSA configuration tree (`snd_config_t`), made from asound.conf-syntax text, for
/// `snd_pcm_open_lconf`. Freed with `snd_config_delete` in `deinit`.
final class ConfigurationTree {
    let root: OpaquePointer

    /// Parses `text`; with `extendingSystem` on top of a copy of the system configuration (alsa.conf and
    /// what it includes), otherwise on its own.
    init(text: String, extendingSystem: Bool = false, device: String, stream: PCMStream?) throws(ALSAError) {
        var top: OpaquePointer?
        var result: Int32
        if extendingSystem {
            var global: OpaquePointer?
            result = snd_config_update_ref(&global)
            guard result >= 0, let global else {
                throw ALSAError(returnValue: Int(result), call: "snd_config_update_ref", device: device, stream: stream,
                                detail: "the system ALSA configuration does not load")
            }
            result = snd_config_copy(&top, global)
            snd_config_unref(global)
            guard result >= 0 else {
                throw ALSAError(returnValue: Int(result), call: "snd_config_copy", device: device, stream: stream)
            }
        } else {
            result = snd_config_top(&top)
        }
        guard result >= 0, let top else {
            throw ALSAError(returnValue: Int(result), call: "snd_config_top", device: device, stream: stream)
        }
        var input: OpaquePointer?
        // snd_input_buffer_open copies the text, so the C string only has to live for this call.
        result = text.withCString { snd_input_buffer_open(&input, $0, text.utf8.count) }
        guard result >= 0, let input else {
            snd_config_delete(top)
            throw ALSAError(returnValue: Int(result), call: "snd_input_buffer_open", device: device, stream: stream)
        }
        result = snd_config_load(top, input)
        snd_input_close(input)
        guard result >= 0 else {
            snd_config_delete(top)
            throw ALSAError(
                returnValue: Int(result), call: "snd_config_load", device: device, stream: stream,
                detail: "the ALSA configuration text does not parse; alsa-lib printed the line above")
        }
        root = top
    }

    deinit {
        snd_config_delete(root)
    }
}

@available(*, unavailable)
extension ConfigurationTree: Sendable {}

/// Checks ALSA configuration text (asound.conf syntax) without opening anything.
public enum ALSAConfigurationText {
    /// Throws an ``ALSAError`` from `snd_config_load` when `text` does not parse (alsa-lib prints the line
    /// and column to standard error).
    public static func validate(_ text: String) throws(ALSAError) {
        _ = try ConfigurationTree(text: text, device: "(configuration text)", stream: nil)
    }
}
