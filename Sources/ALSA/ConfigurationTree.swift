// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

internal import CALSA

/// Owns one parsed ALSA configuration tree (`snd_config_t`), made from asound.conf-syntax text, for
/// `snd_pcm_open_lconf`. Freed with `snd_config_delete` in `deinit`.
final class ConfigurationTree {
    let root: OpaquePointer

    init(text: String, device: String, stream: PCMStream?) throws(ALSAError) {
        var top: OpaquePointer?
        var result = snd_config_top(&top)
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
