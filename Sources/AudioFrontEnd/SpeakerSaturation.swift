// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

internal import SpeexDSP

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Learns how the loudspeaker saturates and distorts the reference the same way, so the linear echo
/// canceller sees what the speaker really played.
///
/// A cheap speaker clips: its amplifier runs out of voltage on loud peaks (hard clipping) or its driver
/// compresses them (soft clipping). Its echo is then no linear function of the reference and the adaptive
/// filter cannot remove it (measured on the echo corpus: clipping at half scale costs about 20 dB of
/// ERLE). The echo is a linear function of the *clipped* reference, though, so this passes the reference
/// through a memoryless saturation `f(x) = (1 − s)·clamp(x, ±c) + s·c·tanh(x / c)` before the canceller,
/// and learns the level `c` and softness `s`.
///
/// ## Learning
/// For a candidate `f′` the canceller's echo estimate would change by `h ∗ (f′(x) − f(x))`, where `h` is
/// the canceller's own filter, so its output `e` would become `e − h ∗ (f′(x) − f(x))`. With the
/// canceller's 32 strongest taps as `h` (refreshed from speexdsp between decisions) this scores four
/// neighbours of the current `(c, s)` over 0.3 s of far-end audio (at first four curves far apart, so
/// heavy clipping is found in one move), exactly rather than by a gradient,
/// and moves to the best one if it lowers the output energy by more than three standard deviations of
/// chance. It is a pattern search: the steps grow while moves keep their direction and shrink when they
/// turn back or nothing nearby is better, so a clipping speaker is found within a few seconds of
/// far-end speech and then tracked finely. The difference
/// `f′(x) − f(x)` is zero except on loud samples, so the scatter through the taps is cheap. Near-end speech
/// and noise in `e` are uncorrelated with it and only add variance; an unconverged filter (small taps)
/// makes every change look useless, so nothing moves until the canceller works. A linear speaker never
/// moves it off `c = 1, s = 0` (the identity).
///
/// Everything is allocated in `init`; ``distort(_:count:)`` and ``learn(error:farEndActive:)`` never
/// allocate.
final class SpeakerSaturation {
    /// One saturation curve.
    struct Curve: Equatable {
        /// Clipping level, full scale 1.
        var level: Float
        /// 0 for hard clipping, 1 for tanh.
        var softness: Float

        static let identity = Curve(level: 1, softness: 0)

        func callAsFunction(_ x: Float) -> Float {
            let hard = max(-level, min(level, x))
            guard softness > 0 else { return hard }
            return (1 - softness) * hard + softness * level * fastTanh(x / level)
        }
    }

    private static let tapCount = 32
    private static let candidateCount = 4
    private static let windowFrames = 300  // ms of far-end audio per decision
    private static let margin: Float = 0.0005  // share of the output energy a move must save at least
    private static let initialLevelStep = 0.3  // natural log: × 0.74 per move at first
    private static let initialSoftnessStep: Float = 0.25
    private static let sigmas = 3.0  // how far beyond chance a saving must be

    /// The curve applied now.
    private(set) var curve = Curve.identity
    /// Moves made so far.
    private(set) var moves = 0

    private let canceller: EchoCanceller
    private let frameSize: Int
    private let scale: Float
    private let response: UnsafeMutableBufferPointer<Int32>
    private let tapPositions: UnsafeMutablePointer<Int>
    private let tapGains: UnsafeMutablePointer<Float>
    private var taps = 0

    private let raw: UnsafeMutablePointer<Float>
    private let accumulators: UnsafeMutablePointer<Float>
    private let ringMask: Int
    private var written = 0
    private let candidates: UnsafeMutablePointer<Curve>
    private let scores: UnsafeMutablePointer<Double>
    private let differenceEnergy: UnsafeMutablePointer<Double>
    private var levelStep = SpeakerSaturation.initialLevelStep
    private var softnessStep = SpeakerSaturation.initialSoftnessStep
    private var lastLevelDirection = 0
    private var lastSoftnessDirection = 0
    private var scanning = false
    private var errorEnergy: Double = 0
    private var settleFrames = 0
    private var windowCount = 0
    private var idleFrames = 0
    private let settleLength: Int
    private let windowLength: Int

    /// - Parameters:
    ///   - canceller: the canceller whose filter stands in for the echo path.
    ///   - frameSize: samples per frame.
    init(canceller: EchoCanceller, frameSize: Int) {
        self.canceller = canceller
        self.frameSize = frameSize
        scale = Float(1 / canceller.impulseResponseScale)
        response = .allocate(capacity: canceller.impulseResponseLength)
        response.initialize(repeating: 0)
        tapPositions = .allocate(capacity: Self.tapCount)
        tapPositions.initialize(repeating: 0, count: Self.tapCount)
        tapGains = .allocate(capacity: Self.tapCount)
        tapGains.initialize(repeating: 0, count: Self.tapCount)
        raw = .allocate(capacity: frameSize)
        raw.initialize(repeating: 0, count: frameSize)
        var capacity = 1
        while capacity < canceller.impulseResponseLength + 2 * frameSize { capacity *= 2 }
        ringMask = capacity - 1
        accumulators = .allocate(capacity: capacity * Self.candidateCount)
        accumulators.initialize(repeating: 0, count: capacity * Self.candidateCount)
        candidates = .allocate(capacity: Self.candidateCount)
        candidates.initialize(repeating: .identity, count: Self.candidateCount)
        scores = .allocate(capacity: Self.candidateCount)
        scores.initialize(repeating: 0, count: Self.candidateCount)
        differenceEnergy = .allocate(capacity: Self.candidateCount)
        differenceEnergy.initialize(repeating: 0, count: Self.candidateCount)
        settleLength = canceller.impulseResponseLength / frameSize + 1
        windowLength = max(1, Self.windowFrames * 16 / frameSize)
        startWindow()
    }

    deinit {
        response.deallocate()
        tapPositions.deallocate()
        tapGains.deallocate()
        raw.deallocate()
        accumulators.deallocate()
        candidates.deallocate()
        scores.deallocate()
        differenceEnergy.deallocate()
    }

    /// Replaces `frame` (the aligned reference) by what the speaker plays, keeping the original for
    /// ``learn(error:farEndActive:)``.
    func distort(_ frame: UnsafeMutablePointer<Int16>, count: Int) {
        let identity = curve == .identity
        for index in 0..<count {
            let x = Float(frame[index]) * (1 / 32_768)
            raw[index] = x
            if !identity { frame[index] = Int16(max(-32_768, min(32_767, (curve(x) * 32_768).rounded()))) }
        }
    }

    /// Scores the candidates on the canceller's output for the frame just distorted.
    func learn(error: UnsafeBufferPointer<Int16>, farEndActive: Bool) {
        let capacity = ringMask + 1
        let count = frameSize
        // Scatter each candidate's difference through the taps into the future outputs it affects. Below
        // 5 % of the lowest level no candidate differs measurably from the current curve.
        let quiet = 0.045 * curve.level
        for index in 0..<count {
            let x = raw[index]
            guard abs(x) > quiet else { continue }
            let current = curve(x)
            let time = written + index
            for candidate in 0..<Self.candidateCount {
                let difference = candidates[candidate](x) - current
                guard abs(difference) > 1e-5 else { continue }
                let ring = accumulators + candidate * capacity
                for tap in 0..<taps {
                    ring[(time + tapPositions[tap]) & ringMask] += tapGains[tap] * difference
                }
            }
        }
        let counting = settleFrames == 0 && farEndActive && taps > 0
        for index in 0..<count {
            let time = (written + index) & ringMask
            let e = Float(error[index]) * (1 / 32_768)
            if counting { errorEnergy += Double(e * e) }
            for candidate in 0..<Self.candidateCount {
                let slot = accumulators + candidate * capacity + time
                let delta = slot.pointee
                slot.pointee = 0
                if counting && delta != 0 {
                    scores[candidate] += Double(delta * (delta - 2 * e))
                    differenceEnergy[candidate] += Double(delta * delta)
                }
            }
        }
        written += count
        if settleFrames > 0 {
            settleFrames -= 1
            return
        }
        guard counting else {
            // Before the canceller has any filter, look again now and then.
            if taps == 0 {
                idleFrames += 1
                if idleFrames >= max(1, windowLength / 3) { startWindow() }
            }
            return
        }
        windowCount += 1
        guard windowCount >= windowLength else { return }
        decide()
    }

    /// Moves to the candidate that saved the most output energy, if it saved clearly more than chance
    /// would (the output's own variance through the same difference), and adapts the step sizes: growing
    /// while moves keep the same direction, shrinking when they turn back.
    private func decide() {
        var best = -1
        var bestScore = -Double(Self.margin) * errorEnergy
        let meanSquare = errorEnergy / Double(max(1, windowCount * frameSize))
        for candidate in 0..<Self.candidateCount {
            let chance = Self.sigmas * 2 * (differenceEnergy[candidate] * meanSquare).squareRoot()
            if scores[candidate] < bestScore && -scores[candidate] > chance {
                best = candidate
                bestScore = scores[candidate]
            }
        }
        guard best >= 0 else {
            // Nothing nearby is clearly better: look closer next time (a pattern search), unless the
            // canceller has barely started (then every candidate looks the same).
            if moves > 0 && (levelStep > 0.03 || softnessStep > 0.1) {
                levelStep = max(0.03, levelStep * 0.7)
                softnessStep = max(0.1, softnessStep * 0.7)
                restartWindow(moved: true)
            } else {
                restartWindow(moved: false)
            }
            return
        }
        curve = candidates[best]
        moves += 1
        if scanning {
            // From the scan's winner the pattern search goes on with moderate steps, either way.
            levelStep = Self.initialLevelStep / 2
            softnessStep = Self.initialSoftnessStep
            lastLevelDirection = 0
            lastSoftnessDirection = 0
            restartWindow(moved: true)
            return
        }
        let direction = best % 2 == 0 ? -1 : 1
        if best < 2 {
            levelStep = direction == lastLevelDirection ? min(0.4, levelStep * 1.6) : max(0.03, levelStep * 0.5)
            if lastLevelDirection == 0 { levelStep = Self.initialLevelStep }
            lastLevelDirection = direction
        } else {
            softnessStep = direction == lastSoftnessDirection ? min(0.5, softnessStep * 1.6) : max(0.1, softnessStep * 0.5)
            if lastSoftnessDirection == 0 { softnessStep = Self.initialSoftnessStep }
            lastSoftnessDirection = direction
        }
        restartWindow(moved: true)
    }

    /// Forgets the learned curve (for example when the speaker may have changed).
    /// Starts scoring afresh after the canceller was reset or the reference jumped: what was scattered
    /// and the taps belong to the old alignment. The curve learned so far stays (the speaker is the same).
    func restartScoring() {
        restartWindow(moved: true)
    }

    func reset() {
        curve = .identity
        levelStep = Self.initialLevelStep
        softnessStep = Self.initialSoftnessStep
        lastLevelDirection = 0
        lastSoftnessDirection = 0
        startWindow()
    }

    private func startWindow() {
        restartWindow(moved: true)
    }

    /// Starts scoring afresh. After a move the candidates change and the differences already scattered
    /// are stale, so they are dropped and the next filter-length of output is not scored; without one the
    /// scatter carries on and only the taps are refreshed.
    private func restartWindow(moved: Bool) {
        refreshTaps()
        for index in 0..<Self.candidateCount {
            scores[index] = 0
            differenceEnergy[index] = 0
        }
        errorEnergy = 0
        windowCount = 0
        idleFrames = 0
        guard moved else { return }
        scanning = moves == 0
        if scanning {
            // Nothing found yet: look far apart first, so a badly clipping speaker is found in one move.
            candidates[0] = Curve(level: 0.8, softness: 0)
            candidates[1] = Curve(level: 0.6, softness: 0)
            candidates[2] = Curve(level: 0.45, softness: 0)
            candidates[3] = Curve(level: 0.6, softness: 1)
        } else {
            let level = curve.level, softness = curve.softness
            let ratio = Float(exp(-levelStep))
            candidates[0] = Curve(level: max(0.1, level * ratio), softness: softness)
            candidates[1] = Curve(level: min(1, level / ratio), softness: softness)
            // Softness only once clipping was found: near full scale a soft curve is a gentle compressor,
            // which a reverberant room's misadjusted filter can seem to prefer by chance.
            let softAllowed = level < 0.9
            candidates[2] = Curve(level: level, softness: softAllowed ? max(0, softness - softnessStep) : 0)
            candidates[3] = Curve(level: level, softness: softAllowed ? min(1, softness + softnessStep) : 0)
        }
        accumulators.update(repeating: 0, count: (ringMask + 1) * Self.candidateCount)
        settleFrames = settleLength
    }

    /// The strongest taps of the canceller's filter, in linear gain.
    private func refreshTaps() {
        canceller.impulseResponse(into: response)
        var peak: Int32 = 0
        for value in response { peak = max(peak, value == .min ? .max : abs(value)) }
        taps = 0
        guard peak > 0 else { return }
        // Lower a threshold from the peak until about tapCount taps pass it.
        var threshold = peak / 2
        while threshold > 0 {
            var passing = 0
            for value in response where abs(Int64(value)) >= Int64(threshold) { passing += 1 }
            if passing >= Self.tapCount || threshold < peak / 64 { break }
            threshold /= 2
        }
        // Everything above twice the threshold fits; fill up with what lies between.
        let high = 2 * Int64(threshold), low = Int64(threshold)
        for position in response.indices where abs(Int64(response[position])) >= high && taps < Self.tapCount {
            tapPositions[taps] = position
            tapGains[taps] = Float(response[position]) * scale
            taps += 1
        }
        for position in response.indices where taps < Self.tapCount {
            let magnitude = abs(Int64(response[position]))
            guard magnitude >= low && magnitude < high else { continue }
            tapPositions[taps] = position
            tapGains[taps] = Float(response[position]) * scale
            taps += 1
        }
    }
}


/// tanh by a [7/6] Padé approximant, clamped: within 2e-5 of tanh everywhere, a few times cheaper.
@inline(__always)
func fastTanh(_ x: Float) -> Float {
    if x > 4.97 { return 1 }
    if x < -4.97 { return -1 }
    let x2 = x * x
    let numerator = x * (135_135 + x2 * (17_325 + x2 * (378 + x2)))
    let denominator = 135_135 + x2 * (62_370 + x2 * (3_150 + x2 * 28))
    return numerator / denominator
}
