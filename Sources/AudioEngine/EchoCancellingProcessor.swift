// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

public import AudioFrontEnd

/// The real microphone front end as the engine's ``MicProcessor``: `AudioFrontEnd`'s speexdsp echo
/// canceller, noise suppressor and VAD, with its automatic delay estimation on top of the base delay the
/// engine gives, and a convergence verdict (``MicFrameAnalysis/echoCancellerConverged``) so the daemon
/// knows when local speech can be trusted while the speaker plays. Used from the capture thread only;
/// never allocates per frame.
public final class EchoCancellingProcessor: MicProcessor {
    /// The wrapped front end (for its delay estimate and realignment count).
    public let frontEnd: AudioFrontEnd
    private var convergence: EchoConvergence
    private var previousMicrophoneEnergy: Double = 0
    private var seenRealignments = 0

    /// Creates the front end; throws when a setting is out of range.
    public init(configuration: FrontEndConfiguration) throws(AudioFrontEndError) {
        frontEnd = try AudioFrontEnd(configuration: configuration)
        convergence = EchoConvergence(frameLength: configuration.frameSize)
    }

    /// 160 or 320 samples, from the configuration's frame duration.
    public var frameLength: Int { frontEnd.frameSize }

    /// Cancels the echo of `reference` in `mic`, suppresses noise and decides speech.
    public func process(
        mic: UnsafeBufferPointer<Int16>,
        reference: UnsafeBufferPointer<Int16>,
        output: UnsafeMutableBufferPointer<Int16>
    ) -> MicFrameAnalysis {
        let analysis = frontEnd.process(microphone: mic, reference: reference, output: output)
        if frontEnd.realignments != seenRealignments {
            seenRealignments = frontEnd.realignments
            convergence.reset()
        }
        // The output holds the previous call's microphone frame (the front end's one-frame latency).
        var outputEnergy: Double = 0
        for sample in output { outputEnergy += Double(sample) * Double(sample) }
        var microphoneEnergy: Double = 0
        for sample in mic { microphoneEnergy += Double(sample) * Double(sample) }
        convergence.observe(
            microphoneEnergy: previousMicrophoneEnergy, outputEnergy: outputEnergy,
            farEndActive: analysis.farEndActive, nearEndSpeech: analysis.isSpeech)
        previousMicrophoneEnergy = microphoneEnergy
        return MicFrameAnalysis(
            isSpeech: analysis.isSpeech, speechProbability: Float(analysis.speechProbability),
            levelDBFS: Float(analysis.level),
            echoCancellerConverged: frontEnd.configuration.echoCancellation && convergence.isConverged)
    }

    /// Passes the engine's base delay on as the front end's delay offset.
    public func setBaseDelay(samples: Int) {
        frontEnd.setDelayOffset(samples: samples)
        convergence.reset()
    }
}

@available(*, unavailable, message: "the front end is used from the capture thread only")
extension EchoCancellingProcessor: Sendable {}
