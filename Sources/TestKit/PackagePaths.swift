// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

public import Foundation

/// Paths inside the package checkout and its build folder, for tests that run helper programs.
public enum PackagePaths {
    /// The package root (the folder with Package.swift), found from this source file's location.
    public static let root: URL = {
        var url = URL(fileURLWithPath: #filePath)
        while url.path != "/" {
            url.deleteLastPathComponent()
            if FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) { return url }
        }
        fatalError("Package.swift not found above \(#filePath)")
    }()

    /// The folder holding the built products of this test run (the test bundle's own folder).
    public static var productsDirectory: URL {
        let bundle = URL(fileURLWithPath: CommandLine.arguments.first ?? "")
        var url = bundle
        while url.path != "/" {
            url.deleteLastPathComponent()
            if url.lastPathComponent == "debug" || url.lastPathComponent == "release" { return url }
            if FileManager.default.fileExists(atPath: url.appendingPathComponent("livevoiced").path) { return url }
        }
        return root.appendingPathComponent(".build/debug")
    }

    /// A built executable of this package, such as `livevoiced`.
    public static func product(_ name: String) -> URL { productsDirectory.appendingPathComponent(name) }

    /// The Python that runs the test peers: `$LIVEVOICED_PYTHON`, else the venv `scripts/bootstrap`
    /// makes at `.build-venv`, else `python3` on PATH.
    public static var python: String {
        if let explicit = ProcessInfo.processInfo.environment["LIVEVOICED_PYTHON"], !explicit.isEmpty { return explicit }
        let venv = root.appendingPathComponent(".build-venv/bin/python3").path
        return FileManager.default.isExecutableFile(atPath: venv) ? venv : "/usr/bin/env python3"
    }

    /// A fresh temporary folder, removed when the process ends only if the caller removes it.
    public static func temporaryDirectory(_ label: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("livevoiced-\(label)-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}
