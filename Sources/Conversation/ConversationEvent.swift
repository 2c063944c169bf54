// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

public import JSON
public import Time

/// Everything the ``ConversationController`` reacts to. The runtime turns what its engines report (the
/// button thread, the audio engine, the Live session, timers, signals) into these, in the order they
/// happened, and passes the time with each one.
public enum ConversationEvent: Sendable, Equatable {
    /// A debounced button gesture.
    case button(ButtonGesture)
    /// One processed microphone frame (its samples stay with the runtime).
    case micFrame(MicFrameInfo)
    /// The session asked for by ``ConversationAction/connect(session:resumptionHandle:)`` answered
    /// `setupComplete`.
    case sessionOpened(session: Int)
    /// That session could not be opened, or its connection ended (never sent for a session the controller
    /// closed itself).
    case sessionEnded(session: Int, SessionFailure)
    /// Model output and turn state.
    case serverContent(ServerContentInfo)
    /// The model wants functions run.
    case toolCall([ToolCallRequest])
    /// The model abandoned these calls.
    case toolCallCancellation(ids: [String])
    /// A tool the controller asked for has finished (or was cancelled and reports what really happened).
    case toolFinished(id: String, result: JSONValue)
    /// The server will close the connection after `timeLeft` (nil: soon, unknown when).
    case goAway(timeLeft: Duration?)
    /// A new resumption handle (`resumable` false: not resumable at this point).
    case resumptionUpdate(handle: String?, resumable: Bool)
    /// Everything handed to the speaker has been played, device queue included.
    case playbackDrained
    /// An audio device went away, came back, or failed for good.
    case audioDevice(AudioDeviceChange)
    /// A timer set by ``ConversationAction/startTimer(_:at:)`` is due.
    case timer(ConversationTimer)
    /// SIGTERM: put everything in a safe state and stop.
    case shutdown
}

/// What the button did, as ``ConversationEvent/button(_:)`` reports it.
public enum ButtonGesture: Sendable, Equatable {
    /// Pressed; `at` is when the contact settled (the instant the mic audio starts from).
    case pressed(at: Timestamp)
    /// Released; `at` is when the contact settled.
    case released(at: Timestamp)
    /// Held for the long-press time (still down).
    case longPress
    /// A second press soon after the first (follows that press's `pressed`).
    case doublePress
}

/// The facts about one processed microphone frame that decisions need.
public struct MicFrameInfo: Sendable, Equatable {
    /// When its first sample reached the microphone.
    public var captureTime: Timestamp
    /// How long it is.
    public var duration: Duration
    /// The local VAD's verdict (after echo cancellation).
    public var isSpeech: Bool
    /// Whether the echo canceller has converged, so the speaker's echo is no longer taken for speech.
    public var echoCancellerConverged: Bool

    /// A frame's facts.
    public init(captureTime: Timestamp, duration: Duration, isSpeech: Bool, echoCancellerConverged: Bool) {
        self.captureTime = captureTime
        self.duration = duration
        self.isSpeech = isSpeech
        self.echoCancellerConverged = echoCancellerConverged
    }
}

/// Why a session could not be opened or ended, sorted the way the controller decides.
public struct SessionFailure: Sendable, Equatable, CustomStringConvertible {
    /// What to do about it.
    public enum Category: String, Sendable, Equatable {
        /// Network down, DNS, TLS, a drop, a timeout, 1011 internal, `goAway`'s close: reconnect with backoff.
        case retryable
        /// The API key is wrong, expired or lacks permission: no retries until the user acts.
        case authentication
        /// Quota, billing or credits exhausted: no retries until the user acts.
        case quota
        /// The server refused the request as invalid (1007): with a resumption handle that means a stale
        /// handle (start afresh); without one it is a configuration error.
        case invalidRequest
        /// A configuration this side cannot use (bad model, bad endpoint): no retries.
        case configuration
    }

    /// The category.
    public var category: Category
    /// The WebSocket close code, when the server sent one.
    public var closeCode: Int?
    /// What happened, for the log (already free of secrets and control characters).
    public var message: String

    /// A failure.
    public init(_ category: Category, closeCode: Int? = nil, message: String) {
        self.category = category
        self.closeCode = closeCode
        self.message = message
    }

    public var description: String { message }
}

/// The parts of a `serverContent` message that decisions need.
public struct ServerContentInfo: Sendable, Equatable {
    /// It carries reply audio.
    public var hasAudio: Bool
    /// The server stopped its reply because the user spoke.
    public var interrupted: Bool
    /// The model finished generating this reply.
    public var generationComplete: Bool
    /// The model's turn is over (by the SDK's rule: `interactionStatus` IDLE, or `turnComplete` without one).
    public var interactionComplete: Bool

    /// A summary.
    public init(hasAudio: Bool = false, interrupted: Bool = false, generationComplete: Bool = false,
                interactionComplete: Bool = false) {
        self.hasAudio = hasAudio
        self.interrupted = interrupted
        self.generationComplete = generationComplete
        self.interactionComplete = interactionComplete
    }
}

/// One function call from the model.
public struct ToolCallRequest: Sendable, Equatable {
    /// The call id, echoed in the response.
    public var id: String
    /// The function's name.
    public var name: String
    /// Its arguments, as the model sent them.
    public var arguments: JSONValue

    /// A call.
    public init(id: String, name: String, arguments: JSONValue) {
        self.id = id
        self.name = name
        self.arguments = arguments
    }
}

/// A change of an audio device.
public enum AudioDeviceChange: Sendable, Equatable {
    /// The microphone or speaker is gone (the engine keeps trying to reopen it).
    case lost(AudioDirection)
    /// It is back.
    case restored(AudioDirection)
    /// The engine gave up (a device that cannot be configured again): the daemon must stop.
    case failed(String)
}

/// Microphone or speaker.
public enum AudioDirection: String, Sendable, Equatable {
    case capture, playback
}

/// The controller's timers; one of each at most is armed.
public enum ConversationTimer: String, Sendable, Equatable, CaseIterable {
    /// Next connection attempt.
    case reconnect
    /// Push-to-talk: close the idle session.
    case idle
    /// Toggle: end the quiet conversation.
    case silence
    /// Forget the resumption handle of a closed session.
    case resumeWindow
    /// `activityEnd` goes out even if the frames up to the release do not arrive.
    case releaseTail
    /// A push-to-talk turn has lasted too long.
    case maximumTurn
    /// Reconnect before the server's `goAway` deadline.
    case goAway
    /// No reply came for the user's turn.
    case response
}
