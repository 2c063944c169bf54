// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

public import Time

/// One processed microphone frame: 16 kHz mono, 10 or 20 ms (the front end's frame length).
public struct MicFrame: Sendable {
    /// The processed samples (echo cancelled and cleaned by the front end).
    public var samples: [Int16]
    /// The front end's verdict on the frame.
    public var analysis: MicFrameAnalysis
    /// Counts frames from 0 since the engine started; a gap means frames were dropped.
    public var sequence: UInt64
    /// When the frame's first sample reached the microphone, on the monotonic clock (as well as the
    /// devices' reported delays allow): the clock of button events, so a press and a frame compare.
    public var captureTime: Timestamp
    /// The unprocessed microphone and the aligned reference, when the engine runs with
    /// ``AudioEngineConfiguration/diagnostics``.
    public var diagnostics: Diagnostics?

    /// Whether the frame holds near-end speech.
    public var isSpeech: Bool { analysis.isSpeech }
    /// The processed frame's level in dBFS.
    public var levelDBFS: Float { analysis.levelDBFS }
    /// The frame's length.
    public var duration: Duration { .microseconds(Int64(samples.count) * 1_000_000 / Int64(AudioEngineConfiguration.frameRate)) }

    /// The front end's inputs for this frame.
    public struct Diagnostics: Sendable {
        /// The microphone as captured (resampled to 16 kHz when the device runs at another rate).
        public var mic: [Int16]
        /// The far-end reference the front end was given with it.
        public var reference: [Int16]
    }
}

/// The fixed-size part of a frame, passed through a ring next to the samples.
struct FrameRecord: BitwiseCopyable {
    var sequence: UInt64
    var captureTime: UInt64
    var analysis: MicFrameAnalysis
}
