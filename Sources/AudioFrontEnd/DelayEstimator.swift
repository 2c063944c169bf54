// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Finds how late the echo of the reference arrives in the microphone signal, with a generalised
/// cross-correlation with phase transform (GCC-PHAT) on 4 kHz decimated copies of both signals.
///
/// Both signals are low-pass filtered and decimated by 4. Every 1024 decimated samples (256 ms) in which
/// the reference was active, the microphone block is correlated against the reference history that could
/// have produced it (lags 0 up to the maximum) with one FFT of both signals packed as real and imaginary
/// parts. Each block's cross-spectrum is whitened (phase only, 100 Hz to 1.6 kHz), so every frequency votes
/// equally and the direct path shows as a sharp peak however coloured the room, and averaged over blocks
/// with a forgetting factor. An estimate is published when the peak stands well above the rest of the
/// correlation in two consecutive blocks at the same lag; the earliest strong peak (within 30 ms before the
/// largest) is taken, since the canceller needs the reference no later than the direct path.
///
/// Memory is fixed at `init` (about 100 kB for 500 ms). The work of one block is spread over the next four
/// calls (one FFT at most per call), so no call costs much more than another.
final class DelayEstimator {
    /// A published delay: how many samples (at the input rate) the echo lags the reference.
    struct Estimate: Equatable {
        var lag: Int
        /// Peak height over the RMS of the rest of the correlation; 7 or more is required to publish.
        var confidence: Double
    }

    private enum Stage {
        case idle, transform, accumulate, inverse, decide
    }

    static let decimation = 4
    static let blockLength = 1024
    private static let tapCount = 32
    private static let forgetting: Float = 0.8
    private static let minimumWeight: Float = 1.75
    private static let minimumConfidence = 7.0
    private static let agreement = 4  // decimated samples (1 ms) between consecutive estimates

    /// The largest lag searched, in decimated samples.
    let maximumLag: Int
    private let fft: FFT
    private let ringMask: Int
    private let lowBin: Int
    private let highBin: Int
    private let activityEnergy: Float
    private let microphoneFloorEnergy: Float

    private let taps: UnsafeMutablePointer<Float>
    private let referenceHistory: UnsafeMutablePointer<Float>
    private let microphoneHistory: UnsafeMutablePointer<Float>
    private var historyPosition = 0
    private var phase = 0

    private let referenceRing: UnsafeMutablePointer<Float>
    private var referenceWritten = 0
    private let microphoneBlock: UnsafeMutablePointer<Float>
    private var microphoneFill = 0
    private var referenceEnergySum: Float = 0
    private var microphoneEnergySum: Float = 0
    private let blockEnergies: UnsafeMutablePointer<Float>
    private let blocksPerSegment: Int
    private var blockIndex = 0

    private let real: UnsafeMutablePointer<Float>
    private let imaginary: UnsafeMutablePointer<Float>
    private let accumulatedReal: UnsafeMutablePointer<Float>
    private let accumulatedImaginary: UnsafeMutablePointer<Float>
    private var weight: Float = 0
    private var stage = Stage.idle

    private var candidateLag = -1
    private var candidateCount = 0
    /// The latest published estimate.
    private(set) var estimate: Estimate?
    /// Incremented each time an estimate is published (also when it repeats the previous one).
    private(set) var generation = 0
    /// Blocks analysed so far (reference active), for diagnostics.
    private(set) var blocksAnalysed = 0

    /// - Parameters:
    ///   - maximumLag: the largest delay to look for, in input samples.
    ///   - sampleRate: the input rate (16 kHz in livevoiced).
    ///   - activityLevel: reference level in dBFS below which a block says nothing about the delay.
    init(maximumLag: Int, sampleRate: Int, activityLevel: Double) {
        let decimatedRate = Double(sampleRate) / Double(Self.decimation)
        self.maximumLag = max(1, (maximumLag + Self.decimation - 1) / Self.decimation)
        var size = 64
        while size < Self.blockLength + self.maximumLag { size *= 2 }
        fft = FFT(size: size)
        ringMask = size - 1
        lowBin = max(1, Int(100.0 / decimatedRate * Double(size)))
        highBin = min(size / 2 - 1, Int(1_600.0 / decimatedRate * Double(size)))
        activityEnergy = Float(pow(10.0, activityLevel / 10.0))
        microphoneFloorEnergy = Float(pow(10.0, -75.0 / 10.0))

        taps = .allocate(capacity: Self.tapCount)
        // Windowed-sinc low-pass at 1.7 kHz (input rate 16 kHz), Blackman window, unity DC gain.
        let cutoff = 1_700.0 / Double(sampleRate)
        var sum = 0.0
        var designed = [Double](repeating: 0, count: Self.tapCount)
        for index in 0..<Self.tapCount {
            let centre = Double(index) - Double(Self.tapCount - 1) / 2
            let sinc = centre == 0 ? 2 * cutoff : sin(2 * Double.pi * cutoff * centre) / (Double.pi * centre)
            let x = Double(index) / Double(Self.tapCount - 1)
            let window = 0.42 - 0.5 * cos(2 * Double.pi * x) + 0.08 * cos(4 * Double.pi * x)
            designed[index] = sinc * window
            sum += designed[index]
        }
        for index in 0..<Self.tapCount { taps[index] = Float(designed[index] / sum) }

        referenceHistory = .allocate(capacity: 2 * Self.tapCount)
        microphoneHistory = .allocate(capacity: 2 * Self.tapCount)
        referenceRing = .allocate(capacity: size)
        microphoneBlock = .allocate(capacity: Self.blockLength)
        blocksPerSegment = (Self.blockLength + self.maximumLag + Self.blockLength - 1) / Self.blockLength
        blockEnergies = .allocate(capacity: blocksPerSegment)
        real = .allocate(capacity: size)
        imaginary = .allocate(capacity: size)
        accumulatedReal = .allocate(capacity: size / 2 + 1)
        accumulatedImaginary = .allocate(capacity: size / 2 + 1)
        reset()
    }

    deinit {
        taps.deallocate()
        referenceHistory.deallocate()
        microphoneHistory.deallocate()
        referenceRing.deallocate()
        microphoneBlock.deallocate()
        blockEnergies.deallocate()
        real.deallocate()
        imaginary.deallocate()
        accumulatedReal.deallocate()
        accumulatedImaginary.deallocate()
    }

    /// Forgets everything: history, averages and the published estimate.
    func reset() {
        referenceHistory.initialize(repeating: 0, count: 2 * Self.tapCount)
        microphoneHistory.initialize(repeating: 0, count: 2 * Self.tapCount)
        referenceRing.initialize(repeating: 0, count: fft.size)
        microphoneBlock.initialize(repeating: 0, count: Self.blockLength)
        blockEnergies.initialize(repeating: 0, count: blocksPerSegment)
        accumulatedReal.initialize(repeating: 0, count: fft.size / 2 + 1)
        accumulatedImaginary.initialize(repeating: 0, count: fft.size / 2 + 1)
        historyPosition = 0
        phase = 0
        referenceWritten = 0
        microphoneFill = 0
        referenceEnergySum = 0
        microphoneEnergySum = 0
        blockIndex = 0
        weight = 0
        stage = .idle
        candidateLag = -1
        candidateCount = 0
        estimate = nil
        blocksAnalysed = 0
    }

    /// Takes the next samples of the reference (as fed to the canceller before any delay) and of the raw
    /// microphone signal, equally many of each. Never allocates.
    func process(reference: UnsafeBufferPointer<Int16>, microphone: UnsafeBufferPointer<Int16>) {
        runStage()
        let scale: Float = 1.0 / 32_768
        for index in 0..<min(reference.count, microphone.count) {
            let r = Float(reference[index]) * scale
            let m = Float(microphone[index]) * scale
            referenceHistory[historyPosition] = r
            referenceHistory[historyPosition + Self.tapCount] = r
            microphoneHistory[historyPosition] = m
            microphoneHistory[historyPosition + Self.tapCount] = m
            historyPosition = historyPosition + 1 == Self.tapCount ? 0 : historyPosition + 1
            phase += 1
            if phase == Self.decimation {
                phase = 0
                var filteredReference: Float = 0
                var filteredMicrophone: Float = 0
                let referenceWindow = referenceHistory + historyPosition
                let microphoneWindow = microphoneHistory + historyPosition
                for tap in 0..<Self.tapCount {
                    filteredReference += taps[tap] * referenceWindow[tap]
                    filteredMicrophone += taps[tap] * microphoneWindow[tap]
                }
                append(reference: filteredReference, microphone: filteredMicrophone)
            }
        }
    }

    private func append(reference: Float, microphone: Float) {
        referenceRing[referenceWritten & ringMask] = reference
        referenceWritten += 1
        microphoneBlock[microphoneFill] = microphone
        microphoneFill += 1
        referenceEnergySum += reference * reference
        microphoneEnergySum += microphone * microphone
        if microphoneFill == Self.blockLength { completeBlock() }
    }

    private func completeBlock() {
        let length = Float(Self.blockLength)
        blockEnergies[blockIndex % blocksPerSegment] = referenceEnergySum / length
        blockIndex += 1
        let microphoneEnergy = microphoneEnergySum / length
        referenceEnergySum = 0
        microphoneEnergySum = 0
        microphoneFill = 0

        var segmentEnergy: Float = 0
        for index in 0..<blocksPerSegment { segmentEnergy += blockEnergies[index] }
        segmentEnergy /= Float(blocksPerSegment)
        // The decimator's filter attenuates the high band, so compare against a slightly lower floor.
        guard stage == .idle, referenceWritten >= Self.blockLength + maximumLag,
            segmentEnergy >= activityEnergy * 0.25, microphoneEnergy >= microphoneFloorEnergy
        else { return }

        // real: reference from (block start - maximumLag) on; imaginary: the microphone block placed at
        // maximumLag, so a lag d appears at index d of the correlation without wrapping.
        let size = fft.size
        let segmentStart = referenceWritten - Self.blockLength - maximumLag
        let segmentLength = Self.blockLength + maximumLag
        for index in 0..<size {
            real[index] = index < segmentLength ? referenceRing[(segmentStart + index) & ringMask] : 0
            imaginary[index] = 0
        }
        for index in 0..<Self.blockLength { imaginary[maximumLag + index] = microphoneBlock[index] }
        stage = .transform
    }

    private func runStage() {
        switch stage {
        case .idle:
            return
        case .transform:
            fft.transform(real: real, imaginary: imaginary, inverse: false)
            stage = .accumulate
        case .accumulate:
            accumulate()
            stage = .inverse
        case .inverse:
            fft.transform(real: real, imaginary: imaginary, inverse: true)
            stage = .decide
        case .decide:
            decide()
            stage = .idle
        }
    }

    private func accumulate() {
        let size = fft.size
        let forgetting = Self.forgetting
        for bin in lowBin...highBin {
            let zr = real[bin], zi = imaginary[bin]
            let nr = real[size - bin], ni = imaginary[size - bin]
            // Unpack the two real signals: R = (Z[k] + conj Z[N-k]) / 2, M = (Z[k] - conj Z[N-k]) / 2i.
            let rr = (zr + nr) * 0.5, ri = (zi - ni) * 0.5
            let mr = (zi + ni) * 0.5, mi = (nr - zr) * 0.5
            // Cross-spectrum M·conj(R), whitened to unit magnitude.
            let gr = mr * rr + mi * ri
            let gi = mi * rr - mr * ri
            let magnitude = (gr * gr + gi * gi).squareRoot() + 1e-20
            accumulatedReal[bin] = forgetting * accumulatedReal[bin] + gr / magnitude
            accumulatedImaginary[bin] = forgetting * accumulatedImaginary[bin] + gi / magnitude
        }
        weight = forgetting * weight + 1
        blocksAnalysed += 1
        for index in 0..<size {
            real[index] = 0
            imaginary[index] = 0
        }
        for bin in lowBin...highBin {
            real[bin] = accumulatedReal[bin]
            imaginary[bin] = accumulatedImaginary[bin]
            real[size - bin] = accumulatedReal[bin]
            imaginary[size - bin] = -accumulatedImaginary[bin]
        }
    }

    private func decide() {
        var peakIndex = 0
        var peak = -Float.greatestFiniteMagnitude
        for lag in 0...maximumLag where real[lag] > peak {
            peak = real[lag]
            peakIndex = lag
        }
        var squares: Double = 0
        var count = 0
        for lag in 0...maximumLag where abs(lag - peakIndex) > 8 {
            squares += Double(real[lag]) * Double(real[lag])
            count += 1
        }
        let rms = count > 0 ? (squares / Double(count)).squareRoot() : 0
        let confidence = rms > 0 ? Double(peak) / rms : 0
        guard weight >= Self.minimumWeight, confidence >= Self.minimumConfidence, peak > 0 else {
            candidateCount = 0
            return
        }
        // The earliest local maximum within 30 ms before the peak that reaches half its height.
        var chosen = peakIndex
        let earliest = max(1, peakIndex - 30 * 16 / Self.decimation)
        if earliest < peakIndex {
            for lag in earliest..<peakIndex
            where real[lag] >= 0.5 * peak && real[lag] >= real[lag - 1] && real[lag] >= real[lag + 1] {
                chosen = lag
                break
            }
        }
        if candidateLag >= 0, abs(chosen - candidateLag) <= Self.agreement {
            candidateCount += 1
        } else {
            candidateCount = 1
        }
        candidateLag = chosen
        guard candidateCount >= 2 else { return }
        // Parabolic interpolation between decimated samples.
        var fraction: Double = 0
        if chosen > 0, chosen < maximumLag {
            let left = Double(real[chosen - 1]), centre = Double(real[chosen]), right = Double(real[chosen + 1])
            let denominator = left - 2 * centre + right
            if denominator < 0 { fraction = max(-0.5, min(0.5, 0.5 * (left - right) / denominator)) }
        }
        let lag = Int(((Double(chosen) + fraction) * Double(Self.decimation)).rounded())
        estimate = Estimate(lag: max(0, lag), confidence: confidence)
        generation += 1
    }
}
