// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

public import Conversation
public import JSON

/// Something the running daemon tells the outside world: the journal (`run`), a JSON line a change
/// (`simulate --json`), the terminal (`simulate`).
public enum DaemonReport: Sendable, Equatable {
    /// The conversation changed state.
    case state(ConversationState)
    /// The LED shows a new status (and its pattern's name).
    case light(StatusLight, pattern: String)
    /// A session was asked for, opened, closed or failed.
    case session(number: Int, event: SessionEvent, detail: String?)
    /// The model called a tool.
    case toolCall(id: String, name: String, arguments: JSONValue)
    /// A tool finished; `sent` is false when the call had been cancelled (nothing is sent then).
    case toolResult(id: String, name: String, result: JSONValue, sent: Bool)
    /// A transcript fragment of either side.
    case transcript(Speaker, String)
    /// An output line of the (simulated) board changed.
    case outputLine(name: String, active: Bool)
    /// A log line of the controller or runtime (already free of secrets and control characters).
    case log(LogLevel, String)
    /// The run is over: the counters.
    case summary(RuntimeCounters)

    /// What happened to a session.
    public enum SessionEvent: String, Sendable, Equatable {
        case connecting, open, closed, failed
    }

    /// Whose words.
    public enum Speaker: String, Sendable, Equatable {
        case user, model
    }
}

/// Where ``DaemonReport``s go.
public protocol DaemonReporter: Sendable {
    func report(_ report: DaemonReport)
}

/// Reports to nowhere.
public struct SilentReporter: DaemonReporter {
    public init() {}
    public func report(_ report: DaemonReport) {}
}

/// The runtime's counters: for `STATUS=`, `livevoiced status` and the summary at exit.
public struct RuntimeCounters: Sendable, Equatable {
    /// Sessions opened (resumed ones included).
    public var sessionsOpened = 0
    /// Connection attempts that followed a drop, a `goAway` or a failed attempt.
    public var reconnects = 0
    /// Microphone frames sent.
    public var framesSent = 0
    /// Frames the runtime dropped because it fell behind, or because a hold lasted too long.
    public var framesDropped = 0
    /// Reply audio handed to the speaker, in seconds.
    public var secondsPlayed = 0.0
    /// Barge-ins (playback flushed).
    public var bargeIns = 0
    /// Tool calls run, and how many returned an error.
    public var toolCalls = 0
    public var toolErrors = 0
    /// Turns the user took.
    public var turns = 0
    /// The last error, for `livevoiced status`.
    public var lastError: String?

    public init() {}
}
