// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

import Foundation

/// Measurements for audio tests.
public enum AudioMeasurement {
    /// Per-frame activity: `true` where the frame's RMS is at least `thresholdDecibels` dBFS.
    public static func activity(_ samples: [Float], frameSize: Int, thresholdDecibels: Float) -> [Bool] {
        let threshold = Double(pow(10, thresholdDecibels / 10))
        return AudioSignal.frameEnergies(samples, frameSize: frameSize).map { $0 >= threshold }
    }

    /// Signal-to-distortion ratio of `output` against `reference` over `range`, in dB, after the best
    /// least-squares FIR fit of `taps` taps (lags `lag - lead` through `lag - lead + taps - 1`) from
    /// `reference` to `output`.
    ///
    /// A fixed delay, a DC notch or any short linear filter therefore costs nothing; what remains (residual
    /// echo, noise, gain pumping, distortion) is the distortion.
    public static func signalToDistortionRatio(
        output: [Float], reference: [Float], range: Range<Int>, lag: Int, taps: Int = 32, lead: Int = 8
    ) -> Double {
        let first = lag - lead
        let lower = max(range.lowerBound, first + taps - 1)
        let upper = min(range.upperBound, output.count, reference.count + first)
        precondition(lower < upper, "range too short for the fit")
        var matrix = [Double](repeating: 0, count: taps * taps)
        var vector = [Double](repeating: 0, count: taps)
        reference.withUnsafeBufferPointer { x in
            output.withUnsafeBufferPointer { y in
                for j in 0..<taps {
                    let xj = x.baseAddress! - (first + j)
                    var sum: Double = 0
                    for n in lower..<upper { sum += Double(xj[n]) * Double(y[n]) }
                    vector[j] = sum
                    for k in j..<taps {
                        let xk = x.baseAddress! - (first + k)
                        var product: Double = 0
                        for n in lower..<upper { product += Double(xj[n]) * Double(xk[n]) }
                        matrix[j * taps + k] = product
                        matrix[k * taps + j] = product
                    }
                }
            }
        }
        var trace: Double = 0
        for j in 0..<taps { trace += matrix[j * taps + j] }
        for j in 0..<taps { matrix[j * taps + j] += 1e-9 * trace / Double(taps) + 1e-30 }
        let filter = solveSymmetric(matrix, vector, size: taps)
        var signal: Double = 0
        var error: Double = 0
        for n in lower..<upper {
            var fitted: Double = 0
            for k in 0..<taps { fitted += filter[k] * Double(reference[n - first - k]) }
            signal += fitted * fitted
            let difference = Double(output[n]) - fitted
            error += difference * difference
        }
        return 10 * log10(signal / max(error, 1e-30))
    }

    /// Signal-to-distortion ratio of `output` against `reference` over the union of `ranges`, in dB,
    /// after the one least-squares FIR fit of `taps` taps (lags `-lead` through `taps - lead - 1`) from
    /// `reference` to `output` over all of them: a fixed delay, a DC notch or any short linear filter
    /// costs nothing, whatever else is in the output (residual echo, noise, suppression, distortion) is
    /// the distortion. `nil` when the ranges hold no sample or the fitted signal is silent.
    public static func signalToDistortionRatio(
        output: [Float], reference: [Float], ranges: [Range<Int>], taps: Int = 32, lead: Int = 8
    ) -> Double? {
        let usable = ranges.compactMap { range -> Range<Int>? in
            let lower = max(range.lowerBound, taps - lead)
            let upper = min(range.upperBound, output.count, reference.count - lead)
            return lower < upper ? lower..<upper : nil
        }
        guard !usable.isEmpty else { return nil }
        var matrix = [Double](repeating: 0, count: taps * taps)
        var vector = [Double](repeating: 0, count: taps)
        var lagged = [Double](repeating: 0, count: taps)
        reference.withUnsafeBufferPointer { x in
            output.withUnsafeBufferPointer { y in
                matrix.withUnsafeMutableBufferPointer { r in
                    vector.withUnsafeMutableBufferPointer { p in
                        lagged.withUnsafeMutableBufferPointer { v in
                            for range in usable {
                                for n in range {
                                    // v[j] = reference[n + lead - j]: tap j delays the reference by j - lead.
                                    for j in 0..<taps { v[j] = Double(x[n + lead - j]) }
                                    let target = Double(y[n])
                                    for j in 0..<taps {
                                        let vj = v[j]
                                        p[j] += vj * target
                                        let row = j * taps
                                        for k in j..<taps { r[row + k] += vj * v[k] }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        var trace: Double = 0
        for j in 0..<taps {
            for k in 0..<j { matrix[j * taps + k] = matrix[k * taps + j] }
            trace += matrix[j * taps + j]
        }
        guard trace > 0 else { return nil }
        for j in 0..<taps { matrix[j * taps + j] += 1e-9 * trace / Double(taps) }
        let filter = solveSymmetric(matrix, vector, size: taps)
        var signal: Double = 0
        var error: Double = 0
        for range in usable {
            for n in range {
                var fitted: Double = 0
                for j in 0..<taps { fitted += filter[j] * Double(reference[n + lead - j]) }
                signal += fitted * fitted
                let difference = Double(output[n]) - fitted
                error += difference * difference
            }
        }
        guard signal > 0 else { return nil }
        return 10 * log10(signal / max(error, 1e-30))
    }

    /// The lag (0...`maximumLag`) at which `delayed` best matches `original`, by plain cross-correlation.
    public static func bestLag(original: [Float], delayed: [Float], maximumLag: Int) -> Int {
        var best = 0
        var bestValue = -Double.greatestFiniteMagnitude
        let count = min(original.count, delayed.count)
        for lag in 0...maximumLag {
            var sum: Double = 0
            for n in lag..<count { sum += Double(delayed[n]) * Double(original[n - lag]) }
            if sum > bestValue {
                bestValue = sum
                best = lag
            }
        }
        return best
    }

    /// Solves `matrix · x = vector` for a symmetric positive definite matrix (Cholesky).
    private static func solveSymmetric(_ matrix: [Double], _ vector: [Double], size: Int) -> [Double] {
        var lower = [Double](repeating: 0, count: size * size)
        for i in 0..<size {
            for j in 0...i {
                var sum = matrix[i * size + j]
                for k in 0..<j { sum -= lower[i * size + k] * lower[j * size + k] }
                if i == j {
                    lower[i * size + i] = max(sum, 1e-300).squareRoot()
                } else {
                    lower[i * size + j] = sum / lower[j * size + j]
                }
            }
        }
        var y = [Double](repeating: 0, count: size)
        for i in 0..<size {
            var sum = vector[i]
            for k in 0..<i { sum -= lower[i * size + k] * y[k] }
            y[i] = sum / lower[i * size + i]
        }
        var x = [Double](repeating: 0, count: size)
        for i in stride(from: size - 1, through: 0, by: -1) {
            var sum = y[i]
            for k in i + 1..<size { sum -= lower[k * size + i] * x[k] }
            x[i] = sum / lower[i * size + i]
        }
        return x
    }
}
