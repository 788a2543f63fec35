import NIOPosix
import Verifier

/// Where the front ends (HTTP and RADIUS) run blocking store work (SQLite commits with fsync, PostgreSQL round
/// trips): a thread pool, off the event loops and the cooperative threads; decisions also feed /healthz.
struct BlockingWork: Sendable {
    let threads: NIOThreadPool
    let health: ServerHealth

    func run<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await threads.runIfActive(work)
    }

    /// Work that decides or changes something: its store failures (or success) feed /healthz.
    func deciding<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        do {
            let result = try await run(work)
            health.noteDecision(nil)
            return result
        } catch let error as VerifierError {
            health.noteDecision(error)
            throw error
        }
    }
}
