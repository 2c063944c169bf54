// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Which way the samples flow.
public enum PCMStream: Sendable, Hashable, CustomStringConvertible {
    /// From the microphone. The corresponding C constant is `SND_PCM_STREAM_CAPTURE`.
    case capture
    /// To the speaker. The corresponding C constant is `SND_PCM_STREAM_PLAYBACK`.
    case playback

    public var description: String {
        switch self {
        case .capture: "capture"
        case .playback: "playback"
        }
    }
}

/// How a ``PCM`` is opened: always signed 16-bit little-endian mono, interleaved read/write access.
public struct PCMConfiguration: Sendable, Hashable {
    /// The PCM name: `default`, `plughw:1,0`, `plughw:CARD=Device,DEV=0`, a name from the user's
    /// `asound.conf`, or one defined in ``configurationText``.
    public var device: String
    /// Capture or playback.
    public var stream: PCMStream
    /// The rate to ask for. When the device cannot do it, the nearest rate it offers is used and
    /// ``PCM/sampleRate`` says which: callers resample.
    public var sampleRate: Int
    /// The period (the unit the device wakes the reader/writer for), normally 10 or 20 ms.
    public var periodMilliseconds: Int
    /// The device buffer in periods (the playback latency is about this many periods).
    public var periodsPerBuffer: Int
    /// Whether alsa-lib's `plug`/`rate` plugins may convert the rate themselves. Off by default: their
    /// resampler is poor, and the engine resamples with speexdsp instead.
    /// The corresponding C call is `snd_pcm_hw_params_set_rate_resample`.
    public var allowPluginResampling: Bool
    /// ALSA configuration text (asound.conf syntax) that defines ``device``, used *instead of* the system
    /// configuration (for tests and self-contained setups). Nil means the system configuration
    /// (`/usr/share/alsa/alsa.conf`, `/etc/asound.conf`, `~/.asoundrc`, or `ALSA_CONFIG_PATH`).
    public var configurationText: String?
    /// Whether ``configurationText`` is added on top of the system configuration (so that `default`,
    /// `plughw:...` and the user's names stay defined) instead of replacing it.
    public var configurationTextExtendsSystem: Bool

    /// Creates a configuration; see the properties for the meaning of each value.
    public init(
        device: String,
        stream: PCMStream,
        sampleRate: Int,
        periodMilliseconds: Int = 10,
        periodsPerBuffer: Int = 4,
        allowPluginResampling: Bool = false,
        configurationText: String? = nil,
        configurationTextExtendsSystem: Bool = false
    ) {
        self.device = device
        self.stream = stream
        self.sampleRate = sampleRate
        self.periodMilliseconds = periodMilliseconds
        self.periodsPerBuffer = periodsPerBuffer
        self.allowPluginResampling = allowPluginResampling
        self.configurationText = configurationText
        self.configurationTextExtendsSystem = configurationTextExtendsSystem
    }

    /// Checks the values before any device is touched; throws an ``ALSAError`` with code `EINVAL` and a
    /// message naming the bad value.
    public func validate() throws(ALSAError) {
        func bad(_ what: String) -> ALSAError {
            ALSAError(returnValue: -Int(EINVAL), call: "configuration", device: device, stream: stream, detail: what)
        }
        if device.isEmpty { throw bad("the device name is empty: use 'default' or a name from `livevoiced audio devices`") }
        if !(4000...384_000).contains(sampleRate) { throw bad("sample rate \(sampleRate) Hz is outside 4000...384000") }
        if !(2...200).contains(periodMilliseconds) {
            throw bad("period of \(periodMilliseconds) ms is outside 2...200 (10 or 20 is usual)")
        }
        if !(2...32).contains(periodsPerBuffer) { throw bad("\(periodsPerBuffer) periods per buffer is outside 2...32") }
    }
}
