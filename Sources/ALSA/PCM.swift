// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

internal import CALSA
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// One open ALSA PCM (`snd_pcm_t`), signed 16-bit little-endian mono, interleaved, blocking.
///
/// `PCM` owns its handle: `init` opens and configures it, `deinit` closes it (`snd_pcm_close`). It is not
/// thread-safe and is not `Sendable`: one thread uses it at a time (the audio engine opens it, then gives it
/// to its capture or playback thread). ``counters`` may be read from any thread.
///
/// Reads and writes block until the whole buffer is transferred. An xrun (`EPIPE`) or a suspend
/// (`ESTRPIPE`) is recovered on the spot with `snd_pcm_recover`, counted in ``counters`` and never thrown;
/// those paths neither allocate nor log, so they are safe on a real-time thread. Anything else is thrown as
/// an ``ALSAError`` (``ALSAError/isDeviceGone`` tells a vanished device from a misuse).
public final class PCM {
    /// The configuration the PCM was opened with.
    public let configuration: PCMConfiguration
    /// The rate the device actually runs at (the requested one, or the nearest it offers).
    public let sampleRate: Int
    /// Frames per period, as the device accepted it.
    public let periodFrames: Int
    /// Frames in the device buffer, as the device accepted it.
    public let bufferFrames: Int
    /// alsa-lib's name for the PCM type (`HW`, `PLUG`, `DMIX`, `FILE`, `NULL`, `IOPLUG`, ...).
    public let typeName: String
    /// Whether a clock (a sound card, or a sound server) paces reads and writes. False for alsa-lib's
    /// `null` and `file` plugins over `null`, which transfer instantly: callers pace themselves.
    public let isClockedByDevice: Bool
    /// xrun and suspend counts, readable from any thread.
    public let counters = PCMCounters()
    /// Test hook: makes the next read or write fail as if alsa-lib had returned an error.
    package let faults: FaultInjector

    private let handle: OpaquePointer
    /// The configuration tree the PCM was opened from, kept for the PCM's lifetime.
    private let tree: ConfigurationTree?

    /// The device name as given.
    public var device: String { configuration.device }
    /// Capture or playback.
    public var stream: PCMStream { configuration.stream }

    /// Opens and configures the device. Throws when it cannot be opened (busy, missing, no permission)
    /// or cannot do S16_LE mono; the error says which and what to do.
    public convenience init(_ configuration: PCMConfiguration) throws(ALSAError) {
        try self.init(configuration, faults: FaultInjector())
    }

    /// Opens the device with a given fault injector (test hook), so that a reopened device keeps the one
    /// a test holds.
    package init(_ configuration: PCMConfiguration, faults: FaultInjector) throws(ALSAError) {
        self.faults = faults
        try configuration.validate()
        let device = configuration.device
        let stream = configuration.stream
        var tree: ConfigurationTree?
        if let text = configuration.configurationText {
            tree = try ConfigurationTree(
                text: text, extendingSystem: configuration.configurationTextExtendsSystem, device: device, stream: stream)
        }
        let cStream = stream == .capture ? SND_PCM_STREAM_CAPTURE : SND_PCM_STREAM_PLAYBACK
        var opened: OpaquePointer?
        // Open non-blocking so that a busy device fails at once with EBUSY instead of waiting for its
        // owner to let go, then switch to blocking transfers (as aplay does).
        let result: Int32
        if let tree {
            result = snd_pcm_open_lconf(&opened, device, cStream, SND_PCM_NONBLOCK, tree.root)
        } else {
            result = snd_pcm_open(&opened, device, cStream, SND_PCM_NONBLOCK)
        }
        guard result >= 0, let handle = opened else {
            throw ALSAError(returnValue: Int(result), call: "snd_pcm_open", device: device, stream: stream)
        }
        do throws(ALSAError) {
            let nb = snd_pcm_nonblock(handle, 0)
            if nb < 0 { throw ALSAError(returnValue: Int(nb), call: "snd_pcm_nonblock", device: device, stream: stream) }
            let geometry = try Self.configure(handle, configuration)
            self.sampleRate = geometry.rate
            self.periodFrames = geometry.period
            self.bufferFrames = geometry.buffer
        } catch {
            snd_pcm_close(handle)
            throw error
        }
        self.configuration = configuration
        self.handle = handle
        self.tree = tree
        let type = snd_pcm_type(handle)
        self.typeName = snd_pcm_type_name(type).map { String(cString: $0) } ?? "unknown"
        self.isClockedByDevice = Self.hasClock(handle, type: type)
    }

    deinit {
        snd_pcm_close(handle)
    }

    private struct Geometry {
        var rate: Int
        var period: Int
        var buffer: Int
    }

    private static func configure(_ pcm: OpaquePointer, _ configuration: PCMConfiguration) throws(ALSAError) -> Geometry {
        let device = configuration.device
        let stream = configuration.stream
        func check(_ result: Int32, _ call: String, _ detail: String? = nil) throws(ALSAError) {
            if result < 0 {
                throw ALSAError(returnValue: Int(result), call: call, device: device, stream: stream, detail: detail)
            }
        }
        var hw: OpaquePointer?
        try check(snd_pcm_hw_params_malloc(&hw), "snd_pcm_hw_params_malloc")
        guard let hw else { throw ALSAError(returnValue: -Int(ENOMEM), call: "snd_pcm_hw_params_malloc", device: device, stream: stream) }
        defer { snd_pcm_hw_params_free(hw) }
        try check(snd_pcm_hw_params_any(pcm, hw), "snd_pcm_hw_params_any")
        try check(snd_pcm_hw_params_set_rate_resample(pcm, hw, configuration.allowPluginResampling ? 1 : 0),
                  "snd_pcm_hw_params_set_rate_resample")
        try check(snd_pcm_hw_params_set_access(pcm, hw, SND_PCM_ACCESS_RW_INTERLEAVED),
                  "snd_pcm_hw_params_set_access", "interleaved read/write access")
        try check(snd_pcm_hw_params_set_format(pcm, hw, SND_PCM_FORMAT_S16_LE), "snd_pcm_hw_params_set_format", "S16_LE samples")
        try check(snd_pcm_hw_params_set_channels(pcm, hw, 1), "snd_pcm_hw_params_set_channels", "mono (1 channel)")
        var rate = UInt32(configuration.sampleRate)
        var dir: Int32 = 0
        try check(snd_pcm_hw_params_set_rate_near(pcm, hw, &rate, &dir), "snd_pcm_hw_params_set_rate_near",
                  "a rate near \(configuration.sampleRate) Hz")
        var period = snd_pcm_uframes_t(max(1, Int(rate) * configuration.periodMilliseconds / 1000))
        dir = 0
        try check(snd_pcm_hw_params_set_period_size_near(pcm, hw, &period, &dir), "snd_pcm_hw_params_set_period_size_near",
                  "a period of \(configuration.periodMilliseconds) ms")
        var buffer = period * snd_pcm_uframes_t(configuration.periodsPerBuffer)
        try check(snd_pcm_hw_params_set_buffer_size_near(pcm, hw, &buffer), "snd_pcm_hw_params_set_buffer_size_near",
                  "a buffer of \(configuration.periodsPerBuffer) periods")
        try check(snd_pcm_hw_params(pcm, hw), "snd_pcm_hw_params",
                  "S16_LE mono at \(rate) Hz, period \(period) frames, buffer \(buffer) frames")
        // Read back what the device settled on.
        dir = 0
        try check(snd_pcm_hw_params_get_rate(hw, &rate, &dir), "snd_pcm_hw_params_get_rate")
        dir = 0
        try check(snd_pcm_hw_params_get_period_size(hw, &period, &dir), "snd_pcm_hw_params_get_period_size")
        try check(snd_pcm_hw_params_get_buffer_size(hw, &buffer), "snd_pcm_hw_params_get_buffer_size")

        var sw: OpaquePointer?
        try check(snd_pcm_sw_params_malloc(&sw), "snd_pcm_sw_params_malloc")
        guard let sw else { throw ALSAError(returnValue: -Int(ENOMEM), call: "snd_pcm_sw_params_malloc", device: device, stream: stream) }
        defer { snd_pcm_sw_params_free(sw) }
        try check(snd_pcm_sw_params_current(pcm, sw), "snd_pcm_sw_params_current")
        try check(snd_pcm_sw_params_set_avail_min(pcm, sw, period), "snd_pcm_sw_params_set_avail_min")
        // Capture starts on the first read; playback once two periods are queued, so that a writer that
        // fills the buffer period by period never starts on a nearly empty buffer.
        let start: snd_pcm_uframes_t = stream == .capture ? 1 : min(buffer, 2 * period)
        try check(snd_pcm_sw_params_set_start_threshold(pcm, sw, start), "snd_pcm_sw_params_set_start_threshold")
        try check(snd_pcm_sw_params(pcm, sw), "snd_pcm_sw_params")
        return Geometry(rate: Int(rate), period: Int(period), buffer: Int(buffer))
    }

    /// A card number means a sound card (directly, or through plug/dmix/dsnoop) clocks the stream; an
    /// external plugin (PulseAudio, PipeWire, JACK) is clocked by its server. `null` and `file` over
    /// `null` report no card and transfer instantly.
    private static func hasClock(_ pcm: OpaquePointer, type: snd_pcm_type_t) -> Bool {
        if type == SND_PCM_TYPE_IOPLUG || type == SND_PCM_TYPE_HW { return true }
        var info: OpaquePointer?
        guard snd_pcm_info_malloc(&info) >= 0, let info else { return true }
        defer { snd_pcm_info_free(info) }
        guard snd_pcm_info(pcm, info) >= 0 else { return true }
        return snd_pcm_info_get_card(info) >= 0
    }

    // MARK: Transfers (real-time safe)

    /// Reads exactly `buffer.count` frames (blocking), recovering from overruns on the way, and returns
    /// `buffer.count`. Throws only when the device fails for good (for example it was unplugged).
    public func read(into buffer: UnsafeMutableBufferPointer<Int16>) throws(ALSAError) -> Int {
        guard let base = buffer.baseAddress, buffer.count > 0 else { return 0 }
        var done = 0
        while done < buffer.count {
            let injected = faults.take(.read)
            let result = injected != 0
                ? -Int(injected) : Int(snd_pcm_readi(handle, base + done, snd_pcm_uframes_t(buffer.count - done)))
            if result > 0 {
                done += result
            } else {
                try recover(result, call: "snd_pcm_readi")
            }
        }
        return done
    }

    /// Writes all of `samples` (blocking), recovering from underruns on the way, and returns
    /// `samples.count`. Throws only when the device fails for good (for example it was unplugged).
    public func write(_ samples: UnsafeBufferPointer<Int16>) throws(ALSAError) -> Int {
        guard let base = samples.baseAddress, samples.count > 0 else { return 0 }
        var done = 0
        while done < samples.count {
            let injected = faults.take(.write)
            let result = injected != 0
                ? -Int(injected) : Int(snd_pcm_writei(handle, base + done, snd_pcm_uframes_t(samples.count - done)))
            if result > 0 {
                done += result
            } else {
                try recover(result, call: "snd_pcm_writei")
            }
        }
        return done
    }

    /// Handles a failed transfer: retries after a signal, recovers and counts an xrun or suspend, throws
    /// anything else. No allocation on the recovering paths.
    private func recover(_ result: Int, call: StaticString) throws(ALSAError) {
        let error = Int32(clamping: -result)
        switch error {
        case 0, EINTR:
            return
        case EAGAIN:
            _ = snd_pcm_wait(handle, 100)
            return
        case EPIPE, ESTRPIPE:
            if error == EPIPE {
                counters.xrunCount.wrappingAdd(1, ordering: .relaxed)
            } else {
                counters.suspendCount.wrappingAdd(1, ordering: .relaxed)
            }
            let recovered = snd_pcm_recover(handle, -error, 1)
            if recovered < 0 {
                throw ALSAError(returnValue: Int(recovered), call: "snd_pcm_recover", device: device, stream: stream)
            }
        default:
            throw ALSAError(returnValue: result, call: "\(call)", device: device, stream: stream)
        }
    }

    // MARK: State and timing

    /// `snd_pcm_delay`: for playback, the frames between now and when a sample written now is heard; for
    /// capture, the frames captured but not yet read. Nil when the device cannot say (during an xrun).
    public func delay() -> Int? {
        var frames: snd_pcm_sframes_t = 0
        return snd_pcm_delay(handle, &frames) < 0 ? nil : Int(frames)
    }

    /// Frames that can be read (capture) or written (playback) without blocking (`snd_pcm_avail`), nil on
    /// error.
    public func available() -> Int? {
        let frames = snd_pcm_avail(handle)
        return frames < 0 ? nil : Int(frames)
    }

    /// Playback: stops at once, throwing away what is queued (`snd_pcm_drop`), and makes the device
    /// ready for new samples (`snd_pcm_prepare`). Returns how many queued frames were dropped.
    @discardableResult
    public func dropQueued() throws(ALSAError) -> Int {
        let queued = stream == .playback ? max(0, bufferFrames - (available() ?? bufferFrames)) : 0
        var result = snd_pcm_drop(handle)
        if result < 0 { throw ALSAError(returnValue: Int(result), call: "snd_pcm_drop", device: device, stream: stream) }
        result = snd_pcm_prepare(handle)
        if result < 0 { throw ALSAError(returnValue: Int(result), call: "snd_pcm_prepare", device: device, stream: stream) }
        return queued
    }

    /// Playback: waits until everything queued has been played (`snd_pcm_drain`).
    public func drain() throws(ALSAError) {
        let result = snd_pcm_drain(handle)
        if result < 0 { throw ALSAError(returnValue: Int(result), call: "snd_pcm_drain", device: device, stream: stream) }
    }

    /// The PCM's state (`snd_pcm_state`).
    public var state: PCMState {
        switch snd_pcm_state(handle) {
        case SND_PCM_STATE_OPEN: .open
        case SND_PCM_STATE_SETUP: .setup
        case SND_PCM_STATE_PREPARED: .prepared
        case SND_PCM_STATE_RUNNING: .running
        case SND_PCM_STATE_XRUN: .xrun
        case SND_PCM_STATE_DRAINING: .draining
        case SND_PCM_STATE_PAUSED: .paused
        case SND_PCM_STATE_SUSPENDED: .suspended
        case SND_PCM_STATE_DISCONNECTED: .disconnected
        default: .unknown
        }
    }

    /// A one-line summary for logs: `capture 'default' (PLUG): 16000 Hz, period 160, buffer 640 frames`.
    public var summary: String {
        "\(stream) '\(device)' (\(typeName)): \(sampleRate) Hz, period \(periodFrames), buffer \(bufferFrames) frames"
            + (isClockedByDevice ? "" : ", not clocked (null/file plugin)")
    }
}

@available(*, unavailable)
extension PCM: Sendable {}

/// The state of a PCM (`snd_pcm_state_t`).
public enum PCMState: Sendable, Hashable {
    /// `SND_PCM_STATE_OPEN`
    case open
    /// `SND_PCM_STATE_SETUP`
    case setup
    /// `SND_PCM_STATE_PREPARED`: ready, not started.
    case prepared
    /// `SND_PCM_STATE_RUNNING`
    case running
    /// `SND_PCM_STATE_XRUN`: stopped by an overrun or underrun.
    case xrun
    /// `SND_PCM_STATE_DRAINING`
    case draining
    /// `SND_PCM_STATE_PAUSED`
    case paused
    /// `SND_PCM_STATE_SUSPENDED`
    case suspended
    /// `SND_PCM_STATE_DISCONNECTED`: the device is gone.
    case disconnected
    /// A state this wrapper does not know.
    case unknown
}

/// Event counters of one PCM, written by its owning thread and readable from any thread.
public final class PCMCounters: Sendable {
    let xrunCount = Atomic<Int>(0)
    let suspendCount = Atomic<Int>(0)

    /// Overruns (capture) or underruns (playback) recovered with `snd_pcm_recover`.
    public var xruns: Int { xrunCount.load(ordering: .relaxed) }
    /// Suspends recovered with `snd_pcm_recover`.
    public var suspends: Int { suspendCount.load(ordering: .relaxed) }
}

/// Makes the next transfer of a ``PCM`` fail as if alsa-lib had returned `-errno`, so that tests can drive
/// the recovery paths (`EPIPE`, `ENODEV`) through the real PCM with no sound card.
package final class FaultInjector: Sendable {
    /// Which transfer to fail.
    package enum Transfer: Sendable { case read, write }

    private let readError = Atomic<Int32>(0)
    private let writeError = Atomic<Int32>(0)

    package init() {}

    /// The next read or write returns `-errno` once.
    package func failNext(_ transfer: Transfer, errno: Int32) {
        if transfer == .read {
            readError.store(errno, ordering: .releasing)
        } else {
            writeError.store(errno, ordering: .releasing)
        }
    }

    /// The pending errno for `transfer`, cleared; 0 when none.
    func take(_ transfer: Transfer) -> Int32 {
        if transfer == .read {
            return readError.load(ordering: .relaxed) == 0 ? 0 : readError.exchange(0, ordering: .acquiring)
        }
        return writeError.load(ordering: .relaxed) == 0 ? 0 : writeError.exchange(0, ordering: .acquiring)
    }
}
