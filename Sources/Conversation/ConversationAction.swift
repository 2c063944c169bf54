// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

public import JSON
public import Time

/// What the ``ConversationController`` asks the runtime to do, in order. Actions that mention "this
/// frame" or "this message" refer to the event being handled.
public enum ConversationAction: Sendable, Equatable {
    // MARK: Session
    /// Open session number `session` (resuming with `resumptionHandle` when given); answer with
    /// ``ConversationEvent/sessionOpened(session:)`` or ``ConversationEvent/sessionEnded(session:_:)``.
    /// Any older session has been closed by a ``closeSession`` before.
    case connect(session: Int, resumptionHandle: String?)
    /// Close the current session (code 1000) and report nothing more of it.
    case closeSession

    // MARK: Microphone
    /// Keep the frames captured at or after `since`, including the recent ones already seen, to send later.
    case holdMic(since: Timestamp)
    /// Keep this frame with the held ones.
    case holdFrame
    /// Send the held frames, oldest first, and forget them.
    case sendHeldMic
    /// Forget the held frames.
    case discardHeldMic
    /// Send the recent frames captured at or after `since` that were neither sent nor held.
    case sendRecentMic(since: Timestamp)
    /// Send this frame.
    case sendFrame
    /// `realtimeInput.activityStart` (push-to-talk).
    case sendActivityStart
    /// `realtimeInput.activityEnd` (push-to-talk).
    case sendActivityEnd
    /// `realtimeInput.audioStreamEnd` (toggle: the user stopped talking, the uplink pauses).
    case sendAudioStreamEnd

    // MARK: Speaker
    /// Play this message's audio (through the jitter buffer).
    case playAudio
    /// No more audio comes for this reply: play what the jitter buffer holds.
    case finishReplyAudio
    /// Stop the speaker now and drop everything queued (barge-in).
    case flushPlayback

    // MARK: Tools
    /// Run a call; report ``ConversationEvent/toolFinished(id:result:)``.
    case runTool(ToolCallRequest)
    /// Cancel a running call (it still reports what it did).
    case cancelTool(id: String)
    /// Answer a call (`toolResponse` with its id).
    case sendToolResponse(id: String, name: String, result: JSONValue)

    // MARK: Timers
    /// Arm `timer` for `deadline` (replacing it if armed).
    case startTimer(ConversationTimer, at: Timestamp)
    /// Disarm `timer` (nothing if it is not armed).
    case cancelTimer(ConversationTimer)

    // MARK: The outside world
    /// Show this on the status LED.
    case showLight(StatusLight)
    /// The state changed (for logs, `STATUS=` and `simulate --json`).
    case stateChanged(ConversationState)
    /// Something worth a log line (already free of secrets).
    case log(LogLevel, String)
    /// The controller is done (after ``ConversationEvent/shutdown`` or a fatal device failure): tear down
    /// and exit with `status`.
    case stop(exitStatus: Int32)
}

/// How loud a ``ConversationAction/log(_:_:)`` line is.
public enum LogLevel: String, Sendable, Equatable {
    case debug, info, notice, warning, error
}

/// What the status LED says. The runtime maps each to a pattern (see the README's table).
public enum StatusLight: String, Sendable, Equatable, CaseIterable {
    /// Nothing going on.
    case off
    /// Opening a session after a press.
    case connecting
    /// A session is open and waits for the user (push-to-talk) or for speech (toggle).
    case listening
    /// Microphone audio is really being sent right now.
    case micLive = "mic-live"
    /// The model is talking (or thinking about its reply).
    case responding
    /// The connection dropped or was replaced; a new one is being opened.
    case reconnecting
    /// No network: attempts keep failing, with backoff.
    case offline
    /// The API key was refused or the quota is exhausted: nothing is retried until the user acts.
    case accountProblem = "account-problem"
    /// An audio device is missing or a setting cannot be used.
    case fault
}

/// The controller's state, by name (the README's state table).
public enum ConversationState: String, Sendable, Equatable, CaseIterable {
    /// No session; a press starts one (resuming the last within the resume window).
    case idle
    /// A session is being opened (first, resumed, or reconnecting after a drop).
    case connecting
    /// The session is open and the model is quiet: the user's turn (or waiting for one).
    case listening
    /// The model is replying.
    case responding
    /// The network is down; reconnecting with backoff.
    case offline
    /// A problem only the user can fix (API key, quota, configuration); a press tries once more.
    case error
    /// Shut down.
    case stopped
}
