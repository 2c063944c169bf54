// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An in-place radix-2 complex FFT on split real/imaginary arrays, with its tables computed once.
///
/// Small and allocation-free after `init`, for the delay estimator (speexdsp keeps its own FFT private).
final class FFT {
    let size: Int
    private let cosTable: UnsafeMutablePointer<Float>
    private let sinTable: UnsafeMutablePointer<Float>
    private let bitReversed: UnsafeMutablePointer<Int32>

    /// - Parameter size: a power of two, at least 4.
    init(size: Int) {
        precondition(size >= 4 && size & (size - 1) == 0, "FFT size must be a power of two")
        self.size = size
        let bits = size.trailingZeroBitCount
        cosTable = .allocate(capacity: size / 2)
        sinTable = .allocate(capacity: size / 2)
        bitReversed = .allocate(capacity: size)
        for k in 0..<size / 2 {
            let angle = -2.0 * Double.pi * Double(k) / Double(size)
            cosTable[k] = Float(cos(angle))
            sinTable[k] = Float(sin(angle))
        }
        for index in 0..<size {
            var reversed = 0
            var value = index
            for _ in 0..<bits {
                reversed = (reversed << 1) | (value & 1)
                value >>= 1
            }
            bitReversed[index] = Int32(reversed)
        }
    }

    deinit {
        cosTable.deallocate()
        sinTable.deallocate()
        bitReversed.deallocate()
    }

    /// Transforms `real` + i·`imaginary` (each `size` long) in place. The forward transform uses
    /// e^(-iωt); the inverse uses e^(+iωt) and does not divide by `size`.
    func transform(real: UnsafeMutablePointer<Float>, imaginary: UnsafeMutablePointer<Float>, inverse: Bool) {
        for index in 0..<size {
            let other = Int(bitReversed[index])
            if other > index {
                let r = real[index]
                real[index] = real[other]
                real[other] = r
                let i = imaginary[index]
                imaginary[index] = imaginary[other]
                imaginary[other] = i
            }
        }
        let sign: Float = inverse ? -1 : 1
        var half = 1
        while half < size {
            let step = size / (half * 2)
            var start = 0
            while start < size {
                var twiddle = 0
                for offset in 0..<half {
                    let wr = cosTable[twiddle]
                    let wi = sign * sinTable[twiddle]
                    let a = start + offset
                    let b = a + half
                    let br = real[b] * wr - imaginary[b] * wi
                    let bi = real[b] * wi + imaginary[b] * wr
                    real[b] = real[a] - br
                    imaginary[b] = imaginary[a] - bi
                    real[a] += br
                    imaginary[a] += bi
                    twiddle += step
                }
                start += half * 2
            }
            half *= 2
        }
    }
}
