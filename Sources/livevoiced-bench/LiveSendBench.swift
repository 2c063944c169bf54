// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

import Foundation
import GeminiLive
import Log
import Synchronization
import Threads

/// `LiveSession.sendAudio(pcm:)` on a thread of its own named `lv-micsend`, 50 times a second of 20 ms chunks as
/// the daemon sends them (but as fast as it goes), into a transport that copies each message into memory it
/// allocated up front. Run under `scripts/rtcheck.c` with `RTCHECK_THREADS=lv-micsend` it shows what the
/// session itself allocates per call: the transport's own copy is the only allocation a real transport adds.
enum LiveSendBench {
    /// A transport whose `send(copying:)` copies into a fixed buffer: it allocates nothing per message.
    final class PreallocatedTransport: LiveTransport, LiveTransportConnector {
        private let setupDone = Mutex(false)
        private let slot = Mutex([UInt8](repeating: 0, count: 1 << 16))
        let bytesSent = Atomic<Int>(0)

        func connect(_ request: LiveTransportRequest, logger: Logger) async throws(LiveError) -> any LiveTransport { self }

        func send(_ message: [UInt8]) throws(LiveError) {}  // setup (and anything but audio): dropped

        func send(copying bytes: UnsafeRawBufferPointer) throws(LiveError) {
            slot.withLock { slot in
                slot.withUnsafeMutableBytes { target in
                    target.copyMemory(from: UnsafeRawBufferPointer(rebasing: bytes.prefix(target.count)))
                }
            }
            bytesSent.add(bytes.count, ordering: .relaxed)
        }

        func receive() async throws(LiveError) -> [UInt8]? {
            let first = setupDone.withLock { done in
                defer { done = true }
                return !done
            }
            if first { return Array(#"{"setupComplete":{}}"#.utf8) }
            try? await Task.sleep(for: .seconds(3600))
            return nil
        }

        func close(code: Int, reason: String) async {}
    }

    /// Sends for `seconds` and prints µs per call.
    static func run(seconds: Double) async throws {
        let transport = PreallocatedTransport()
        let session = try await LiveClient(apiKey: "bench", connector: transport).live.connect(model: LiveModels.defaultModel)
        // In a class: Swift 6.0.3 cannot capture a bare Atomic in an escaping closure (a compiler bug).
        let calls = CallCounter()
        let start = ContinuousClock.now
        // A named thread (rtcheck watches threads by name), as the daemon's microphone thread would be.
        let thread = try PlatformThread(name: "lv-micsend") {
            let pcm = [UInt8]((0..<640).map { UInt8(truncatingIfNeeded: $0 &* 31) })  // 20 ms at 16 kHz
            let clock = ContinuousClock()
            let end = clock.now + .milliseconds(Int64(seconds * 1000))
            pcm.withUnsafeBytes { chunk in
                while clock.now < end {
                    for _ in 0..<1000 { try? session.sendAudio(pcm: chunk) }
                    calls.value.add(1000, ordering: .relaxed)
                }
            }
        }
        thread.join()
        let elapsed = ContinuousClock.now - start
        let count = calls.value.load(ordering: .relaxed)
        print("sendAudio (20 ms, 640 B PCM) on thread lv-micsend: \(count) calls, \(format(micros(elapsed) / Double(count))) µs per call, \(transport.bytesSent.load(ordering: .relaxed) / max(count, 1)) B per message")
        await session.close()
    }
}

/// A counter shared with a thread.
private final class CallCounter: Sendable {
    let value = Atomic<Int>(0)
}
