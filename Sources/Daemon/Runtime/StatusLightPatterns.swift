// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

import BoardSupport
import Conversation

extension StatusLight {
    /// The LED pattern of each status (the README's table).
    var pattern: LEDPattern {
        switch self {
        case .off: .off
        case .connecting: .slowBlink
        case .listening: .dim
        case .micLive: .on
        case .responding: .pulse
        case .reconnecting: .doubleBlink
        case .offline: .heartbeat
        case .accountProblem: .fastBlink
        case .fault: .tripleBlink
        }
    }
}
