// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

import Conversation
import GeminiLive

/// The `setup` the daemon sends: model, voice, language, instruction, tools, activity detection for the
/// button mode, transcripts, a sliding context window (so long sessions do not hit the limit), and
/// session resumption with the latest handle.
struct LiveSetup: Sendable {
    let configuration: DaemonConfiguration
    let tools: ToolAdapter

    func connectConfig(resumptionHandle: String?) -> LiveConnectConfig {
        var config = LiveConnectConfig()
        let live = configuration.live
        config.responseModalities = [.audio]
        config.systemInstruction = Content(live.systemInstruction)
        if live.voice != nil || live.language != nil {
            config.speechConfig = SpeechConfig(
                voiceConfig: live.voice.map { VoiceConfig(prebuiltVoiceConfig: PrebuiltVoiceConfig(voiceName: $0)) },
                languageCode: live.language)
        }
        config.tools = tools.liveTools
        if configuration.button.mode == .pushToTalk {
            // The button says when the user speaks; in toggle mode the server's detection decides.
            config.realtimeInputConfig = RealtimeInputConfig(
                automaticActivityDetection: AutomaticActivityDetection(disabled: true))
        }
        if live.transcripts {
            config.inputAudioTranscription = AudioTranscriptionConfig()
            config.outputAudioTranscription = AudioTranscriptionConfig()
        }
        config.contextWindowCompression = ContextWindowCompressionConfig(slidingWindow: SlidingWindow())
        config.sessionResumption = SessionResumptionConfig(handle: resumptionHandle)
        return config
    }
}
