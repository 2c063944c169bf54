// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

import Foundation

/// Linear convolution by FFT overlap-add, for applying room impulse responses thousands of taps long to
/// tens of seconds of audio in test and bench code (a direct convolution would take minutes in a debug
/// build).
public enum FastConvolution {
    /// `signal` convolved with `impulseResponse`, truncated to `signal.count` samples.
    public static func apply(_ signal: [Float], impulseResponse: [Float]) -> [Float] {
        guard !signal.isEmpty, !impulseResponse.isEmpty else { return [Float](repeating: 0, count: signal.count) }
        var size = 1_024
        while size < 2 * impulseResponse.count { size *= 2 }
        let block = size - impulseResponse.count + 1
        let transform = ComplexFFT(size: size)
        var responseReal = [Double](repeating: 0, count: size)
        var responseImaginary = [Double](repeating: 0, count: size)
        for index in impulseResponse.indices { responseReal[index] = Double(impulseResponse[index]) }
        transform.forward(real: &responseReal, imaginary: &responseImaginary)

        var output = [Float](repeating: 0, count: signal.count)
        var real = [Double](repeating: 0, count: size)
        var imaginary = [Double](repeating: 0, count: size)
        var start = 0
        while start < signal.count {
            let count = min(block, signal.count - start)
            for index in 0..<size {
                real[index] = index < count ? Double(signal[start + index]) : 0
                imaginary[index] = 0
            }
            transform.forward(real: &real, imaginary: &imaginary)
            for index in 0..<size {
                let a = real[index], b = imaginary[index]
                let c = responseReal[index], d = responseImaginary[index]
                real[index] = a * c - b * d
                imaginary[index] = a * d + b * c
            }
            transform.inverse(real: &real, imaginary: &imaginary)
            let end = min(signal.count, start + size)
            for index in start..<end { output[index] += Float(real[index - start]) }
            start += block
        }
        return output
    }
}

/// A radix-2 complex FFT with precomputed twiddles (double precision: the corpus should not carry the
/// generator's rounding into the scores).
struct ComplexFFT {
    let size: Int
    private let cosines: [Double]
    private let sines: [Double]
    private let reversed: [Int]

    init(size: Int) {
        precondition(size >= 2 && size & (size - 1) == 0, "FFT size must be a power of two")
        self.size = size
        cosines = (0..<size / 2).map { cos(-2 * Double.pi * Double($0) / Double(size)) }
        sines = (0..<size / 2).map { sin(-2 * Double.pi * Double($0) / Double(size)) }
        let bits = size.trailingZeroBitCount
        reversed = (0..<size).map { index in
            var value = index
            var result = 0
            for _ in 0..<bits {
                result = (result << 1) | (value & 1)
                value >>= 1
            }
            return result
        }
    }

    /// In place, e^(-iωt).
    func forward(real: inout [Double], imaginary: inout [Double]) {
        run(real: &real, imaginary: &imaginary, sign: 1)
    }

    /// In place, e^(+iωt), divided by `size`.
    func inverse(real: inout [Double], imaginary: inout [Double]) {
        run(real: &real, imaginary: &imaginary, sign: -1)
        let scale = 1 / Double(size)
        for index in 0..<size {
            real[index] *= scale
            imaginary[index] *= scale
        }
    }

    private func run(real: inout [Double], imaginary: inout [Double], sign: Double) {
        let size = self.size
        real.withUnsafeMutableBufferPointer { re in
            imaginary.withUnsafeMutableBufferPointer { im in
                cosines.withUnsafeBufferPointer { cosines in
                    sines.withUnsafeBufferPointer { sines in
                        reversed.withUnsafeBufferPointer { reversed in
                            for index in 0..<size where reversed[index] > index {
                                re.swapAt(index, reversed[index])
                                im.swapAt(index, reversed[index])
                            }
                            var half = 1
                            while half < size {
                                let step = size / (2 * half)
                                var start = 0
                                while start < size {
                                    for offset in 0..<half {
                                        let wr = cosines[offset * step], wi = sign * sines[offset * step]
                                        let a = start + offset, b = a + half
                                        let br = re[b] * wr - im[b] * wi
                                        let bi = re[b] * wi + im[b] * wr
                                        re[b] = re[a] - br
                                        im[b] = im[a] - bi
                                        re[a] += br
                                        im[a] += bi
                                    }
                                    start += 2 * half
                                }
                                half *= 2
                            }
                        }
                    }
                }
            }
        }
    }
}
