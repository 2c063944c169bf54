// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

@testable import LiveSimulator
import Testing

@Suite("The simulator's own JSON, base64, paths and audio helpers")
struct WireTests {
    @Test("the JSON parser keeps ints and doubles apart and reads escapes and surrogate pairs")
    func parsesValues() throws {
        let value = try WireValue.parse(#"{"a":17,"b":17.5,"c":1e3,"d":[true,false,null],"e":"\u00e9\ud83d\ude00\n\"/"}"#)
        #expect(value == ["a": 17, "b": 17.5, "c": 1000.0, "d": [true, false, nil], "e": "é😀\n\"/"])
        #expect(value["a"]?.intValue == 17)
        #expect(value["b"]?.intValue == nil)
    }

    @Test("the JSON parser is strict where proto-JSON is", arguments: [
        #"{"a":1,}"#, #"[1,]"#, #"{"a":1} x"#, #"{'a':1}"#, #"{"a":01}"#, #"{"a":"\ud800"}"#, #"{"a":1,"a":2}"#,
        "{\"a\":\"tab\tinside\"}", #"{"a":.5}"#, #"{"a":NaN}"#, "", #"{"a":"\x"}"#,
    ])
    func rejectsInvalidJSON(text: String) {
        #expect(throws: WireJSONError.self) { try WireValue.parse(text) }
    }

    @Test("invalid UTF-8 is rejected")
    func rejectsInvalidUTF8() {
        #expect(throws: WireJSONError.self) { try WireValue.parse([0x22, 0xC0, 0x80, 0x22]) }
        #expect(throws: WireJSONError.self) { try WireValue.parse([0x22, 0xED, 0xA0, 0x80, 0x22]) }
    }

    @Test("serialisation is compact, key-sorted and round-trips")
    func serialises() throws {
        let value: WireValue = ["b": [1, 2.5, "x\"y\u{01}"], "a": ["z": nil, "y": true]]
        #expect(value.serialized == #"{"a":{"y":true,"z":null},"b":[1,2.5,"x\"y\u0001"]}"#)
        #expect(try WireValue.parse(value.serialized) == value)
        #expect(WireValue.double(2).serialized == "2.0")
    }

    @Test("base64: standard and URL-safe alphabets, padded or not; anything else is rejected")
    func base64() {
        let bytes: [UInt8] = [0xFB, 0xFF, 0xBF, 0xFB, 0xFF, 0xBF, 0x00, 0x01, 0x10, 0x20]
        #expect(Base64.encode(bytes) == "+/+/+/+/AAEQIA==")
        #expect(Base64.decode("+/+/+/+/AAEQIA==") == bytes)
        #expect(Base64.decodeReportingAlphabet("-_-_-_-_AAEQIA==")?.alphabet == .urlSafe)
        #expect(Base64.decode("-_-_-_-_AAEQIA") == bytes)
        #expect(Base64.decode("") == [])
        #expect(Base64.decode("AAE") == [0, 1], "unpadded is fine")
        for invalid in ["@@@@", "AAAAA", "AA=A", "AAAA====", "AA AA", "A==="] {
            #expect(Base64.decode(invalid) == nil, "\(invalid) must be rejected")
        }
        for length in 0..<7 {
            let data = (0..<length).map { UInt8($0 * 37 & 0xFF) }
            #expect(Base64.decode(Base64.encode(data)) == data)
        }
    }

    @Test("the Live paths and only those are endpoints")
    func paths() {
        #expect(Endpoint.apiVersion(ofPath: LiveSimulator.geminiPath) == "v1beta")
        #expect(Endpoint.apiVersion(ofPath: "//ws/google.ai.generativelanguage.v1.GenerativeService.BidiGenerateContent") == "v1")
        #expect(Endpoint.apiVersion(ofPath: LiveSimulator.vertexPath) == "v1beta1")
        #expect(Endpoint.apiVersion(ofPath: "/ws/google.ai.generativelanguage.v2.GenerativeService.BidiGenerateContent") == nil)
        #expect(Endpoint.apiVersion(ofPath: "/ws/google.cloud.aiplatform.v1beta1.LlmBidiService.BidiGenerateContent") == nil)
        #expect(Endpoint.apiVersion(ofPath: "/") == nil)
    }

    @Test("model names: the shapes the service accepts")
    func models() {
        for good in ["models/gemini-live-2.5-flash", "publishers/google/models/gemini-2.0",
                     "projects/p/locations/us-central1/publishers/google/models/gemini", "tunedModels/mine"] {
            #expect(Endpoint.isWellFormedModel(good), "\(good)")
        }
        for bad in ["gemini-2.0", "models/", "models/a/b", "projects/p/publishers/google/models/x", ""] {
            #expect(!Endpoint.isWellFormedModel(bad), "\(bad)")
        }
    }

    @Test("snake_case names map to camelCase and back")
    func caseConversion() {
        #expect(camelCased("realtime_input_config") == "realtimeInputConfig")
        #expect(camelCased("mimeType") == "mimeType")
        #expect(snakeCased("generationConfig") == "generation_config")
    }

    @Test("the energy detector finds speech and the silence after it")
    func energyDetector() {
        var detector = EnergyDetector(threshold: 300, silenceMilliseconds: 100)
        let speech = pcmBytes(voiced16k(seconds: 0.2))
        let quiet = [UInt8](repeating: 0, count: 16_000 * 2 / 10)
        #expect(detector.feed(quiet, sampleRate: 16_000) == [])
        #expect(detector.feed(speech, sampleRate: 16_000) == [.speechStarted])
        #expect(detector.feed(quiet, sampleRate: 16_000) == [.speechEnded])
    }

    @Test("sample rates come from the MIME type")
    func sampleRates() {
        #expect(sampleRate(of: "audio/pcm;rate=24000") == 24_000)
        #expect(sampleRate(of: "audio/pcm; rate=8000") == 8_000)
        #expect(sampleRate(of: "audio/pcm") == 16_000)
    }
}
