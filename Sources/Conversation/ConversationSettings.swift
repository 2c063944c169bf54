// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

/// How the button starts and ends a conversation.
public enum ButtonMode: String, Sendable, Equatable, CaseIterable {
    /// Hold to speak: `activityStart` on press, `activityEnd` on release; the server's own activity
    /// detection is off.
    case pushToTalk = "push-to-talk"
    /// A press starts a hands-free conversation (the server detects the turns); a press while listening,
    /// or a quiet spell, ends it.
    case toggle
}

/// The timings and switches of a ``ConversationController``: the daemon fills them from the `[button]`,
/// `[audio]` and `[session]` sections of its configuration.
public struct ConversationSettings: Sendable, Equatable {
    /// Push-to-talk or toggle.
    public var mode: ButtonMode = .pushToTalk
    /// Audio from before the press that goes out with the turn (the start of a word said while pressing).
    public var preroll: Duration = .milliseconds(250)
    /// After the release, how long to wait for the frames captured before it (they are still in the
    /// front end) before `activityEnd` goes out anyway.
    public var releaseTail: Duration = .milliseconds(300)
    /// A push-to-talk turn longer than this ends by itself (a stuck button must not stream forever).
    public var maximumTurn: Duration = .seconds(60)
    /// Push-to-talk: the session closes after this long without a turn (it can be resumed).
    public var idleTimeout: Duration = .seconds(60)
    /// Toggle: the hands-free conversation ends after this long with neither side speaking.
    public var silenceTimeout: Duration = .seconds(10)
    /// After a session closed, a press within this window resumes it with its handle (the model remembers).
    public var resumeWindow: Duration = .seconds(600)
    /// Toggle: the local VAD keeps the uplink open this long after speech stops.
    public var vadHangover: Duration = .milliseconds(400)
    /// Toggle: when speech starts, the audio from this long before goes out too (the VAD decides late).
    public var speechLead: Duration = .milliseconds(200)
    /// Toggle: local speech this long while the model speaks (and the echo canceller has converged) barges in.
    public var bargeInSpeech: Duration = .milliseconds(240)
    /// Whether local speech may barge in at all (toggle mode; a press always does).
    public var voiceBargeIn = true
    /// Toggle: whether the local VAD gates the uplink (silence past the hangover is not sent). Off, every
    /// frame is streamed while the conversation is on, silence and the speaker's echo included, as simple
    /// clients do (the benchmark's baseline); the server's detection alone decides the turns then.
    public var vadGatesUplink = true
    /// After the user's turn, how long to wait for the first sign of a reply before giving up on it.
    public var responseTimeout: Duration = .seconds(30)
    /// Audio held while a session connects is dropped once it is older than this (nobody waits that long).
    public var heldAudioMaximumAge: Duration = .seconds(20)
    /// Reconnect backoff: the first wait, doubled after each failure up to ``reconnectMaximum``.
    public var reconnectInitial: Duration = .seconds(1)
    /// The longest wait between reconnect attempts.
    public var reconnectMaximum: Duration = .seconds(60)
    /// Each wait is spread by up to this fraction either way (so many speakers do not retry in step).
    public var reconnectJitter: Double = 0.25
    /// After `goAway`, reconnect at the latest this long before the server's deadline.
    public var goAwayMargin: Duration = .seconds(2)
    /// Seed of the jitter's random numbers (tests pin it; the daemon takes one from the clock).
    public var randomSeed: UInt64 = 0x5EED

    /// The defaults.
    public init() {}
}
