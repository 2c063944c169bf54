// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The front end's voice activity decision for one output frame, from the preprocessor's speech
/// probability and three checks the probability alone cannot make.
///
/// 1. **Level over the background.** The preprocessor's probability says "speech-like", so it fires on
///    other people talking in the room (babble, a television) as much as on the user: on the echo corpus
///    45–75 % of the babble-only frames came out as speech. The user is nearer and louder than that
///    background, so a frame must also stand ``FrontEndConfiguration/vadLevelMarginDecibels`` above the
///    background to start speech (1 dB keeps it going). The level is the output's, smoothed over about
///    100 ms (the noise suppressor's gain pumps from frame to frame on babble, which hides the
///    difference frame by frame); the background is its 30th percentile, tracked as a running quantile
///    (rising 0.075 dB and falling 0.175 dB per 20 ms; rising half as fast during speech), started from
///    the 30th percentile of the first second.
/// 2. **Echo.** While the far end plays, the output must keep a share of the microphone's energy
///    (``FrontEndConfiguration/doubleTalkThresholdDecibels``): echo-only frames lose most of theirs in the
///    canceller, a near-end talker does not.
/// 3. **Hangover.** Speech ends only after ``FrontEndConfiguration/vadHangoverMilliseconds`` without
///    speech frames, bridging the short gaps between words.
///
/// Its buffers are allocated in `init`; ``decide(probability:outputEnergy:microphoneEnergy:farEndActive:)``
/// never allocates.
final class SpeechDetector {
    private static let quantile = 0.3
    private static let continueMargin = 1.0
    private static let sensitiveMargin = 6.0

    private let startProbability: Int
    private let continueProbability: Int
    private let startMargin: Double
    private let doubleTalkRatio: Double?
    private let hangoverFrames: Int
    private let smoothing: Double
    private let quantileStep: Double
    private let frameSize: Int

    private let warmUp: UnsafeMutablePointer<Double>
    private let warmUpLength: Int
    private var warmUpCount = 0
    private var speaking = false
    private var hangover = 0
    private var sensitiveHold = 0
    /// How much slower speech lifts the background than pauses do (so a talker going on for many seconds
    /// keeps being heard, and babble the VAD once took for speech still lifts it).
    private static let speechRise = 0.5
    private let sensitiveHoldFrames: Int

    /// Whether a more sensitive detector (one frame 6 dB over the background, no smoothing) heard anything
    /// speech-like in the last 200 ms, or speech is going on: the echo gate stays open then.
    var mayBeSpeech: Bool { sensitiveHold > 0 || speaking }
    private var smoothedEnergy = -1.0
    /// The background level in dB (per-sample mean square, full scale 0 dB); valid once a frame was seen.
    private(set) var background = 0.0

    init(configuration: FrontEndConfiguration, cancelling: Bool) {
        startProbability = configuration.vadStartProbability
        continueProbability = configuration.vadContinueProbability
        startMargin = configuration.vadLevelMarginDecibels
        doubleTalkRatio = cancelling ? configuration.doubleTalkThresholdDecibels.map { pow(10, $0 / 10) } : nil
        let milliseconds = configuration.frameDuration.rawValue
        hangoverFrames = configuration.vadHangoverMilliseconds / milliseconds
        // 0.8 per 20 ms and 0.25 dB per 20 ms, scaled to the frame length.
        smoothing = pow(0.8, Double(milliseconds) / 20)
        quantileStep = 0.25 * Double(milliseconds) / 20
        frameSize = configuration.frameSize
        warmUpLength = max(2, 1_000 / milliseconds)
        sensitiveHoldFrames = 200 / milliseconds
        warmUp = .allocate(capacity: warmUpLength)
        warmUp.initialize(repeating: 0, count: warmUpLength)
    }

    deinit {
        warmUp.deallocate()
    }

    /// Decides one frame.
    ///
    /// - Parameters:
    ///   - probability: the preprocessor's speech probability in percent.
    ///   - outputEnergy: sum of squares of the output frame (full scale 32768).
    ///   - microphoneEnergy: the same for the microphone frame they were made from.
    ///   - farEndActive: whether the far end played during that frame.
    func decide(
        probability: Int, outputEnergy: Double, microphoneEnergy: Double, farEndActive: Bool
    ) -> Bool {
        let meanSquare = outputEnergy / Double(frameSize) / (32_768.0 * 32_768.0)
        let first = smoothedEnergy < 0
        smoothedEnergy = first ? meanSquare : smoothing * smoothedEnergy + (1 - smoothing) * meanSquare
        let level = 10 * log10(smoothedEnergy + 1e-12)
        if first { background = level }
        if warmUpCount < warmUpLength {
            // The first second: quick steps, then the quantile of what was seen, so the slow tracker starts
            // where the background is (it would take many seconds to climb from a silent first frame).
            warmUp[warmUpCount] = level
            warmUpCount += 1
            background += 4 * quantileStep * (Self.quantile - (level < background ? 1 : 0))
            if warmUpCount == warmUpLength {
                // Insertion sort: about fifty values, once.
                for index in 1..<warmUpLength {
                    let value = warmUp[index]
                    var position = index
                    while position > 0 && warmUp[position - 1] > value {
                        warmUp[position] = warmUp[position - 1]
                        position -= 1
                    }
                    warmUp[position] = value
                }
                background = warmUp[Int(Double(warmUpLength - 1) * Self.quantile)]
            }
        } else if level < background {
            background -= quantileStep * (1 - Self.quantile)
        } else {
            // Speech lifts the background more slowly than pauses do.
            background += quantileStep * Self.quantile * (speaking ? Self.speechRise : 1)
        }
        let margin = level - background
        // A quicker, more sensitive look for the echo gate: this frame alone, 6 dB over the background.
        let instant = 10 * log10(meanSquare + 1e-12) - background
        if (instant >= Self.sensitiveMargin && probability >= continueProbability) || speaking {
            sensitiveHold = sensitiveHoldFrames
        } else if sensitiveHold > 0 {
            sensitiveHold -= 1
        }

        // A margin of 0 turns the level check off.
        let levelChecked = startMargin > 0
        var speech = speaking
            ? probability >= continueProbability && (!levelChecked || margin >= Self.continueMargin)
            : probability >= startProbability && (!levelChecked || margin >= startMargin)
        if speech, farEndActive, let doubleTalkRatio, outputEnergy < microphoneEnergy * doubleTalkRatio {
            speech = false
        }
        if speech {
            hangover = hangoverFrames
        } else if speaking && hangover > 0 {
            hangover -= 1
            speech = true
        }
        speaking = speech
        return speech
    }
}

