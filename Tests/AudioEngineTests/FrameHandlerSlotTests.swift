// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

@testable import AudioEngine
import Synchronization
import Testing
import Time

/// The pump reads the frame handler once per frame (50 a second, for days). A closure kept bare in a
/// `Mutex` came back wrapped in two more reabstraction thunks at every read, so after a few hours a
/// single call walked hundreds of thousands of them and overflowed the frame thread's stack.
@Suite("frame handler slot")
struct FrameHandlerSlotTests {
    @Test("a handler read a day's worth of times is still the one closure: one call, constant depth")
    func readsDoNotWrap() throws {
        let slot = FrameHandlerSlot()
        let calls = Atomic<Int>(0)
        slot.set { _ in calls.wrappingAdd(1, ordering: .relaxed) }
        // 300 000 reads: with the old storage the last call recursed through 600 000 thunks (a crash).
        for _ in 0..<300_000 { _ = slot.current }
        let frame = MicFrame(samples: [Int16](repeating: 0, count: 320),
                             analysis: MicFrameAnalysis(isSpeech: false, speechProbability: 0, levelDBFS: -120),
                             sequence: 1, captureTime: Timestamp(nanoseconds: 0), diagnostics: nil)
        let handler = try #require(slot.current)
        handler(frame)
        #expect(calls.load(ordering: .relaxed) == 1)
        slot.set(nil)
        #expect(slot.current == nil)
    }
}
