// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

/// A streaming mono sample-rate converter, used by the engine between the device rates and the rates its
/// users see (16 kHz microphone frames, 24 kHz playback, the 16 kHz far-end reference).
///
/// **This is where speexdsp's resampler plugs in** (through
/// ``AudioEngineConfiguration/makeResampler``); ``LinearResampler`` stands in until then. One instance is
/// used by one real-time thread: ``process(_:into:)`` must not allocate, lock or log.
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

/// Linear interpolation between neighbouring samples: cheap, no latency to speak of, but it lets some
/// aliasing through when it lowers the rate. A stand-in for speexdsp's resampler; the engine only uses it
/// when a device runs at another rate than asked, or for the 24 kHz → 16 kHz reference.
public final class LinearResampler: SampleRateConverter {
    /// The input rate in Hz.
    public let inputRate: Int
    /// The output rate in Hz.
    public let outputRate: Int
    /// Linear interpolation adds no delay worth counting.
    public var latency: Int { 0 }
    private let step: Double
    /// Where the next output sample falls, in input samples from the start of the next input block
    /// (-1 is the last sample of the previous block).
    private var position: Double = 0
    private var previous: Int16 = 0

    /// Creates a converter from `inputRate` to `outputRate` (both positive).
    public init(inputRate: Int, outputRate: Int) {
        precondition(inputRate > 0 && outputRate > 0, "sample rates must be positive")
        self.inputRate = inputRate
        self.outputRate = outputRate
        self.step = Double(inputRate) / Double(outputRate)
    }

    /// Converts all of `input` into `output` (see ``SampleRateConverter/process(_:into:)``).
    public func process(_ input: UnsafeBufferPointer<Int16>, into output: UnsafeMutableBufferPointer<Int16>) -> Int {
        let n = input.count
        guard n > 0 else { return 0 }
        var produced = 0
        let last = Double(n - 1)
        while position <= last && produced < output.count {
            let index = Int(position.rounded(.down))
            let fraction = position - Double(index)
            let a = index < 0 ? Double(previous) : Double(input[index])
            let b = fraction > 0 ? Double(input[index + 1]) : a
            output[produced] = Int16((a + (b - a) * fraction).rounded())
            produced += 1
            position += step
        }
        position -= Double(n)
        previous = input[n - 1]
        return produced
    }
}

@available(*, unavailable)
extension LinearResampler: Sendable {}
