// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

internal import CSysShims
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A named POSIX thread running one closure: for work that blocks (poll, ALSA, timers) or must not run on
/// Swift concurrency's cooperative pool (the real-time audio threads).
///
/// The one place the project creates threads (swift-nio's `ThreadPosix` does the same job for NIO):
/// it names the thread for `top -H` and `ps -L`, and either joins it or lets it go.
public final class PlatformThread: @unchecked Sendable {
    // @unchecked Sendable: `thread` is written once in init, before the object is shared; `joined` is an
    // atomic, so `join()` from any number of callers joins once.
    /// The thread's name (the kernel keeps at most 15 characters).
    public let name: String
    private var thread = pthread_t()
    private let joined = Atomic<Bool>(false)

    /// Starts `body` on a new thread called `name`; join it with ``join()``.
    public init(name: String, _ body: @escaping @Sendable () -> Void) throws(PlatformThreadError) {
        self.name = name
        let box = Unmanaged.passRetained(Body(name: name, run: body)).toOpaque()
        let result = pthread_create(&thread, nil, { raw in
            #if canImport(Glibc)
            let body = Unmanaged<Body>.fromOpaque(raw!).takeRetainedValue()
            #else
            let body = Unmanaged<Body>.fromOpaque(raw).takeRetainedValue()
            #endif
            _ = body.name.withCString { csys_set_thread_name($0) }
            body.run()
            return nil
        }, box)
        if result != 0 {
            Unmanaged<Body>.fromOpaque(box).release()
            throw PlatformThreadError(errno: result, threadName: name)
        }
    }

    /// Starts `body` on a thread nobody joins (its resources go when it ends). A failure to create it
    /// means the system is out of threads or memory, which the caller cannot repair: it traps.
    public static func detach(name: String, _ body: @escaping @Sendable () -> Void) {
        do {
            let thread = try PlatformThread(name: name, body)
            pthread_detach(thread.thread)
            thread.joined.store(true, ordering: .releasing)
        } catch {
            preconditionFailure(error.description)
        }
    }

    /// Waits for the thread to end. Safe to call more than once and from several threads: the first call
    /// joins, later ones return at once. Never call it from the thread itself.
    public func join() {
        guard !joined.exchange(true, ordering: .acquiringAndReleasing) else { return }
        pthread_join(thread, nil)
    }

    /// What a new thread runs; handed to exactly one thread, which releases it.
    private final class Body: Sendable {
        let name: String
        let run: @Sendable () -> Void
        init(name: String, run: @escaping @Sendable () -> Void) {
            self.name = name
            self.run = run
        }
    }
}

/// `pthread_create` failed.
public struct PlatformThreadError: Error, Sendable, CustomStringConvertible {
    /// The error number `pthread_create` returned (EAGAIN: out of threads; ENOMEM).
    public var errno: Int32
    public var threadName: String
    public var description: String {
        "cannot start the \(threadName) thread: pthread_create returned \(errno) (the system is out of threads or memory)"
    }
}
