// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

/// Where GPIO lines come from: the kernel through libgpiod (``LibgpiodBackend``) or a ``SimulatedBoard``.
/// Everything above this protocol (buttons, LEDs, tool actions, the daemon) works the same with either.
///
/// Requested lines are released when the returned handle is deinitialised.
public protocol GPIOBackend: Sendable {
    /// A short description for logs and `livevoiced gpio info` ("libgpiod 2.1.3", "simulated board").
    var description: String { get }

    /// Every chip and its lines. An empty array means the machine has no GPIO chip.
    func chips() throws(GPIOError) -> [ChipInfo]

    /// What the kernel says about one line (its direction, and who uses it).
    func lineInfo(_ address: LineAddress) throws(GPIOError) -> LineInfo

    /// Requests `address` as an input for the consumer `livevoiced`.
    func requestInput(_ address: LineAddress, settings: InputSettings) throws(GPIOError) -> any GPIOInputLine

    /// Requests `address` as an output for the consumer `livevoiced`, driving `settings.initialValue` at once.
    func requestOutput(_ address: LineAddress, settings: OutputSettings) throws(GPIOError) -> any GPIOOutputLine
}

/// A requested input line. Released by ``release()`` or when the last reference goes away.
public protocol GPIOInputLine: AnyObject, Sendable {
    /// The line this handle holds.
    var id: LineID { get }

    /// The current logical value (active-low applied).
    func value() throws(GPIOError) -> Bool

    /// Waits up to `timeout` for edge events and returns every pending one, oldest first; an empty array
    /// after the timeout or after ``wake()``. `nil` waits without limit; `.zero` only collects what is pending.
    func readEdgeEvents(timeout: Duration?) throws(GPIOError) -> [EdgeEvent]

    /// Makes a blocked ``readEdgeEvents(timeout:)`` return now (for shutdown). Safe from any thread.
    func wake()

    /// Gives the line back now (idempotent), so it can be requested again at once (a reload) without
    /// waiting for every reference to go; later calls throw ``GPIOError/Code/released``. Stop whoever
    /// waits in ``readEdgeEvents(timeout:)`` first.
    func release()
}

/// A requested output line. Released by ``release()`` or when the last reference goes away (the line keeps
/// its last value).
public protocol GPIOOutputLine: AnyObject, Sendable {
    /// The line this handle holds.
    var id: LineID { get }

    /// Drives the line: `true` is active (high, or low when active-low).
    func set(_ active: Bool) throws(GPIOError)

    /// Reads the line back (the logical value the kernel reports).
    func value() throws(GPIOError) -> Bool

    /// Gives the line back now (idempotent; it keeps its last value); later calls throw
    /// ``GPIOError/Code/released``.
    func release()
}

/// The consumer name every request uses; `gpioinfo` shows it next to our lines.
public let gpioConsumerName = "livevoiced"
