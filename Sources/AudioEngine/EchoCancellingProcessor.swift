// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

public import AudioFrontEnd

/// The real microphone front end as the engine's ``MicProcessor``: `AudioFrontEnd`'s speexdsp echo
/// canceller, noise suppressor and VAD, with its automatic delay estimation on top of the base delay the
/// engine gives, and its convergence verdict (``MicFrameAnalysis/echoCancellerConverged``) so the daemon
/// knows when local speech can be trusted while the speaker plays. Used from the capture thread only;
/// never allocates per frame.
public final class EchoCancellingProcessor: MicProcessor {
    /// The wrapped front end (for its delay estimate and realignment count).
    public let frontEnd: AudioFrontEnd

    /// Creates the front end; throws when a setting is out of range.
    public init(configuration: FrontEndConfiguration) throws(AudioFrontEndError) {
        frontEnd = try AudioFrontEnd(configuration: configuration)
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
        return MicFrameAnalysis(
            isSpeech: analysis.isSpeech, speechProbability: Float(analysis.speechProbability),
            levelDBFS: Float(analysis.level), echoCancellerConverged: analysis.echoConverged)
    }

    /// Passes the engine's base delay on as the front end's delay offset.
    public func setBaseDelay(samples: Int) {
        frontEnd.setDelayOffset(samples: samples)
    }
}

@available(*, unavailable, message: "the front end is used from the capture thread only")
extension EchoCancellingProcessor: Sendable {}
