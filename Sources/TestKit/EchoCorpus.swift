// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

import Foundation

/// One acoustic situation of the echo corpus: the room, the speaker, the noise, the levels and any bulk
/// delay the front end is not told about. ``EchoRecording/make(_:)`` renders it, deterministically.
public struct EchoCondition: Sendable, Equatable, CustomStringConvertible {
    /// Background noise at the microphone.
    public enum Noise: String, Sendable, CaseIterable {
        /// Gaussian white noise.
        case white
        /// 1/f noise (fans, traffic).
        case pink
        /// Ten other talkers at once (a party, a café): speech-like and only roughly stationary.
        case babble
    }

    /// A short name for tables and test output.
    public var name: String
    /// Which half of the speech material it uses (held-out conditions are never tuned on).
    public var material: EchoCorpusSpeech.Material
    /// The loudspeaker-to-microphone response.
    public var room: RoomImpulseResponse
    /// What the loudspeaker does to the far end.
    public var speaker: SpeakerModel
    /// The background noise.
    public var noise: Noise
    /// Near-end active speech level over the noise level, in dB.
    public var signalToNoiseDecibels: Double
    /// Near-end active speech level over the echo's active level, in dB (0: as loud; -5: the echo is 5 dB
    /// louder than the talker).
    public var speechToEchoDecibels: Double
    /// Extra delay between the reference and the echo that nobody announces (device buffers), in ms.
    public var bulkDelayMilliseconds: Int
    /// Length of the recording in seconds.
    public var seconds: Double
    /// Seed for everything random (sentence choice, timing, noise).
    public var seed: UInt64

    /// A condition; see the properties.
    public init(
        name: String, material: EchoCorpusSpeech.Material, room: RoomImpulseResponse, speaker: SpeakerModel,
        noise: Noise, signalToNoiseDecibels: Double, speechToEchoDecibels: Double, bulkDelayMilliseconds: Int = 0,
        seconds: Double = 32, seed: UInt64
    ) {
        self.name = name
        self.material = material
        self.room = room
        self.speaker = speaker
        self.noise = noise
        self.signalToNoiseDecibels = signalToNoiseDecibels
        self.speechToEchoDecibels = speechToEchoDecibels
        self.bulkDelayMilliseconds = bulkDelayMilliseconds
        self.seconds = seconds
        self.seed = seed
    }

    /// Where the echo's direct path arrives after the reference, in ms (room delay plus bulk delay).
    public var echoDelayMilliseconds: Double { room.directDelayMilliseconds + Double(bulkDelayMilliseconds) }

    public var description: String {
        let room = String(
            format: "%.0f ms / RT60 %.0f ms / DRR %+.0f dB", self.room.directDelayMilliseconds,
            self.room.reverberationMilliseconds, self.room.directToReverberantDecibels)
        let bulk = bulkDelayMilliseconds > 0 ? ", +\(bulkDelayMilliseconds) ms unannounced" : ""
        return "\(name): \(room), \(speaker), \(noise.rawValue) \(Int(signalToNoiseDecibels)) dB SNR, "
            + "SER \(Int(speechToEchoDecibels)) dB\(bulk)"
    }
}

/// The conditions the echo canceller is measured on.
///
/// ``tuning`` is what settings were chosen on; ``heldOut`` uses other sentences, voices, rooms and
/// parameter combinations and is only ever reported, never tuned on; ``test`` is a short subset for
/// `swift test`.
public enum EchoCorpus {
    private static func room(_ delay: Double, _ reverberation: Double, _ ratio: Double, seed: UInt64) -> RoomImpulseResponse {
        RoomImpulseResponse(
            delayMilliseconds: delay, reverberationMilliseconds: reverberation, directToReverberantDecibels: ratio,
            seed: seed)
    }

    private static let halfScaleHard = SpeakerModel(clipping: .hard(level: 0.5))
    private static let halfScaleSoft = SpeakerModel(clipping: .soft(level: 0.5))

    /// The tuning conditions: rooms of 5–40 ms and 100–300 ms RT60, every speaker model, all three noises
    /// at 5–20 dB SNR, SER 0 and -5 dB, two with 120 ms of unannounced delay. The first three follow the
    /// issue's independent check (a small box in white noise; a clipping speaker in a reverberant room with
    /// pink noise and a loud echo; a 300 ms room in babble).
    public static let tuning: [EchoCondition] = [
        EchoCondition(
            name: "box-white20", material: .tuning, room: room(8, 120, 6, seed: 1), speaker: SpeakerModel(),
            noise: .white, signalToNoiseDecibels: 20, speechToEchoDecibels: 0, seed: 11),
        EchoCondition(
            name: "shelf-clip-pink10", material: .tuning, room: room(25, 250, 2, seed: 2), speaker: halfScaleHard,
            noise: .pink, signalToNoiseDecibels: 10, speechToEchoDecibels: -5, seed: 12),
        EchoCondition(
            name: "room300-babble5", material: .tuning, room: room(25, 300, 0, seed: 3), speaker: halfScaleSoft,
            noise: .babble, signalToNoiseDecibels: 5, speechToEchoDecibels: 0, seed: 13),
        EchoCondition(
            name: "shelf-clip-pink10-late", material: .tuning, room: room(25, 250, 2, seed: 2), speaker: halfScaleHard,
            noise: .pink, signalToNoiseDecibels: 10, speechToEchoDecibels: -5, bulkDelayMilliseconds: 120, seed: 12),
        EchoCondition(
            name: "tiny-driver-pink15", material: .tuning, room: room(5, 100, 8, seed: 4),
            speaker: SpeakerModel(smallDriver: true), noise: .pink, signalToNoiseDecibels: 15,
            speechToEchoDecibels: 0, seed: 14),
        EchoCondition(
            name: "lounge-white10", material: .tuning, room: room(40, 280, -1, seed: 5), speaker: SpeakerModel(),
            noise: .white, signalToNoiseDecibels: 10, speechToEchoDecibels: -5, seed: 15),
        EchoCondition(
            name: "kitchen-soft-babble12", material: .tuning, room: room(15, 200, 3, seed: 6),
            speaker: SpeakerModel(clipping: .soft(level: 0.5), smallDriver: true), noise: .babble,
            signalToNoiseDecibels: 12, speechToEchoDecibels: -5, seed: 16),
        EchoCondition(
            name: "hall-clip-white15", material: .tuning, room: room(35, 300, 0, seed: 7),
            speaker: SpeakerModel(clipping: .hard(level: 0.5), smallDriver: true), noise: .white,
            signalToNoiseDecibels: 15, speechToEchoDecibels: 0, seed: 17),
        EchoCondition(
            name: "desk-soft-pink20-late", material: .tuning, room: room(10, 150, 4, seed: 8), speaker: halfScaleSoft,
            noise: .pink, signalToNoiseDecibels: 20, speechToEchoDecibels: -5, bulkDelayMilliseconds: 120, seed: 18),
        EchoCondition(
            name: "study-babble8", material: .tuning, room: room(20, 180, 1, seed: 9), speaker: SpeakerModel(),
            noise: .babble, signalToNoiseDecibels: 8, speechToEchoDecibels: 0, seed: 19),
    ]

    /// Conditions never tuned on: other sentences and voices, other rooms and combinations.
    public static let heldOut: [EchoCondition] = [
        EchoCondition(
            name: "h-bedroom-clip-pink12", material: .heldOut, room: room(12, 220, 2, seed: 101), speaker: halfScaleHard,
            noise: .pink, signalToNoiseDecibels: 12, speechToEchoDecibels: -5, seed: 111),
        EchoCondition(
            name: "h-bath-soft-white18", material: .heldOut, room: room(30, 260, -2, seed: 102),
            speaker: SpeakerModel(clipping: .soft(level: 0.5), smallDriver: true), noise: .white,
            signalToNoiseDecibels: 18, speechToEchoDecibels: 0, seed: 112),
        EchoCondition(
            name: "h-nook-babble6", material: .heldOut, room: room(6, 110, 5, seed: 103), speaker: SpeakerModel(),
            noise: .babble, signalToNoiseDecibels: 6, speechToEchoDecibels: -5, seed: 113),
        EchoCondition(
            name: "h-attic-clip-babble15-late", material: .heldOut, room: room(18, 290, 1, seed: 104),
            speaker: halfScaleHard, noise: .babble, signalToNoiseDecibels: 15, speechToEchoDecibels: 0,
            bulkDelayMilliseconds: 120, seed: 114),
        EchoCondition(
            name: "h-porch-driver-pink8", material: .heldOut, room: room(38, 160, 3, seed: 105),
            speaker: SpeakerModel(smallDriver: true), noise: .pink, signalToNoiseDecibels: 8,
            speechToEchoDecibels: -5, seed: 115),
        EchoCondition(
            name: "h-office-soft-white5", material: .heldOut, room: room(22, 240, 0, seed: 106), speaker: halfScaleSoft,
            noise: .white, signalToNoiseDecibels: 5, speechToEchoDecibels: 0, seed: 116),
    ]

    /// A short subset for the test suite (20 s each): the clean small box, the clipping reverberant shelf,
    /// the same shelf with 120 ms unannounced, a room in babble, and a held-out clipping bedroom.
    public static let test: [EchoCondition] = {
        var conditions = [tuning[0], tuning[1], tuning[3], tuning[9], heldOut[0]]
        for index in conditions.indices { conditions[index].seconds = 20 }
        return conditions
    }()

    /// The conditions of a named set: `tuning`, `held-out`, `all` or `test`, or `nil` for another name.
    public static func named(_ name: String) -> [EchoCondition]? {
        switch name {
        case "tuning": return tuning
        case "held-out": return heldOut
        case "all": return tuning + heldOut
        case "test": return test
        default: return nil
        }
    }
}
