// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

import Time
import Threads

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The eventfd that wakes a blocked line wait, with GPIO's error.
func makeWakeSignal() throws(GPIOError) -> EventSignal {
    do {
        return try EventSignal()
    } catch {
        throw GPIOError(.ioError, errno: error.errno, error.description)
    }
}

/// Waits until `fd` is readable, `wake` is signalled, or `timeout` passes (nil: no limit).
/// Returns true when `fd` is readable. Retries `EINTR` here and only here.
func waitReadable(_ fd: Int32, wake: EventSignal, timeout: Duration?) throws(GPIOError) -> Bool {
    var fds = [pollfd(fd: fd, events: Int16(POLLIN), revents: 0), pollfd(fd: wake.descriptor, events: Int16(POLLIN), revents: 0)]
    let milliseconds: Int32
    if let timeout {
        // Round up so a deadline is never reported early.
        let nanos = max(0, timeout.nanosecondsClamped)
        milliseconds = Int32(clamping: (nanos + 999_999) / 1_000_000)
    } else {
        milliseconds = -1
    }
    while true {
        let result = poll(&fds, 2, milliseconds)
        if result < 0 {
            let code = errno
            if code == EINTR { continue }
            throw GPIOError(.ioError, errno: code, "poll on a GPIO line failed: \(errorText(code))")
        }
        if fds[1].revents != 0 { wake.drain() }
        return fds[0].revents & Int16(POLLIN) != 0
    }
}

/// `strerror` for a message.
func errorText(_ code: Int32) -> String {
    guard let text = strerror(code) else { return "error \(code)" }
    return String(cString: text)
}
