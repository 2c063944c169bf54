// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

import ALSA
import TestKit
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// These tests run the real alsa-lib through its `file` and `null` plugins (see ``ALSATestConfig``).
@Suite("PCM through alsa-lib's file and null plugins")
struct PCMTests {
    @Test("capture delivers the prepared file sample for sample, period by period")
    func captureIsSampleExact() throws {
        let dir = ALSATestDirectory()
        let input = ALSATestSignal.pattern(count: 16000 + 37)
        let path = dir.writeRaw("in.raw", input)
        let pcm = try PCM(PCMConfiguration(
            device: "mic", stream: .capture, sampleRate: 16000,
            configurationText: ALSATestConfig.capture(name: "mic", from: path)))
        #expect(pcm.sampleRate == 16000)
        #expect(pcm.periodFrames == 160)
        #expect(pcm.bufferFrames == 640)
        #expect(!pcm.isClockedByDevice)
        var captured: [Int16] = []
        var period = [Int16](repeating: 0, count: pcm.periodFrames)
        while captured.count < 16000 {
            let n = try period.withUnsafeMutableBufferPointer { try pcm.read(into: $0) }
            #expect(n == pcm.periodFrames)
            captured += period
        }
        #expect(captured == Array(input[0..<16000]))
        #expect(pcm.counters.xruns == 0)
    }

    @Test("playback writes exactly the samples it is given")
    func playbackIsSampleExact() throws {
        let dir = ALSATestDirectory()
        let output = dir.file("out.raw")
        let signal = ALSATestSignal.pattern(count: 24000 + 11, seed: 7)
        do {
            let pcm = try PCM(PCMConfiguration(
                device: "speaker", stream: .playback, sampleRate: 24000, periodMilliseconds: 20,
                configurationText: ALSATestConfig.playback(name: "speaker", to: output)))
            #expect(pcm.sampleRate == 24000)
            #expect(pcm.periodFrames == 480)
            var offset = 0
            try signal.withUnsafeBufferPointer { all in
                while offset < all.count {
                    let n = min(pcm.periodFrames, all.count - offset)
                    offset += try pcm.write(UnsafeBufferPointer(rebasing: all[offset..<(offset + n)]))
                }
            }
            // Closing the PCM (end of scope) flushes the file plugin.
        }
        #expect(dir.readRaw("out.raw") == signal)
    }

    @Test("a device that only does 48 kHz is opened at 48 kHz, and the actual rate is reported")
    func nearestRate() throws {
        let config = ALSATestConfig.null(name: "card48", slaveRate: 48000)
        let pcm = try PCM(PCMConfiguration(device: "card48", stream: .capture, sampleRate: 16000, configurationText: config))
        #expect(pcm.sampleRate == 48000)
        #expect(pcm.periodFrames == 480, "the period stays 10 ms at the actual rate")
        // With alsa-lib's resampling allowed, plug converts and the requested rate is granted.
        let converted = try PCM(PCMConfiguration(
            device: "card48", stream: .capture, sampleRate: 16000, allowPluginResampling: true, configurationText: config))
        #expect(converted.sampleRate == 16000)
    }

    @Test("an xrun is recovered with snd_pcm_recover, counted, and the stream goes on sample-exact")
    func xrunRecovery() throws {
        // alsa-lib's null plugin never reaches the XRUN state by itself (it has no clock), so the EPIPE is
        // injected in place of one snd_pcm_readi/writei result; the recovery is alsa-lib's real
        // snd_pcm_recover → snd_pcm_prepare on the real PCM, then the next transfer restarts it.
        let dir = ALSATestDirectory()
        let input = ALSATestSignal.pattern(count: 3200, seed: 3)
        let capture = try PCM(PCMConfiguration(
            device: "mic", stream: .capture, sampleRate: 16000,
            configurationText: ALSATestConfig.capture(name: "mic", from: dir.writeRaw("in.raw", input))))
        var got: [Int16] = []
        var period = [Int16](repeating: 0, count: 160)
        for i in 0..<20 {
            if i == 5 || i == 6 { capture.faults.failNext(.read, errno: EPIPE) }
            if i == 9 { capture.faults.failNext(.read, errno: ESTRPIPE) }
            #expect(try period.withUnsafeMutableBufferPointer { try capture.read(into: $0) } == 160)
            got += period
        }
        #expect(got == input)
        #expect(capture.counters.xruns == 2)
        #expect(capture.counters.suspends == 1)
        #expect(capture.state == .running)

        let output = dir.file("out.raw")
        let signal = ALSATestSignal.pattern(count: 4800, seed: 4)
        do {
            let playback = try PCM(PCMConfiguration(
                device: "speaker", stream: .playback, sampleRate: 24000,
                configurationText: ALSATestConfig.playback(name: "speaker", to: output)))
            try signal.withUnsafeBufferPointer { all in
                for start in stride(from: 0, to: all.count, by: 240) {
                    if start == 960 { playback.faults.failNext(.write, errno: EPIPE) }
                    _ = try playback.write(UnsafeBufferPointer(rebasing: all[start..<(start + 240)]))
                }
            }
            #expect(playback.counters.xruns == 1)
        }
        #expect(dir.readRaw("out.raw") == signal)
    }

    @Test("a vanished device (ENODEV) is thrown, says so, and is marked as gone")
    func deviceGone() throws {
        let pcm = try PCM(PCMConfiguration(
            device: "usbmic", stream: .capture, sampleRate: 16000, configurationText: ALSATestConfig.null(name: "usbmic")))
        pcm.faults.failNext(.read, errno: ENODEV)
        var period = [Int16](repeating: 0, count: 160)
        var caught: ALSAError?
        do {
            _ = try period.withUnsafeMutableBufferPointer { try pcm.read(into: $0) }
        } catch let error as ALSAError {
            caught = error
        }
        let error = try #require(caught)
        #expect(error.code == .noDevice)
        #expect(error.isDeviceGone)
        #expect(error.call == "snd_pcm_readi")
        #expect(error.description.contains("capture device 'usbmic'"))
        #expect(error.description.contains("disappeared"))
        #expect(pcm.counters.xruns == 0)
    }

    @Test("delay, availability, state and drop work on the null device")
    func timingQueries() throws {
        let pcm = try PCM(PCMConfiguration(
            device: "out", stream: .playback, sampleRate: 24000, configurationText: ALSATestConfig.null(name: "out")))
        #expect(pcm.state == .prepared)
        let silence = [Int16](repeating: 0, count: pcm.periodFrames * 2)
        _ = try silence.withUnsafeBufferPointer { try pcm.write($0) }
        #expect(pcm.state == .running)
        #expect(pcm.delay() == 0, "null has no clock and no delay")
        #expect(pcm.available() != nil)
        _ = try pcm.dropQueued()
        #expect(pcm.state == .prepared)
        #expect(pcm.summary.contains("24000 Hz"))
    }
}

@Suite("ALSA errors")
struct ALSAErrorTests {
    @Test("an unknown PCM name fails to open with ENOENT and points to the device list")
    func unknownDevice() {
        var caught: ALSAError?
        do {
            _ = try PCM(PCMConfiguration(
                device: "nosuchpcm", stream: .capture, sampleRate: 16000, configurationText: ALSATestConfig.null(name: "other")))
        } catch {
            caught = error
        }
        #expect(caught?.code == .noSuchDevice)
        #expect(caught?.call == "snd_pcm_open")
        #expect(caught?.isDeviceGone == false)
        #expect(caught?.description.contains("livevoiced audio devices") == true)
    }

    @Test("configuration text that does not parse is reported as such")
    func badConfigurationText() {
        var caught: ALSAError?
        do {
            _ = try PCM(PCMConfiguration(device: "x", stream: .playback, sampleRate: 24000, configurationText: "pcm.x { type "))
        } catch {
            caught = error
        }
        #expect(caught?.call == "snd_config_load")
        #expect(caught?.description.contains("does not parse") == true)
    }

    @Test("bad values are refused before any device is touched", arguments: [
        PCMConfiguration(device: "", stream: .capture, sampleRate: 16000),
        PCMConfiguration(device: "default", stream: .capture, sampleRate: 1000),
        PCMConfiguration(device: "default", stream: .capture, sampleRate: 16000, periodMilliseconds: 0),
        PCMConfiguration(device: "default", stream: .capture, sampleRate: 16000, periodsPerBuffer: 1),
    ])
    func validation(configuration: PCMConfiguration) {
        var caught: ALSAError?
        do { _ = try PCM(configuration) } catch { caught = error }
        #expect(caught?.code == .invalidArgument)
        #expect(caught?.call == "configuration")
    }

    @Test("EBUSY explains who may hold the device and what to use instead")
    func busyAdvice() {
        let error = ALSAError(returnValue: -Int(EBUSY), call: "snd_pcm_open", device: "hw:1,0", stream: .capture)
        #expect(error.description.hasPrefix("capture device 'hw:1,0': snd_pcm_open failed: Device or resource busy (EBUSY)."))
        #expect(error.description.contains("PulseAudio/PipeWire"))
        #expect(error.description.contains("dsnoop/dmix"))
    }

    @Test("a hw: device that cannot do mono suggests plughw:")
    func formatAdvice() {
        let error = ALSAError(
            returnValue: -Int(EINVAL), call: "snd_pcm_hw_params_set_channels", device: "hw:1,0", stream: .capture,
            detail: "mono (1 channel)")
        #expect(error.description.contains("cannot do mono (1 channel)"))
        #expect(error.description.contains("plughw:"))
    }
}
