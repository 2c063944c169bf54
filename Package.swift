// swift-tools-version: 6.0
// SPDX-License-Identifier: Apache-2.0
//
// livevoiced: a headless smart-speaker daemon for the Gemini Live API.
//
// Everything the `livevoiced` binary links must build with Swift 6.0.3 (Debian 13's `swiftlang`, the
// toolchain a Raspberry Pi owner gets with apt). Development-only targets that need a newer compiler
// (the Live API simulator on swift-nio) are declared under `#if compiler(>=6.1)` at the end.
//
// Layers (imports only go up):
//   C modules (CCurl, CALSA, CGPIOD, CSpeexDSP, CSysShims) and plain Swift bases (Log, JSON, TOML, RingBuffer,
//   Threads, Time)
//   → wrappers (CurlWebSocket, ALSA, GPIO, SpeexDSP)
//   → engines (AudioFrontEnd, AudioEngine, GeminiLive, BoardSupport)
//   → Daemon → the livevoiced executable

import PackageDescription

let package = Package(
    name: "livevoiced",
    products: [
        .executable(name: "livevoiced", targets: ["livevoiced"]),
        .library(name: "GeminiLive", targets: ["GeminiLive"]),
        // For the libFuzzer package in fuzz/ (it depends on this one by path); nothing here links it.
        .library(
            name: "LivevoicedFuzzable",
            targets: ["GeminiLive", "CurlWebSocket", "JSON", "TOML", "GPIO", "BoardSupport", "AudioFrontEnd", "Daemon"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        // MARK: C libraries, each wrapped once (modulemap + shim.h) and found through pkg-config.
        .systemLibrary(
            name: "CCurl", pkgConfig: "libcurl",
            providers: [.apt(["libcurl4-openssl-dev (>= 8.14; bookworm-backports on Debian 12)"])]),
        .systemLibrary(name: "CALSA", pkgConfig: "alsa", providers: [.apt(["libasound2-dev"])]),
        .systemLibrary(
            name: "CGPIOD", pkgConfig: "libgpiod",
            providers: [.apt(["libgpiod-dev (>= 2.0; bookworm-backports on Debian 12)"])]),
        .systemLibrary(name: "CSpeexDSP", pkgConfig: "speexdsp", providers: [.apt(["libspeexdsp-dev"])]),
        .target(name: "CSysShims"),

        // MARK: Bases with no C library below them.
        .target(name: "Log"),
        .target(name: "JSON"),
        .target(name: "TOML"),
        .target(name: "RingBuffer"),
        .target(name: "Threads", dependencies: ["CSysShims"]),
        .target(name: "Time"),

        // MARK: Swift wrappers over the C libraries. Nothing above them sees a C pointer.
        .target(name: "CurlWebSocket", dependencies: ["CCurl", "Threads", "Time", "Log"]),
        .target(name: "ALSA", dependencies: ["CALSA", "Log"]),
        .target(name: "GPIO", dependencies: ["CGPIOD", "Threads", "Time", "Log"]),
        .target(name: "SpeexDSP", dependencies: ["CSpeexDSP"]),

        // MARK: Engines.
        .target(name: "AudioFrontEnd", dependencies: ["SpeexDSP"]),
        .target(name: "AudioEngine", dependencies: ["ALSA", "AudioFrontEnd", "RingBuffer", "Threads", "Time", "Log"]),
        .target(name: "GeminiLive", dependencies: ["CurlWebSocket", "JSON", "Log"]),
        .target(name: "BoardSupport", dependencies: ["GPIO", "JSON", "TOML", "Threads", "Time", "Log"]),
        // The daemon's decisions: a pure state machine (events in, actions out), no engine below it.
        .target(name: "Conversation", dependencies: ["JSON", "Time"]),

        // MARK: The daemon and its executable.
        .target(
            name: "Daemon",
            dependencies: [
                "Conversation", "GeminiLive", "AudioEngine", "AudioFrontEnd", "BoardSupport", "GPIO", "CurlWebSocket",
                "Threads", "Time", "Log", "JSON", "TOML",
            ]),
        .executableTarget(
            name: "livevoiced",
            dependencies: [
                "Daemon", "GeminiLive", "CurlWebSocket", "AudioEngine", "AudioFrontEnd", "ALSA", "BoardSupport",
                "GPIO", "Time", "Log", "JSON", "TOML", "Conversation", "Threads",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),
        .executableTarget(
            name: "livevoiced-bench",
            dependencies: [
                "GeminiLive", "CurlWebSocket", "AudioFrontEnd", "SpeexDSP", "CSpeexDSP", "RingBuffer", "Log", "JSON", "Threads",
                "TestKit",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),

        // MARK: Shared test helpers (fakes stand in only for hardware this machine lacks).
        .target(name: "TestKit", dependencies: ["Log", "JSON", "SpeexDSP"]),

        // MARK: Tests: one target per library target.
        .testTarget(name: "LogTests", dependencies: ["Log"]),
        .testTarget(name: "JSONTests", dependencies: ["JSON"]),
        .testTarget(name: "TOMLTests", dependencies: ["TOML"]),
        .testTarget(name: "RingBufferTests", dependencies: ["RingBuffer"]),
        .testTarget(name: "TimeTests", dependencies: ["Time"]),
        .testTarget(name: "CurlWebSocketTests", dependencies: ["CurlWebSocket", "TestKit"]),
        .testTarget(name: "ALSATests", dependencies: ["ALSA", "TestKit"]),
        .testTarget(name: "GPIOTests", dependencies: ["GPIO", "Time", "TestKit"]),
        .testTarget(name: "SpeexDSPTests", dependencies: ["SpeexDSP", "TestKit"]),
        .testTarget(name: "AudioFrontEndTests", dependencies: ["AudioFrontEnd", "SpeexDSP", "TestKit"]),
        .testTarget(name: "AudioEngineTests", dependencies: ["AudioEngine", "AudioFrontEnd", "ALSA", "RingBuffer", "Log", "TestKit"]),
        .testTarget(name: "GeminiLiveTests", dependencies: ["GeminiLive", "JSON", "TestKit", "Log"]),
        .testTarget(name: "BoardSupportTests", dependencies: ["BoardSupport", "GPIO", "TOML", "Time", "TestKit"]),
        .testTarget(name: "ConversationTests", dependencies: ["Conversation", "JSON", "Time"]),
        .testTarget(name: "DaemonTests", dependencies: ["Daemon", "Conversation", "AudioEngine", "AudioFrontEnd", "BoardSupport", "GPIO", "JSON", "TOML", "Time", "Threads", "TestKit"]),
        .testTarget(name: "CLITests", dependencies: ["TestKit"]),
    ]
)

// MARK: Development and test targets that need Swift 6.1+ (the mirror's swift-nio). Never linked into
// livevoiced; under Swift 6.0.3 they simply do not exist.
#if compiler(>=6.1)
package.dependencies += [
    .package(url: "https://github.com/apple/swift-nio", from: "2.80.0"),
]
package.targets += [
    .target(
        name: "LiveSimulator",
        dependencies: [
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "NIOWebSocket", package: "swift-nio"),
            "Log",
        ]),
    .executableTarget(
        name: "live-simulator",
        dependencies: ["LiveSimulator", "Log", .product(name: "ArgumentParser", package: "swift-argument-parser")]),
    .testTarget(name: "LiveSimulatorTests", dependencies: ["LiveSimulator", "CurlWebSocket"]),
    .testTarget(
        name: "LiveIntegrationTests",
        dependencies: ["LiveSimulator", "GeminiLive", "CurlWebSocket", "JSON", "TestKit", "Log"]),
    // The whole daemon in-process: runtime, simulated board, alsa-lib file/null PCMs, the simulator over libcurl.
    .testTarget(
        name: "DaemonIntegrationTests",
        dependencies: [
            "Daemon", "Conversation", "LiveSimulator", "GeminiLive", "AudioEngine", "BoardSupport", "GPIO", "Time",
            "JSON", "Log", "TestKit",
        ]),
]
#endif

// Settings shared by every Swift target (swift-nio style): Swift 6 mode, explicit `any`, imports internal
// unless a module re-exports a type on purpose.
for target in package.targets where target.type != .system && target.name != "CSysShims" {
    var settings = target.swiftSettings ?? []
    settings += [
        .swiftLanguageMode(.v6),
        .enableUpcomingFeature("ExistentialAny"),
        .enableUpcomingFeature("InternalImportsByDefault"),
    ]
    target.swiftSettings = settings
}
