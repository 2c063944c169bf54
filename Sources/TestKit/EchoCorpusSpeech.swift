// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

import Foundation
import Synchronization

/// The words and voices of the echo corpus, and a per-process cache of their espeak-ng renderings.
///
/// Tuning and held-out conditions use disjoint sentences and voices, so a setting tuned on one cannot
/// have learned the other's material.
public enum EchoCorpusSpeech {
    /// Which half of the material a condition draws from.
    public enum Material: String, Sendable, CaseIterable {
        /// The material the front end's settings were tuned on.
        case tuning
        /// Material kept out of tuning, for checking the settings generalise.
        case heldOut = "held-out"
    }

    /// The assistant's voice (the far end) for each half.
    public static func farEndVoice(_ material: Material) -> String {
        material == .tuning ? "en-us" : "en-gb-x-rp+m3"
    }

    /// The near-end talkers for each half; a condition picks one by its seed.
    public static func nearEndVoices(_ material: Material) -> [String] {
        material == .tuning ? ["en-gb+f3", "en-us+m2", "en-gb-scotland+f4"] : ["en-029+f2", "en-us-nyc+m4", "en-gb+f5"]
    }

    /// Voices mixed into babble noise (none of them a far- or near-end voice).
    public static let babbleVoices = [
        "en-gb+m1", "en-us+f1", "en-gb-x-gbclan", "en-us+m6", "en-gb-x-gbcwmd+f1", "en-029", "en-gb-scotland+m5",
        "en-us+f6", "en-gb-x-rp+m7", "en-us-nyc+f3",
    ]

    /// What the assistant says.
    public static func farEndSentences(_ material: Material) -> [String] {
        switch material {
        case .tuning:
            return [
                "Sure, here is the weather for today.",
                "It will be mostly sunny in the morning, with clouds building up in the afternoon.",
                "The temperature will reach twenty three degrees around three o'clock.",
                "There is a small chance of rain in the evening, so you may want to take an umbrella.",
                "Tomorrow looks cooler, with a strong wind from the north west.",
                "Would you like me to set a reminder for your walk?",
                "I can also turn on the lights in the living room when you get home.",
                "Let me know if there is anything else I can help you with today.",
                "By the way, your package is expected to arrive on Thursday morning.",
                "The train to the city leaves every twenty minutes from platform four.",
                "Your next meeting starts at half past ten and should take about an hour.",
                "I found three recipes with chicken, lemon and rice that take less than thirty minutes.",
                "The first one needs a large pan, some garlic and a handful of fresh parsley.",
                "Traffic on the main road is heavy, so the bus might be a few minutes late.",
            ]
        case .heldOut:
            return [
                "Good evening, I have summarised the news for you.",
                "Parliament voted on the new transport budget late last night.",
                "In sport, the home team won their match by two goals to one.",
                "Markets opened slightly higher after a quiet week of trading.",
                "A band from your favourite playlist is touring near you in October.",
                "Tickets go on sale on Friday at nine in the morning.",
                "Shall I add the concert to your calendar and remind you on Friday?",
                "The museum is open until six, and entry is free on the first Sunday of the month.",
                "I have paused the music in the kitchen and lowered the heating by two degrees.",
                "Your sister called twice this afternoon and left a short message.",
                "She asked whether you are still coming for dinner on Saturday.",
                "The pharmacy on the corner closes early today because of the holiday.",
                "Remember that the recycling goes out tomorrow before seven.",
                "I can read the message aloud or send her a reply for you.",
            ]
        }
    }

    /// What the user says over (and after) the assistant.
    public static func nearEndSentences(_ material: Material) -> [String] {
        switch material {
        case .tuning:
            return [
                "Wait, stop, what about the weekend?",
                "I am going hiking on Saturday with my brother.",
                "Can you check the forecast for the mountains?",
                "No, turn the lights off in the bedroom instead.",
                "Remind me to call the dentist at noon.",
                "How long does it take to cook the rice?",
            ]
        case .heldOut:
            return [
                "Hold on, read me her message first.",
                "Yes, please add it to my calendar.",
                "What time does the pharmacy open tomorrow?",
                "Turn the heating back up a little.",
                "Skip the sport, tell me about the weather.",
                "Send her a text saying I will be late.",
            ]
        }
    }

    /// Text the babble talkers read.
    public static let babbleSentences = [
        "The committee agreed to meet again after the summer break to discuss the plans.",
        "Most of the old houses along the river were built more than a century ago.",
        "She bought fresh bread, two kinds of cheese and a bottle of olive oil at the market.",
        "If the weather holds, the ferry will cross the bay in about forty minutes.",
        "He spent the whole afternoon fixing the bicycle in the garage.",
        "The library has moved its children's section to the ground floor.",
        "Nobody expected the small film to win the festival's main prize.",
        "After dinner we walked along the harbour and watched the boats come in.",
    ]

    private static let cache = Mutex<[String: SynthesizedSpeech]>([:])

    /// `text` spoken by `voice`, synthesised once per process.
    public static func speak(_ text: String, voice: String, wordsPerMinute: Int = 165) throws -> SynthesizedSpeech {
        let key = "\(voice)|\(wordsPerMinute)|\(text)"
        if let cached = cache.withLock({ $0[key] }) { return cached }
        let spoken = try SpeechSynthesizer.synthesize(text, voice: voice, wordsPerMinute: wordsPerMinute)
        cache.withLock { $0[key] = spoken }
        return spoken
    }
}
