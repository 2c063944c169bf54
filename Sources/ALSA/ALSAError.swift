// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

internal import CALSA

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// An error from alsa-lib: which call failed, on which device, why (an errno-based code), and what to do.
///
/// alsa-lib reports failures as negative errno values (`-EBUSY`, `-ENODEV`, ...); ``code`` holds the
/// positive value. The description is one line meant for the user, for example
/// `capture device 'plughw:1,0': snd_pcm_open failed: Device or resource busy (EBUSY). Another program ...`.
public struct ALSAError: Error, Sendable, Equatable, CustomStringConvertible {
    /// An errno value as alsa-lib returned it (made positive).
    public struct Code: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        /// The positive errno value (alsa-lib returns its negation).
        public var rawValue: Int32
        /// Creates a code from a positive errno value.
        public init(rawValue: Int32) { self.rawValue = rawValue }

        /// Someone else has the device open exclusively. The corresponding C constant is `EBUSY`.
        public static let deviceBusy = Code(rawValue: EBUSY)
        /// The device went away (USB unplugged) or the card does not exist. `ENODEV`.
        public static let noDevice = Code(rawValue: ENODEV)
        /// No PCM or card by that name. `ENOENT`.
        public static let noSuchDevice = Code(rawValue: ENOENT)
        /// The device file is there but its driver is gone. `ENXIO`.
        public static let noDeviceOrAddress = Code(rawValue: ENXIO)
        /// An overrun (capture) or underrun (playback). `EPIPE`.
        public static let xrun = Code(rawValue: EPIPE)
        /// The system suspended the device. `ESTRPIPE`.
        public static let suspended = Code(rawValue: ESTRPIPE)
        /// The device cannot do what was asked (format, channels, rate). `EINVAL`.
        public static let invalidArgument = Code(rawValue: EINVAL)
        /// The PCM is in the wrong state for the call. `EBADFD`.
        public static let badState = Code(rawValue: EBADFD)
        /// The user may not open the device. `EACCES`.
        public static let permissionDenied = Code(rawValue: EACCES)
        /// The operation is not permitted. `EPERM`.
        public static let notPermitted = Code(rawValue: EPERM)
        /// A low-level I/O error. `EIO`.
        public static let ioError = Code(rawValue: EIO)

        /// alsa-lib's text for the code (`snd_strerror`), with the errno name when it is a common one.
        public var description: String {
            let text = String(cString: snd_strerror(-rawValue))
            return Code.names[rawValue].map { "\(text) (\($0))" } ?? "\(text) (error \(rawValue))"
        }

        private static let names: [Int32: String] = [
            EBUSY: "EBUSY", ENODEV: "ENODEV", ENOENT: "ENOENT", ENXIO: "ENXIO", EPIPE: "EPIPE",
            ESTRPIPE: "ESTRPIPE", EINVAL: "EINVAL", EBADFD: "EBADFD", EACCES: "EACCES", EPERM: "EPERM",
            EIO: "EIO", EAGAIN: "EAGAIN", EINTR: "EINTR", ENOMEM: "ENOMEM", ENOSYS: "ENOSYS",
        ]
    }

    /// Why the call failed.
    public var code: Code
    /// The alsa-lib function that failed, e.g. `snd_pcm_open`.
    public var call: String
    /// The PCM name as given by the user (`default`, `plughw:1,0`, ...).
    public var device: String
    /// Capture or playback, when the error concerns one stream.
    public var stream: PCMStream?
    /// What was being attempted, when that helps (`16000 Hz`, `S16_LE mono`).
    public var detail: String?

    /// Creates an error from a negative alsa-lib return value (or a positive errno value).
    public init(returnValue: Int, call: String, device: String, stream: PCMStream?, detail: String? = nil) {
        self.code = Code(rawValue: Int32(clamping: abs(returnValue)))
        self.call = call
        self.device = device
        self.stream = stream
        self.detail = detail
    }

    /// True when the device itself is gone (unplugged, card removed) rather than misused: the audio
    /// engine then closes it and reopens it by name with backoff.
    public var isDeviceGone: Bool {
        code == .noDevice || code == .noDeviceOrAddress || (code == .noSuchDevice && call != "snd_pcm_open")
            || (code == .ioError && call != "snd_pcm_open")
    }

    /// What the user can do about it, or nil when there is nothing specific to say.
    public var advice: String? {
        // "No such card" may really be "not allowed to open the card" (see SoundDeviceAccess).
        if call == "snd_pcm_open", [.noDevice, .noSuchDevice, .noDeviceOrAddress, .permissionDenied].contains(code),
           let node = SoundDeviceAccess.firstInaccessibleNode() {
            return SoundDeviceAccess.permissionAdvice(node: node)
        }
        switch code {
        case .deviceBusy:
            return "device busy: another program (PulseAudio/PipeWire?) holds it; stop it (`fuser -v /dev/snd/*` shows who) "
                + "or use dsnoop/dmix so that several programs can share the card (see board/alsa/)"
        case .noSuchDevice where call == "snd_pcm_open":
            return "'\(device)' is not a known PCM, or the sound card it refers to is not there: list the names with "
                + "`livevoiced audio devices` (or `arecord -L`/`aplay -L`); hardware devices are written like "
                + "'plughw:CARD=Device,DEV=0' or 'plughw:1,0'"
        case .noDevice, .noDeviceOrAddress:
            return call == "snd_pcm_open"
                ? "the sound card for '\(device)' is not there (unplugged, or another card number?): check `livevoiced audio devices`"
                : "the device disappeared (USB unplugged?); livevoiced reopens it when it comes back"
        case .permissionDenied, .notPermitted:
            return "permission denied: add the user running livevoiced to the 'audio' group (`usermod -aG audio USER`)"
        case .invalidArgument where call.hasPrefix("snd_pcm_hw_params"):
            return "the device cannot do \(detail ?? "what was asked"): a 'hw:' device offers only what the chip supports; "
                + "use 'plughw:...' or 'default', which convert format and channels"
        case .suspended:
            return "the system suspended the device; it is resumed automatically"
        default:
            return nil
        }
    }

    public var description: String {
        var text = ""
        if let stream { text += "\(stream) device " } else { text += "device " }
        text += "'\(device)': \(call) failed"
        if let detail { text += " (\(detail))" }
        text += ": \(code)"
        if let advice { text += ". " + advice.prefix(1).uppercased() + advice.dropFirst() }
        return text
    }
}
