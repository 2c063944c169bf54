// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

import Log
import Testing

@Suite("URL redaction")
struct RedactionTests {
    @Test("the query and user information are hidden; scheme, host, port and path stay")
    func redacts() {
        #expect(redactedURL("wss://host.example/ws/path?key=AIza-secret&x=1") == "wss://host.example/ws/path?…")
        #expect(redactedURL("wss://user:p4ss@host.example:8443/ws") == "wss://…@host.example:8443/ws")
        #expect(redactedURL("ws://tok@127.0.0.1:9/?key=k") == "ws://…@127.0.0.1:9/?…")
        #expect(redactedURL("ws://127.0.0.1:8765") == "ws://127.0.0.1:8765")
        #expect(redactedURL("wss://host/path/with@sign") == "wss://host/path/with@sign")
        #expect(redactedURL("not a url?secret") == "not a url?…")
    }
}
