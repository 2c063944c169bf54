// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

internal import SpeexDSP

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What the front end found in one processed frame.
///
/// Every field describes the audio written to `output` by the same call, which is the microphone input
/// of ``AudioFrontEnd/latency`` samples (one frame) earlier.
public struct FrameAnalysis: Sendable, Equatable {
    /// The VAD decision: near-end speech, after echo cancellation (so the assistant's own voice does not
    /// count).
    public var isSpeech: Bool
    /// The preprocessor's speech probability, 0...1.
    public var speechProbability: Double
    /// RMS level of the processed output in dBFS (-120 for digital silence).
    public var level: Double
    /// Whether the aligned far-end reference was above the far-end threshold for this frame.
    public var farEndActive: Bool
    /// Whether the echo canceller has converged: while the far end plays and nobody near talks, the output
    /// (before the echo gate) stays well below the microphone. Until it has, the VAD can take the
    /// speaker's echo for speech. Always false without a canceller.
    public var echoConverged: Bool

    /// Creates an analysis; the front end makes these.
    public init(isSpeech: Bool, speechProbability: Double, level: Double, farEndActive: Bool, echoConverged: Bool = false) {
        self.isSpeech = isSpeech
        self.speechProbability = speechProbability
        self.level = level
        self.farEndActive = farEndActive
        self.echoConverged = echoConverged
    }
}

/// The microphone front end: far-end alignment (fixed or estimated delay), speaker saturation learning,
/// speexdsp echo cancellation, noise and residual echo suppression, optional AGC, VAD and an echo gate,
/// one 16 kHz frame at a time.
///
/// ## Use
/// Create it with a ``FrontEndConfiguration``, then call ``process(microphone:reference:output:)`` once per
/// frame of ``frameSize`` samples, from one thread (it is not `Sendable`). `reference` is the far-end
/// signal at 16 kHz covering the same time window as the microphone samples *as handed to the speaker*,
/// before any device or acoustic delay: the front end keeps a delay line of up to
/// ``FrontEndConfiguration/maximumDelayMilliseconds`` and applies the configured offset plus the fixed or
/// estimated delay itself. Feed silence (zeros) as reference while nothing plays, so both streams stay in
/// step.
///
/// ## Per frame
/// 1. The reference is delayed (offset plus fixed or estimated delay). An automatic delay moves only when
///    the echo's direct path leaves the filter's first half, since a move restarts the canceller.
/// 2. It is clipped the way the speaker was found to clip (``FrontEndConfiguration/saturationCompensation``,
///    ``speakerSaturation``), so the linear canceller can model the echo of a saturating speaker.
/// 3. speexdsp cancels the echo; its preprocessor suppresses noise and residual echo.
/// 4. The VAD decides on the preprocessor's speech probability, the output's level over its background and
///    the share of the microphone's energy the output kept while the far end played.
/// 5. While the far end plays and nothing near-end is heard, the echo gate attenuates the frame
///    (``FrontEndConfiguration/echoGateDecibels``).
///
/// ## Real time
/// Everything is allocated in `init`; ``process(microphone:reference:output:)`` never allocates, locks or
/// logs. With automatic delay the estimator does one 4096-point FFT at most per call; a few times a
/// second the saturation learner reads the canceller's filter (about one frame's cancellation).
///
/// ## Latency
/// The output lags the microphone by ``latency`` samples (one frame: speexdsp's preprocessor works by
/// overlap-add). Offline callers that need time-aligned output drop that many samples at the start.
///
/// ## Settling
/// The preprocessor learns the noise floor during about the first second and reports a high speech
/// probability meanwhile (the VAD's level check takes its background from that second); the canceller
/// converges within a few seconds of far-end speech, and with automatic delay the first alignment takes
/// about 1 s of far-end speech (it restarts the canceller). A clipping speaker is found within a few
/// seconds more. While the far end plays, ``FrameAnalysis/isSpeech`` also requires the output to keep a
/// share of the microphone's energy (``FrontEndConfiguration/doubleTalkThresholdDecibels``), so before
/// convergence the echo can still count as speech (and then the gate stays open).
public final class AudioFrontEnd {
    /// The settings this front end was created with.
    public let configuration: FrontEndConfiguration
    /// Samples per frame (160 or 320).
    public let frameSize: Int

    private let canceller: EchoCanceller?
    private let saturation: SpeakerSaturation?
    private let preprocessor: Preprocessor
    private let estimator: DelayEstimator?

    private let delayLine: UnsafeMutablePointer<Int16>
    private let delayMask: Int
    private var delayWritten = 0
    private let alignedReference: UnsafeMutablePointer<Int16>
    private let offsetReference: UnsafeMutablePointer<Int16>

    private var offsetSamples: Int
    private let maximumDelaySamples: Int
    private var componentSamples: Int
    private var seenGeneration = 0
    private let detector: SpeechDetector
    private let gateGain: Float?
    private let gateHoldFrames: Int
    private var gateHold = 0
    private var currentGateGain: Float = 1
    private var previousFarEndActive = false
    private var previousMicrophoneEnergy: Double = 0
    private let farEndThresholdEnergy: Double
    private let targetPosition: Int
    private let tolerance: ClosedRange<Int>

    /// Whether the canceller has converged (see ``FrameAnalysis/echoConverged``).
    private var convergence: EchoConvergence

    /// How many times the automatic delay re-aligned the reference (each restarts the canceller).
    public private(set) var realignments = 0

    /// Creates the front end and every speexdsp state it needs.
    ///
    /// - Throws: ``AudioFrontEndError`` when a setting is out of range (see
    ///   ``FrontEndConfiguration/validate()``) or speexdsp refuses it.
    public init(configuration: FrontEndConfiguration) throws(AudioFrontEndError) {
        try configuration.validate()
        self.configuration = configuration
        let rate = FrontEndConfiguration.sampleRate
        let frameSize = configuration.frameSize
        convergence = EchoConvergence(frameLength: frameSize, sampleRate: rate)
        self.frameSize = frameSize
        let perMillisecond = rate / 1000
        do throws(SpeexDSPError) {
            if configuration.echoCancellation {
                canceller = try EchoCanceller(
                    frameSize: frameSize, filterLength: configuration.filterLengthMilliseconds * perMillisecond,
                    sampleRate: rate)
            } else {
                canceller = nil
            }
            saturation = configuration.saturationCompensation
                ? canceller.map { SpeakerSaturation(canceller: $0, frameSize: frameSize) } : nil
            let preprocessor = try Preprocessor(frameSize: frameSize, sampleRate: rate)
            try preprocessor.attach(canceller)
            // Residual echo suppression goes through the denoiser's gain, so with echo cancellation the
            // denoiser stays on and "no noise suppression" means 0 dB of noise attenuation.
            preprocessor.denoise = configuration.noiseSuppression || configuration.echoCancellation
            preprocessor.noiseSuppression = configuration.noiseSuppression ? configuration.noiseSuppressionDecibels : 0
            preprocessor.echoSuppression = configuration.echoSuppressionDecibels
            preprocessor.echoSuppressionActive = configuration.echoSuppressionActiveDecibels
            preprocessor.automaticGainControl = configuration.automaticGainControl
            if configuration.automaticGainControl {
                preprocessor.automaticGainControlLevel = Float(configuration.automaticGainControlLevel)
            }
            // The VAD decision is made here from the speech probability (same rule as speexdsp's) and
            // speexdsp's own VAD stays off (its default): turning it on prints "The VAD has been replaced
            // by a hack" on standard error.
            self.preprocessor = preprocessor
        } catch {
            throw AudioFrontEndError(.signalProcessing, error.message)
        }

        offsetSamples = configuration.delayOffsetMilliseconds * perMillisecond
        maximumDelaySamples = configuration.maximumDelayMilliseconds * perMillisecond
        switch configuration.referenceDelay {
        case .fixed(let milliseconds):
            componentSamples = milliseconds * perMillisecond
            estimator = nil
        case .automatic:
            componentSamples = 0
            estimator = configuration.echoCancellation
                ? DelayEstimator(
                    maximumLag: maximumDelaySamples - offsetSamples, sampleRate: rate,
                    activityLevel: configuration.farEndThresholdDecibels)
                : nil
        }
        // Put the direct path 4 ms into the filter, but move it only when it leaves the filter's first half:
        // a move restarts the canceller, and a converged filter with the direct path 40 ms in beats a fresh
        // one with it at 4 ms for many seconds (measured on the echo corpus: up to 9 dB over 30 s).
        targetPosition = 4 * perMillisecond
        tolerance = (1 * perMillisecond)...max(8 * perMillisecond, configuration.filterLengthMilliseconds * perMillisecond / 2)

        var capacity = 1
        while capacity < maximumDelaySamples + 2 * frameSize { capacity *= 2 }
        delayLine = .allocate(capacity: capacity)
        delayLine.initialize(repeating: 0, count: capacity)
        delayMask = capacity - 1
        alignedReference = .allocate(capacity: frameSize)
        alignedReference.initialize(repeating: 0, count: frameSize)
        offsetReference = .allocate(capacity: frameSize)
        offsetReference.initialize(repeating: 0, count: frameSize)
        let threshold = pow(10.0, configuration.farEndThresholdDecibels / 10.0) * 32_768.0 * 32_768.0
        farEndThresholdEnergy = threshold * Double(frameSize)
        detector = SpeechDetector(configuration: configuration, cancelling: configuration.echoCancellation)
        gateGain = configuration.echoCancellation ? configuration.echoGateDecibels.map { Float(pow(10, $0 / 20)) } : nil
        gateHoldFrames = 300 / configuration.frameDuration.rawValue
    }

    deinit {
        delayLine.deallocate()
        alignedReference.deallocate()
        offsetReference.deallocate()
    }

    /// Samples by which the output lags the microphone input: one frame.
    public var latency: Int { preprocessor.latency }

    /// The delay applied to the reference right now, in samples (offset plus fixed or estimated part).
    public var delaySamples: Int { offsetSamples + componentSamples }

    /// The delay applied to the reference right now, in milliseconds.
    public var delayMilliseconds: Double {
        Double(delaySamples) * 1000 / Double(FrontEndConfiguration.sampleRate)
    }

    /// The speaker saturation learned so far (``FrontEndConfiguration/saturationCompensation``): the
    /// clipping level (full scale 1; 1 with softness 0 means none found) and the softness (0 hard, 1 tanh),
    /// or `nil` when compensation is off.
    public var speakerSaturation: (level: Double, softness: Double)? {
        saturation.map { (Double($0.curve.level), Double($0.curve.softness)) }
    }

    /// With automatic delay: the latest confident estimate of where the echo's direct path arrives,
    /// in ms after the reference (offset included), or `nil` before the first one.
    public var estimatedEchoDelayMilliseconds: Double? {
        guard let estimate = estimator?.estimate else { return nil }
        return Double(offsetSamples + estimate.lag) * 1000 / Double(FrontEndConfiguration.sampleRate)
    }

    /// Processes one frame.
    ///
    /// - Parameters:
    ///   - microphone: ``frameSize`` samples from the microphone.
    ///   - reference: ``frameSize`` samples of the far-end signal for the same time window, before any
    ///     device or acoustic delay (zeros when nothing plays).
    ///   - output: receives ``frameSize`` processed samples (the input of ``latency`` samples ago); must not
    ///     overlap the inputs.
    /// - Returns: the analysis of the frame written to `output`.
    /// Never allocates.
    public func process(
        microphone: UnsafeBufferPointer<Int16>, reference: UnsafeBufferPointer<Int16>,
        output: UnsafeMutableBufferPointer<Int16>
    ) -> FrameAnalysis {
        precondition(
            microphone.count == frameSize && reference.count == frameSize && output.count == frameSize,
            "AudioFrontEnd.process needs \(frameSize) samples in each buffer")
        guard let outputBase = output.baseAddress, let referenceBase = reference.baseAddress else {
            preconditionFailure("AudioFrontEnd.process: empty buffer")
        }
        for index in 0..<frameSize {
            delayLine[(delayWritten + index) & delayMask] = referenceBase[index]
        }
        delayWritten += frameSize

        if let estimator {
            read(delay: offsetSamples, into: offsetReference)
            estimator.process(
                reference: UnsafeBufferPointer(start: offsetReference, count: frameSize), microphone: microphone)
            if estimator.generation != seenGeneration {
                seenGeneration = estimator.generation
                realignIfNeeded()
            }
        }
        read(delay: offsetSamples + componentSamples, into: alignedReference)
        let alignedBuffer = UnsafeBufferPointer(start: alignedReference, count: frameSize)

        var referenceEnergy: Double = 0
        for index in 0..<frameSize {
            let value = Double(alignedReference[index])
            referenceEnergy += value * value
        }
        let farEndActive = referenceEnergy >= farEndThresholdEnergy

        if let canceller {
            saturation?.distort(alignedReference, count: frameSize)
            canceller.cancel(microphone: microphone, reference: alignedBuffer, output: output)
            saturation?.learn(error: UnsafeBufferPointer(output), farEndActive: farEndActive)
        } else {
            outputBase.update(from: microphone.baseAddress!, count: frameSize)
        }
        preprocessor.process(output)
        var outputEnergy: Double = 0
        for index in 0..<frameSize {
            let value = Double(outputBase[index])
            outputEnergy += value * value
        }
        var microphoneEnergy: Double = 0
        for sample in microphone {
            let value = Double(sample)
            microphoneEnergy += value * value
        }

        let percent = preprocessor.speechProbability
        // The output holds the previous call's microphone frame, so judge it against that one.
        let isSpeech = detector.decide(
            probability: percent, outputEnergy: outputEnergy, microphoneEnergy: previousMicrophoneEnergy,
            farEndActive: previousFarEndActive)
        // Convergence is judged before the gate: the gate would make an unconverged canceller look good.
        if canceller != nil {
            convergence.observe(
                microphoneEnergy: previousMicrophoneEnergy, outputEnergy: outputEnergy,
                farEndActive: previousFarEndActive, nearEndSpeech: isSpeech)
        }
        previousMicrophoneEnergy = microphoneEnergy
        var writtenEnergy = outputEnergy
        if let gateGain,
            applyGate(isSpeech: isSpeech || detector.mayBeSpeech, farEndActive: previousFarEndActive, gain: gateGain, output: outputBase)
        {
            writtenEnergy = 0
            for index in 0..<frameSize {
                let value = Double(outputBase[index])
                writtenEnergy += value * value
            }
        }
        // The output is one frame late; report the far-end state of the frame it contains.
        let analysis = FrameAnalysis(
            isSpeech: isSpeech, speechProbability: Double(percent) / 100,
            level: EchoMetrics.decibelsFullScale(energy: writtenEnergy, count: frameSize),
            farEndActive: previousFarEndActive, echoConverged: canceller != nil && convergence.isConverged)
        previousFarEndActive = farEndActive
        return analysis
    }

    /// Sets the part of the delay the caller knows (the engine's measured device delays leave the acoustic
    /// path and a slack to the front end), in samples; clamped to what the delay line holds. A change after
    /// processing started restarts the canceller, whose learned echo path it shifts. Never allocates.
    public func setDelayOffset(samples: Int) {
        let clamped = min(max(0, samples), maximumDelaySamples - componentSamples)
        guard clamped != offsetSamples else { return }
        offsetSamples = clamped
        if delayWritten > 0 {
            canceller?.reset()
            saturation?.restartScoring()
            convergence.reset()
        }
    }

    /// Attenuates echo-only output frames: while the far end plays (and for a reverberation time after),
    /// a frame without near-end speech is scaled by `gain`, ramping across the frame so nothing clicks;
    /// a frame with speech opens within the first 2 ms. Returns whether it changed the frame.
    private func applyGate(isSpeech: Bool, farEndActive: Bool, gain: Float, output: UnsafeMutablePointer<Int16>) -> Bool {
        if farEndActive { gateHold = gateHoldFrames } else if gateHold > 0 { gateHold -= 1 }
        let target: Float = isSpeech || gateHold == 0 ? 1 : gain
        let start = currentGateGain
        guard start != 1 || target != 1 else { return false }
        let ramp = target > start ? min(frameSize, 32) : frameSize
        for index in 0..<frameSize {
            let fraction = index < ramp ? Float(index + 1) / Float(ramp) : 1
            let g = start + (target - start) * fraction
            output[index] = Int16(max(-32_768, min(32_767, (Float(output[index]) * g).rounded())))
        }
        currentGateGain = target
        return true
    }

    private func read(delay: Int, into destination: UnsafeMutablePointer<Int16>) {
        let start = delayWritten - frameSize - delay
        for index in 0..<frameSize {
            destination[index] = delayLine[(start + index) & delayMask]
        }
    }

    private func realignIfNeeded() {
        guard let estimate = estimator?.estimate else { return }
        let position = estimate.lag - componentSamples
        guard !tolerance.contains(position) else { return }
        let component = min(max(0, estimate.lag - targetPosition), maximumDelaySamples - offsetSamples)
        guard component != componentSamples else { return }
        componentSamples = component
        realignments += 1
        // The learned echo path is shifted by the jump, which the adaptive filter takes longer to unlearn
        // than to learn afresh (measured on the echo corpus's 120 ms unannounced delay: keeping the filter
        // through the jump gave 18 dB ERLE over the next 30 s, restarting it 38 dB).
        convergence.reset()
        canceller?.reset()
        saturation?.restartScoring()
    }
}

@available(*, unavailable, message: "AudioFrontEnd is used from one thread (the capture thread)")
extension AudioFrontEnd: Sendable {}
