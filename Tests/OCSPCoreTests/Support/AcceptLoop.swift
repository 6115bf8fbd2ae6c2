import Foundation

/// The serving side of a test's own server on 127.0.0.1: accepts on a thread of its own and
/// hands each connection to the server, one at a time, until `stop()`, which waits for the
/// connection in hand, then closes the listener.
final class AcceptLoop: @unchecked Sendable {
    let port: UInt16
    private let listener: Int32
    private let lock = NSLock()
    private var started = false, stopped = false
    private let finished = DispatchSemaphore(value: 0)

    /// Opens the listener; `server` names it in an error. Nothing is accepted before `start`.
    init(for server: String) throws {
        let opened = try LoopbackListener.open(for: server)
        listener = opened.descriptor
        port = opened.port
    }

    deinit { stop() }

    var isStopped: Bool { lock.withLock { stopped } }

    /// Serves each connection with `handle`, then closes it.
    func start(_ handle: @escaping @Sendable (_ connection: Int32) -> Void) {
        lock.withLock { started = true }
        Thread { [self] in serve(handle) }.start()
    }

    func stop() {
        let (wasOpen, wasStarted) = lock.withLock {
            let open = !stopped
            stopped = true
            return (open, started)
        }
        guard wasOpen else { return }
        if wasStarted { finished.wait() }
        close(listener)
    }

    private func serve(_ handle: (Int32) -> Void) {
        defer { finished.signal() }
        while !isStopped {
            var poller = pollfd(fd: listener, events: Int16(POLLIN), revents: 0)
            guard poll(&poller, 1, 50) > 0 else { continue }
            let connection = accept(listener, nil, nil)
            guard connection >= 0 else { continue }
            handle(connection)
            close(connection)
        }
    }
}
