// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

import AudioEngine
@testable import Daemon
import Foundation
import JSON
import TestKit
import Synchronization
import Testing
import Time

/// The status socket: the daemon's server and `livevoiced status`'s client over a real Unix socket.
@Suite("status socket")
struct StatusSocketTests {
    private func directory(_ label: String) throws -> URL {
        try PackagePaths.temporaryDirectory(label)
    }

    @Test("serves the document to every client, with mode 0660, and removes the socket when it stops")
    func servesAndStops() throws {
        let dir = try directory("status-serve")
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("status.sock").path
        let counter = Counter()
        let server = try StatusSocketServer(path: path, document: { "{\"n\":\(counter.next())}" })
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o660)
        #expect(attributes[.type] as? FileAttributeType == .typeSocket)
        #expect(try StatusSocketClient.fetch(path: path) == "{\"n\":1}")
        #expect(try StatusSocketClient.fetch(path: path) == "{\"n\":2}")
        server.stop()
        #expect(!FileManager.default.fileExists(atPath: path))
        #expect(throws: StatusSocketError.self) { try StatusSocketClient.fetch(path: path) }
        server.stop()  // a second stop does nothing
    }

    @Test("a client that connects and never reads does not keep the next one waiting")
    func idleClient() throws {
        let dir = try directory("status-idle")
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("status.sock").path
        let server = try StatusSocketServer(path: path, document: { "{\"ok\":true}" })
        defer { server.stop() }
        let idle = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(idle) }
        let connected = try #require(UnixSocketAddress(path: path)).withSocketAddress { connect(idle, $0, $1) }
        #expect(connected == 0)
        #expect(try StatusSocketClient.fetch(path: path) == "{\"ok\":true}")
    }

    @Test("a socket left by an earlier run is replaced; another kind of file is refused with the reason")
    func staleAndForeignFiles() throws {
        let dir = try directory("status-stale")
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("status.sock").path
        // A socket file nobody listens on: what a killed daemon leaves behind.
        let stale = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        _ = try #require(UnixSocketAddress(path: path)).withSocketAddress { bind(stale, $0, $1) }
        close(stale)
        do {
            _ = try StatusSocketClient.fetch(path: path)
            Issue.record("fetch from a stale socket succeeded")
        } catch {
            #expect(error.kind == .notRunning)
            #expect(error.message.contains("left from an earlier run"))
        }
        let server = try StatusSocketServer(path: path, document: { "{}" })
        #expect(try StatusSocketClient.fetch(path: path) == "{}")
        server.stop()

        let regular = dir.appendingPathComponent("regular").path
        try "not a socket".write(toFile: regular, atomically: true, encoding: .utf8)
        do {
            _ = try StatusSocketServer(path: regular, document: { "{}" })
            Issue.record("a regular file was replaced by the socket")
        } catch {
            #expect(error.kind == .badPath)
            #expect(error.message.contains("is not a socket"))
        }
        #expect(FileManager.default.fileExists(atPath: regular))
    }

    @Test("the client says the daemon is not running, or that the path cannot be a socket")
    func clientErrors() throws {
        do {
            _ = try StatusSocketClient.fetch(path: "/nonexistent/livevoiced/status.sock")
            Issue.record("fetch without a socket succeeded")
        } catch {
            #expect(error.kind == .notRunning)
            #expect(error.message.contains("not running"))
            #expect(error.message.contains("systemctl status livevoiced"))
        }
        let long = "/tmp/" + String(repeating: "x", count: 200)
        #expect(throws: StatusSocketError.self) { try StatusSocketClient.fetch(path: long) }
        #expect(throws: StatusSocketError.self) { try StatusSocketServer(path: long, document: { "{}" }) }
    }

    @Test("the path comes from systemd's RuntimeDirectory=, and there is none without it")
    func defaultPath() {
        #expect(StatusSocketService.defaultPath(environment: { $0 == "RUNTIME_DIRECTORY" ? "/run/livevoiced" : nil })
            == "/run/livevoiced/status.sock")
        #expect(StatusSocketService.defaultPath(environment: { $0 == "RUNTIME_DIRECTORY" ? "/run/a:/run/b" : nil })
            == "/run/a/status.sock")
        #expect(StatusSocketService.defaultPath(environment: { _ in nil }) == nil)
    }

    @Test("the document holds the state, uptime, counters, devices, rings, RSS and the last error")
    func document() throws {
        let clock = ManualClock()
        let status = RuntimeStatus(startedAt: clock.now())
        status.update {
            $0.sessionsOpened = 2
            $0.reconnects = 1
            $0.turns = 3
            $0.framesDropped = 4
            $0.lastError = "server closed the connection (code 1011)"
        }
        status.set(state: .listening)
        clock.advance(by: .seconds(75))
        let engine = AudioEngine(configuration: AudioEngineConfiguration(), makeProcessor: { PassThroughProcessor() })
        let text = StatusDocument.serialize(StatusDocument.make(status: status, engine: engine, clock: clock))
        let document = try #require(StatusDocument.parse(text))
        #expect(document["state"]?.stringValue == "listening")
        #expect(document["uptime_s"]?.doubleValue == 75)
        #expect(document["sessions"]?.intValue == 2)
        #expect(document["reconnects"]?.intValue == 1)
        #expect(document["turns"]?.intValue == 3)
        #expect(document["drops"]?.intValue == 4)
        #expect(document["xruns"]?.intValue == 0)
        #expect(document["last_error"]?.stringValue == "server closed the connection (code 1011)")
        #expect(document["rings"]?["playback_high_water_ms"]?.doubleValue == 0)
        #expect(document["rings"]?["reference_capacity_samples"]?.intValue == 16384)
        #expect(document["rings"]?["mic_frames_high_water"]?.intValue == 0)
        #expect(document["capture"]?["state"]?.stringValue == "stopped")
        #expect((document["rss_bytes"]?.intValue ?? 0) > 1_000_000)
        #expect(document["pid"]?.intValue == Int(getpid()))
        #expect(!text.contains("\n"))
    }
}

/// Counts calls from any thread.
private final class Counter: Sendable {
    private let value = Mutex(0)
    func next() -> Int { value.withLock { $0 += 1; return $0 } }
}
