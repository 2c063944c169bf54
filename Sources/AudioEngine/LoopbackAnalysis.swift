// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A test signal for measuring the echo path: bursts of deterministic, spectrally flat noise (300 ms on,
/// 200 ms off) after half a second of silence. Noise gives a cross-correlation with one sharp peak; the
/// gaps let the canceller's behaviour after far-end speech be seen.
public enum LoopbackSignal {
    /// `seconds` of signal at `sampleRate`, at about `levelDBFS` RMS during the bursts.
    public static func make(seconds: Double, sampleRate: Int = 24000, levelDBFS: Double = -20) -> [Int16] {
        let count = max(0, Int(seconds * Double(sampleRate)))
        let lead = sampleRate / 2
        let on = sampleRate * 3 / 10
        let cycle = sampleRate / 2
        // Uniform noise in [-1, 1) has an RMS of 1/sqrt(3).
        let scale = pow(10, levelDBFS / 20) * 3.0.squareRoot() * 32767
        var state: UInt32 = 0x2545_F491
        var out = [Int16](repeating: 0, count: count)
        for i in lead..<max(lead, count) where (i - lead) % cycle < on {
            state ^= state << 13
            state ^= state >> 17
            state ^= state << 5
            let uniform = Double(Int32(bitPattern: state)) / 2_147_483_648
            out[i] = Int16(clamping: Int((uniform * scale).rounded()))
        }
        return out
    }
}

/// What a loopback run measured: how far the echo lags the reference the engine gave the front end, how
/// loud the echo is, and how much of it the front end removed.
public struct LoopbackAnalysis: Sendable, Equatable {
    /// The lag of the echo in the microphone behind the reference, in 16 kHz samples, or nil when no echo
    /// was found.
    public var delaySamples: Int?
    /// The peak of the normalised cross-correlation, 0...1 (below about 0.2 the delay is not trustworthy).
    public var correlation: Double
    /// Echo return loss: reference energy over microphone energy while the reference is active, in dB
    /// (how much quieter the echo is than what was played).
    public var echoReturnLossDB: Double?
    /// Echo return loss enhancement after convergence: microphone energy over the front end's output
    /// energy in the second half of the frames where the reference is active, in dB (0 with the
    /// pass-through front end). A plain energy ratio: it assumes nobody talks during the test.
    public var erleDB: Double?
    /// Frames (of `frameLength`) in which the reference was active.
    public var activeFrames: Int

    /// The delay in milliseconds, when found.
    public var delayMilliseconds: Double? { delaySamples.map { Double($0) / 16 } }

    /// Analyses aligned 16 kHz recordings: `mic` (raw), `reference` (as given to the front end) and
    /// `output` (the front end's output), all the same length. Lags from `minimumLag` to `maximumLag`
    /// samples are searched.
    public static func analyze(
        mic: [Int16], reference: [Int16], output: [Int16], frameLength: Int = 160,
        minimumLag: Int = -800, maximumLag: Int = 8000
    ) -> LoopbackAnalysis {
        let count = min(mic.count, reference.count, output.count)
        let m = mic[0..<count].map(Double.init)
        let r = reference[0..<count].map(Double.init)
        let o = output[0..<count].map(Double.init)

        // Frames where the reference carries signal (above -50 dBFS).
        var active: [Bool] = []
        var micEnergy = 0.0
        var referenceEnergy = 0.0
        var activeFrameEnergies: [(mic: Double, output: Double)] = []
        let floor = 32768 * pow(10, -50.0 / 20)
        let threshold = floor * floor * Double(frameLength)
        for start in stride(from: 0, to: count - frameLength + 1, by: frameLength) {
            let range = start..<(start + frameLength)
            let e = range.reduce(0.0) { $0 + r[$1] * r[$1] }
            let isActive = e > threshold
            active.append(isActive)
            if isActive {
                referenceEnergy += e
                let frameMic = range.reduce(0.0) { $0 + m[$1] * m[$1] }
                micEnergy += frameMic
                activeFrameEnergies.append((frameMic, range.reduce(0.0) { $0 + o[$1] * o[$1] }))
            }
        }
        // ERLE after convergence: over the second half of the far-end frames (the canceller takes a
        // second or more to learn the echo path, which would otherwise dominate the figure).
        let converged = activeFrameEnergies.dropFirst(activeFrameEnergies.count / 2)
        let convergedMic = converged.reduce(0.0) { $0 + $1.mic }
        let convergedOutput = converged.reduce(0.0) { $0 + $1.output }
        let activeFrames = active.filter { $0 }.count
        var lag: Int?
        var peak = 0.0
        if activeFrames > 0 {
            (lag, peak) = crossCorrelate(m, r, minimumLag: minimumLag, maximumLag: maximumLag)
        }
        func ratio(_ a: Double, _ b: Double) -> Double? {
            guard activeFrames > 0, a > 0, b > 0 else { return nil }
            return 10 * log10(a / b)
        }
        return LoopbackAnalysis(
            delaySamples: peak >= 0.1 ? lag : nil,
            correlation: peak,
            echoReturnLossDB: ratio(referenceEnergy, micEnergy),
            erleDB: ratio(convergedMic, convergedOutput),
            activeFrames: activeFrames)
    }

    /// The lag (mic behind reference) with the highest normalised correlation: a search on a 4:1
    /// decimated copy, then a refinement at full rate around the best coarse lag.
    static func crossCorrelate(_ mic: [Double], _ reference: [Double], minimumLag: Int, maximumLag: Int) -> (Int?, Double) {
        func decimate(_ x: [Double]) -> [Double] {
            var out: [Double] = []
            out.reserveCapacity(x.count / 4)
            var i = 0
            while i + 3 < x.count {
                let pair1: Double = x[i] + x[i + 1]
                let pair2: Double = x[i + 2] + x[i + 3]
                out.append(pair1 + pair2)
                i += 4
            }
            return out
        }
        func correlation(_ a: [Double], _ b: [Double], lag: Int) -> Double {
            // Σ b[n] · a[n + lag] over the overlap, normalised by the energies of the overlapping parts.
            let start = max(0, -lag)
            let end = min(b.count, a.count - lag)
            guard end - start > 16 else { return 0 }
            var dot = 0.0
            var ea = 0.0
            var eb = 0.0
            for n in start..<end {
                let x = a[n + lag]
                let y = b[n]
                dot += x * y
                ea += x * x
                eb += y * y
            }
            return ea > 0 && eb > 0 ? dot / (ea * eb).squareRoot() : 0
        }
        let coarseMic = decimate(mic)
        let coarseReference = decimate(reference)
        var bestLag = 0
        var best = -Double.infinity
        for lag in (minimumLag / 4)...(maximumLag / 4) {
            let c = correlation(coarseMic, coarseReference, lag: lag)
            if c > best {
                best = c
                bestLag = lag
            }
        }
        var fineLag = bestLag * 4
        var fine = -Double.infinity
        for lag in max(minimumLag, bestLag * 4 - 8)...min(maximumLag, bestLag * 4 + 8) {
            let c = correlation(mic, reference, lag: lag)
            if c > fine {
                fine = c
                fineLag = lag
            }
        }
        return (fineLag, max(0, fine))
    }
}
