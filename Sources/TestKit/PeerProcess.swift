// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

import Foundation
import Synchronization

/// A helper program run by a test (a WebSocket peer, the CLI under test), with its output collected line
/// by line so the test can wait for a line instead of sleeping.
public final class PeerProcess: Sendable {
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
        public init(description: String) { self.description = description }
    }

    private let process: Process
    private let lines = Mutex<[String]>([])
    private let errorText = Mutex<String>("")

    /// Starts `executable` with `arguments`. Standard output is split into lines; standard error is kept.
    public init(_ executable: String, _ arguments: [String], environment: [String: String]? = nil) throws {
        let process = Process()
        if executable.hasPrefix("/usr/bin/env ") {
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = [String(executable.dropFirst("/usr/bin/env ".count))] + arguments
        } else {
            process.executableURL = URL(fileURLWithPath: executable)
            process.arguments = arguments
        }
        if let environment {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        }
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        self.process = process
        let pending = Mutex<String>("")
        out.fileHandleForReading.readabilityHandler = { [weak self] handle in
            let data = handle.availableData
            guard let self, !data.isEmpty else { return }
            let complete: [String] = pending.withLock { buffer in
                buffer += String(decoding: data, as: UTF8.self)
                var parts = buffer.components(separatedBy: "\n")
                buffer = parts.removeLast()
                return parts
            }
            guard !complete.isEmpty else { return }
            self.lines.withLock { $0 += complete }
        }
        err.fileHandleForReading.readabilityHandler = { [weak self] handle in
            let data = handle.availableData
            guard let self, !data.isEmpty else { return }
            self.errorText.withLock { $0 += String(decoding: data, as: UTF8.self) }
        }
        try process.run()
    }

    deinit {
        // SIGKILL, not terminate(): a child spawned from a Dispatch thread inherits its blocked SIGTERM, and a
        // program that does not unblock it (Python) would outlive the test.
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }

    /// Every complete line printed so far.
    public var output: [String] { lines.withLock { $0 } }
    /// Everything printed on standard error so far.
    public var standardError: String { errorText.withLock { $0 } }

    /// Waits until a line satisfying `predicate` has been printed; returns it. Fails after `timeout` or
    /// when the process exits first.
    @discardableResult
    public func waitForLine(timeout: Duration = .seconds(30), where predicate: @escaping @Sendable (String) -> Bool) async throws -> String {
        let deadline = ContinuousClock.now + timeout
        while true {
            if let line = lines.withLock({ $0.first(where: predicate) }) { return line }
            if !process.isRunning {
                throw Failure(description: "process exited (status \(process.terminationStatus)) before the expected line; stderr: \(standardError.suffix(2000))")
            }
            if ContinuousClock.now >= deadline {
                throw Failure(description: "timed out waiting for a line; output so far: \(output.suffix(20)); stderr: \(standardError.suffix(2000))")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    /// Waits for the process to end and returns its exit status.
    public func waitForExit(timeout: Duration = .seconds(60)) async throws -> Int32 {
        let deadline = ContinuousClock.now + timeout
        while process.isRunning {
            if ContinuousClock.now >= deadline {
                process.terminate()
                throw Failure(description: "process did not exit within \(timeout); stderr: \(standardError.suffix(2000))")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        // Let the pipe handlers drain the last output.
        try await Task.sleep(for: .milliseconds(50))
        return process.terminationStatus
    }

    /// Sends SIGTERM.
    public func terminate() { if process.isRunning { process.terminate() } }
    /// Sends SIGINT.
    public func interrupt() { if process.isRunning { process.interrupt() } }
    public var processIdentifier: Int32 { process.processIdentifier }
}
