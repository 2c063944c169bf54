// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

import Log
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The standard error handler as journald and a terminal see it, through a real pipe.
@Suite("standard error log handler")
struct StandardErrorLogHandlerTests {
    /// A pipe: what the handler writes into the write end is read back from the read end.
    private final class Pipe {
        let readEnd: Int32
        let writeEnd: Int32
        init() throws {
            var fds: [Int32] = [0, 0]
            try #require(pipe(&fds) == 0)
            readEnd = fds[0]
            writeEnd = fds[1]
        }
        deinit {
            close(readEnd)
            close(writeEnd)
        }
        func written() -> String {
            var buffer = [UInt8](repeating: 0, count: 65536)
            let flags = fcntl(readEnd, F_GETFL)
            _ = fcntl(readEnd, F_SETFL, flags | O_NONBLOCK)
            let n = buffer.withUnsafeMutableBytes { read(readEnd, $0.baseAddress, $0.count) }
            return n > 0 ? String(decoding: buffer[0..<n], as: UTF8.self) : ""
        }
        /// `DEVICE:INODE` of the write end, as systemd puts it in JOURNAL_STREAM.
        var journalStreamValue: String {
            var info = stat()
            _ = fstat(writeEnd, &info)
            return "\(info.st_dev):\(info.st_ino)"
        }
    }

    @Test("journald style: every record is one line that starts with its syslog priority (line breaks escaped)")
    func journaldPrefixes() throws {
        let pipe = try Pipe()
        let logger = Logger(label: "gpio", level: .debug, handler: StandardErrorLogHandler(style: .journald, fileDescriptor: pipe.writeEnd))
        logger.warning("line BUTTON is busy\nheld by gpiomon")
        logger.info("ready")
        logger.error("failed")
        logger.debug("detail")
        #expect(pipe.written() == "<4>gpio: line BUTTON is busy\\nheld by gpiomon\n<6>gpio: ready\n<3>gpio: failed\n<7>gpio: detail\n")
    }

    @Test("terminal style: a readable level name, no angle brackets")
    func terminalStyle() throws {
        let pipe = try Pipe()
        let logger = Logger(label: "audio", level: .info, handler: StandardErrorLogHandler(style: .terminal, fileDescriptor: pipe.writeEnd))
        logger.notice("capture running")
        #expect(pipe.written() == "notice audio: capture running\n")
    }

    @Test("the journal is recognised by the stream's device and inode, not by the variable alone")
    func journalStreamDetection() throws {
        let pipe = try Pipe()
        let other = try Pipe()
        #expect(StandardErrorLogHandler.isJournalStream(pipe.journalStreamValue, fileDescriptor: pipe.writeEnd))
        #expect(!StandardErrorLogHandler.isJournalStream(other.journalStreamValue, fileDescriptor: pipe.writeEnd))
        #expect(!StandardErrorLogHandler.isJournalStream(nil, fileDescriptor: pipe.writeEnd))
        #expect(!StandardErrorLogHandler.isJournalStream("garbage", fileDescriptor: pipe.writeEnd))
        #expect(!StandardErrorLogHandler.isJournalStream("1:2:3", fileDescriptor: pipe.writeEnd))
        let handler = StandardErrorLogHandler(fileDescriptor: pipe.writeEnd)
        // The test runner's own JOURNAL_STREAM (if any) names another stream than this pipe.
        #expect(handler.style == .terminal)
    }

    @Test("anything shaped like a Google API key is masked in every style")
    func masksKeys() throws {
        let key = "AIza" + String(repeating: "x", count: 30) + "Ab-_9"
        #expect(key.count == 39)
        let pipe = try Pipe()
        let logger = Logger(label: "live", level: .info, handler: StandardErrorLogHandler(style: .journald, fileDescriptor: pipe.writeEnd))
        logger.error("rejected \(key) for wss://host/?key=\(key)")
        let text = pipe.written()
        #expect(!text.contains(key))
        #expect(text == "<3>live: rejected AIza…(masked) for wss://host/?key=AIza…(masked)\n")
        // Not a key: too short, or part of a longer word.
        #expect(StandardErrorLogHandler.maskingKeys("AIza123") == "AIza123")
        let longer = key + "more"
        #expect(StandardErrorLogHandler.maskingKeys(longer) == longer)
    }
}
