// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

public import AudioFrontEnd

/// A streaming mono sample-rate converter, used by the engine between the device rates and the rates its
/// users see (16 kHz microphone frames, 24 kHz playback, the 16 kHz far-end reference).
///
/// The engine uses ``SpeexSampleRateConverter`` unless ``AudioEngineConfiguration/makeResampler`` names
/// another. One instance is used by one real-time thread: ``process(_:into:)`` must not allocate, lock or log.
public protocol SampleRateConverter: AnyObject {
    /// The input rate in Hz.
    var inputRate: Int { get }
    /// The output rate in Hz.
    var outputRate: Int { get }
    /// How many output samples the conversion lags its input by (the filter's group delay).
    var latency: Int { get }
    /// Converts all of `input`, writing to the start of `output`, and returns how many samples it wrote.
    /// `output` has room for at least `input.count * outputRate / inputRate + 2` samples.
    func process(_ input: UnsafeBufferPointer<Int16>, into output: UnsafeMutableBufferPointer<Int16>) -> Int
}

/// Makes a converter from one rate to another; throws when it cannot.
public typealias SampleRateConverterFactory = @Sendable (_ inputRate: Int, _ outputRate: Int) throws -> any SampleRateConverter

/// speexdsp's resampler (through `AudioFrontEnd`'s ``ReferenceResampler``) as the engine's converter:
/// a proper low-pass filter, so lowering 24 kHz to 16 kHz does not alias. Its filter delays the output by
/// ``latency`` samples, which the engine's timing accounts for. Never allocates in ``process(_:into:)``.
public final class SpeexSampleRateConverter: SampleRateConverter {
    private let resampler: ReferenceResampler
    /// The input rate in Hz.
    public let inputRate: Int
    /// The output rate in Hz.
    public let outputRate: Int
    /// The filter's delay in output samples.
    public var latency: Int { resampler.latency }

    /// Creates a converter; `quality` is speexdsp's 0...10 (5: about 2 µs per 10 ms, 2.5 ms of delay).
    public init(inputRate: Int, outputRate: Int, quality: Int = 5) throws(AudioFrontEndError) {
        resampler = try ReferenceResampler(inputRate: inputRate, outputRate: outputRate, quality: quality, alignOutput: false)
        self.inputRate = inputRate
        self.outputRate = outputRate
    }

    /// Converts all of `input` into `output` (see ``SampleRateConverter/process(_:into:)``).
    public func process(_ input: UnsafeBufferPointer<Int16>, into output: UnsafeMutableBufferPointer<Int16>) -> Int {
        resampler.resample(input, into: output)
    }
}

@available(*, unavailable, message: "speexdsp state must be used from one thread at a time")
extension SpeexSampleRateConverter: Sendable {}
