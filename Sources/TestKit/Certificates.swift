// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

public import Foundation

/// A throwaway self-signed certificate for 127.0.0.1 and localhost, made with the `openssl` tool, for TLS
/// tests that keep verification on (the client is given the certificate as its CA file).
public struct SelfSignedCertificate: Sendable {
    public let certificatePath: String
    public let keyPath: String

    public static func make(in directory: URL) throws -> SelfSignedCertificate {
        let cert = directory.appendingPathComponent("cert.pem").path
        let key = directory.appendingPathComponent("key.pem").path
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        process.arguments = ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=livevoiced-test",
                             "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost", "-keyout", key, "-out", cert]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw PeerProcess.Failure(description: "openssl req failed with status \(process.terminationStatus) (is openssl installed? run scripts/bootstrap)")
        }
        return SelfSignedCertificate(certificatePath: cert, keyPath: key)
    }
}
