// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

/// A `simulate --script` timeline: one event a line, `SECONDS WHAT`, times from the moment the daemon is
/// ready. Blank lines and `#` comments are ignored.
///
/// ```
/// 0.5   press            # the button goes down ...
/// 3.0   release          # ... and up
/// 8     click            # press and release (150 ms)
/// 9     long-press       # held past the long-press time
/// 10    double-press     # two quick clicks
/// 12.5  line GPIO24 1    # drive a simulated input (a door contact) high
/// 20    quit
/// ```
struct SimulationScript: Equatable {
    enum Action: Equatable {
        case press, release, click, longPress, doublePress, quit
        case line(name: String, high: Bool)
    }

    struct Step: Equatable {
        var seconds: Double
        var action: Action
        /// Where it came from, for errors.
        var lineNumber: Int
    }

    var steps: [Step]

    /// The longest script accepted (a timeline, not a recording).
    static let maximumSteps = 10_000

    init(steps: [Step]) {
        self.steps = steps
    }

    /// Parses a script; the error names the line and what was expected.
    init(parsing text: String) throws {
        var steps: [Step] = []
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let number = index + 1
            let content = raw.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
            let words = content.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" })
            guard !words.isEmpty else { continue }
            func bad(_ why: String) -> any Error {
                failure("script line \(number): \(why) (a line is `SECONDS press|release|click|long-press|double-press|quit` or `SECONDS line NAME 0|1`)")
            }
            guard let seconds = Double(words[0]), seconds.isFinite, seconds >= 0, seconds < 86_400 else {
                throw bad("'\(words[0])' is not a time in seconds from 0 to 86400")
            }
            guard words.count >= 2 else { throw bad("a time without an event") }
            let action: Action
            switch words[1] {
            case "press": action = .press
            case "release": action = .release
            case "click": action = .click
            case "long-press": action = .longPress
            case "double-press": action = .doublePress
            case "quit": action = .quit
            case "line":
                guard words.count == 4, words[3] == "0" || words[3] == "1" else {
                    throw bad("`line` takes a line name and 0 or 1")
                }
                action = .line(name: String(words[2]), high: words[3] == "1")
            default:
                throw bad("unknown event '\(words[1])'")
            }
            if case .line = action {} else if words.count > 2 { throw bad("unexpected '\(words[2])'") }
            if let last = steps.last, seconds < last.seconds {
                throw bad("times must not go back (\(seconds) s after \(last.seconds) s)")
            }
            steps.append(Step(seconds: seconds, action: action, lineNumber: number))
            guard steps.count <= Self.maximumSteps else { throw bad("more than \(Self.maximumSteps) events") }
        }
        self.steps = steps
    }
}
