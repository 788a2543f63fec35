import NIOPosix
import Synchronization

/// Imports run here, on threads of their own: parsing a PSKC file may cost seconds of PBKDF2, and on the threads
/// that verification uses it would hold every verification behind it. Beyond the threads, `maxPending` imports may
/// wait; one more is refused at once (503 `imports_busy`) rather than queued with its body for minutes.
final class ImportGate: Sendable {
    /// Where the threads are in their life. A server that fails to start (a port taken) shuts them down while its
    /// start may still be on its way: a start after the shutdown, or a shutdown before the start, must do nothing
    /// (`NIOThreadPool` traps on a start after a shutdown).
    private enum Lifecycle {
        case notStarted
        case running
        case shutDown
    }

    private let threads: NIOThreadPool
    private let limit: Int
    private let inFlight = Atomic<Int>(0)
    private let lifecycle = Mutex(Lifecycle.notStarted)

    init(threads: Int, maxPending: Int) {
        self.threads = NIOThreadPool(numberOfThreads: max(1, threads))
        self.limit = max(1, threads) + max(0, maxPending)
    }

    /// Starts the threads once; does nothing after `shutdown()`.
    func start() {
        lifecycle.withLock { state in
            guard case .notStarted = state else { return }
            threads.start()
            state = .running
        }
    }

    /// Stops the threads once (after the work queued); a gate never started just stays closed.
    func shutdown() {
        lifecycle.withLock { state in
            if case .running = state { threads.shutdownGracefully { _ in } }
            state = .shutDown
        }
    }

    func run<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        guard inFlight.add(1, ordering: .relaxed).newValue <= limit else {
            inFlight.subtract(1, ordering: .relaxed)
            throw APIError.importsBusy
        }
        defer { inFlight.subtract(1, ordering: .relaxed) }
        return try await threads.runIfActive(work)
    }
}
