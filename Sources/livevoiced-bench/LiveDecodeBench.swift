// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

import Foundation
import GeminiLive

/// Decoding cost of hostile and large server messages (issue 11: free-form JSON nested 500 deep used to
/// cost seconds). Prints µs per message and µs per KiB, so linear decoding shows as a flat per-KiB figure.
struct LiveDecodeBench {
    /// One case: a name and the message's bytes.
    struct Case {
        var name: String
        var bytes: [UInt8]
    }

    /// `[[[…0…]]]`, `depth` brackets deep.
    static func nested(depth: Int) -> String {
        String(repeating: "[", count: depth) + "0" + String(repeating: "]", count: depth)
    }

    static func cases() -> [Case] {
        let deep = nested(depth: 500)
        // About 12 KB: the deep array in the three free-form places issue 11 names.
        let hostile = """
            {"serverContent":{"urlContextMetadata":{"a":\(deep),"b":\(deep),"c":\(deep),"d":\(deep)},\
            "groundingMetadata":{"retrievalMetadata":{"a":\(deep),"b":\(deep),"c":\(deep),"d":\(deep)}}},\
            "toolCall":{"functionCalls":[{"id":"fc-1","name":"f","args":{"a":\(deep),"b":\(deep),"c":\(deep),"d":\(deep)}}]}}
            """
        // About 1 MiB of deep arrays in one function call's arguments.
        var members: [String] = []
        var size = 0
        while size < 1 << 20 {
            let member = "\"k\(members.count)\":\(deep)"
            size += member.utf8.count + 1
            members.append(member)
        }
        let big = #"{"toolCall":{"functionCalls":[{"id":"fc-1","name":"f","args":{"# + members.joined(separator: ",") + "}}]}}"
        // About 1 MiB of reply audio, the largest ordinary message.
        let audio = Data((0..<(768 << 10)).map { UInt8(truncatingIfNeeded: $0 &* 31) }).base64EncodedString()
        let audioMessage = #"{"serverContent":{"modelTurn":{"role":"model","parts":[{"inlineData":{"mimeType":"audio/pcm;rate=24000","data":""#
            + audio + #""}}]}}}"#
        // About 1 MiB of a wide, flat object (many small members).
        var wide: [String] = []
        size = 0
        while size < 1 << 20 {
            let member = "\"key\(wide.count)\":{\"n\":\(wide.count),\"s\":\"value\",\"b\":true,\"x\":null}"
            size += member.utf8.count + 1
            wide.append(member)
        }
        let wideMessage = #"{"serverContent":{"urlContextMetadata":{"# + wide.joined(separator: ",") + "}}}"
        return [
            Case(name: "free-form JSON nested 500 deep in 12 fields", bytes: Array(hostile.utf8)),
            Case(name: "1 MiB of function-call args nested 500 deep", bytes: Array(big.utf8)),
            Case(name: "1 MiB of reply audio (base64 inlineData)", bytes: Array(audioMessage.utf8)),
            Case(name: "1 MiB wide flat object (free-form metadata)", bytes: Array(wideMessage.utf8)),
        ]
    }

    /// Decodes each case `runs` times (fewer for slow ones) and prints the median.
    static func run() {
        let clock = ContinuousClock()
        for item in cases() {
            var samples: [Double] = []
            var outcome = "ok"
            var budget = Duration.seconds(3)
            while samples.count < 15 && budget > .zero {
                let start = clock.now
                do {
                    _ = try LiveServerMessage(json: item.bytes)
                } catch {
                    outcome = "error: \(String(describing: error).prefix(80))"
                }
                let elapsed = clock.now - start
                budget -= elapsed
                samples.append(micros(elapsed))
            }
            samples.sort()
            let median = samples[samples.count / 2]
            let kib = Double(item.bytes.count) / 1024
            print("decode \(item.name) (\(item.bytes.count) B): median \(format(median)) µs of \(samples.count) runs, \(format(median / kib)) µs/KiB [\(outcome)]")
        }
    }
}
