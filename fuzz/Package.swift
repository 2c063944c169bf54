// swift-tools-version: 6.0
// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors
//
// libFuzzer targets for livevoiced's decoders of untrusted input. A package of its own, so that nothing
// here is linked into `livevoiced` or built by the root package (and so Swift 6.0.3 never sees it).
// Build and run them with `scripts/fuzz` from the repository root, which builds with
// `--sanitize=fuzzer -Xswiftc -sanitize=fuzzer,address` (libFuzzer's main and coverage, plus
// AddressSanitizer, in every module) and `-enable-testing` (for `@testable import` of internal types).
//
// One executable target per fuzz target, `Sources/fuzz-NAME/NAME.swift`, with seeds in `corpus/NAME/`.
// See README.md for adding one.

import PackageDescription

let modules: [Target.Dependency] = [.product(name: "LivevoicedFuzzable", package: "livevoiced")]

let targets = ["server-message", "message-assembler", "toml", "config", "wav", "tool-arguments"]

let package = Package(
    name: "livevoiced-fuzz",
    dependencies: [.package(name: "livevoiced", path: "..")],
    targets: targets.map { .executableTarget(name: "fuzz-\($0)", dependencies: modules) }
)

for target in package.targets {
    target.swiftSettings = [
        .swiftLanguageMode(.v6),
        .enableUpcomingFeature("ExistentialAny"),
        .enableUpcomingFeature("InternalImportsByDefault"),
    ]
}
