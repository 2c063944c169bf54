// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

import BoardSupport
import Conversation

extension StatusLight {
    /// The LED pattern of each status (the README's table). None is software PWM: a steady state costs
    /// a few edges a second, not 200 timer wake-ups (the dim and breathing patterns would cost the daemon
    /// about 0.15 CPU s per minute).
    var pattern: LEDPattern {
        switch self {
        case .off: .off
        case .connecting: .slowBlink
        case .listening: .beacon
        case .micLive: .on
        case .responding: .blink
        case .reconnecting: .doubleBlink
        case .offline: .sparse
        case .accountProblem: .fastBlink
        case .fault: .tripleBlink
        }
    }
}
