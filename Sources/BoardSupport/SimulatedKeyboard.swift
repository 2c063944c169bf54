// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

public import GPIO
import Threads

/// Drives a simulated button from standard input, for `livevoiced gpio watch --simulated`: each line read
/// presses or releases it. Enter alone toggles; `p` presses; `r` releases; `q` or end of input stops.
public enum SimulatedKeyboard {
    /// Starts a thread that reads standard input and drives `line` on `board`. A pressed button is a low
    /// level when `activeLow` (a button to ground), a high one otherwise. `report` gets a line per change.
    public static func start(
        board: SimulatedBoard, line: String, activeLow: Bool, report: @escaping @Sendable (String) -> Void
    ) {
        PlatformThread.detach(name: "lv-keyboard") {
            var pressed = false
            while let input = readLine() {
                switch input.lowercased() {
                case "": pressed.toggle()
                case "p", "press": pressed = true
                case "r", "release": pressed = false
                case "q", "quit": return
                default:
                    report("keyboard: type Enter to toggle, p to press, r to release, q to stop")
                    continue
                }
                do {
                    try board.setLevel(line, high: pressed != activeLow)
                    report("keyboard: \(line) \(pressed ? "pressed" : "released")")
                } catch {
                    report("keyboard: \(error)")
                    return
                }
            }
        }
    }
}
