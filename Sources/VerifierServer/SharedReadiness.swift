import Synchronization

/// One readiness check at a time: `/healthz` and Status-Server need no key, so a flood of them must not become a
/// flood of checks (each reads the store). Callers that arrive while a check runs wait for that one and share its
/// answer; a caller arriving after it ended starts the next.
final class SharedReadiness: Sendable {
    private let readiness: ReadinessCheck
    private let running = Mutex<Task<(any Error)?, Never>?>(nil)

    init(_ readiness: ReadinessCheck) {
        self.readiness = readiness
    }

    /// Throws the reason the node is not ready (as `ReadinessCheck.check` does).
    func check() async throws {
        let readiness = self.readiness
        let check = running.withLock { running -> Task<(any Error)?, Never> in
            if let running { return running }
            let started = Task { () -> (any Error)? in
                do { try await readiness.check(); return nil } catch { return error }
            }
            running = started
            return started
        }
        let failure = await check.value
        running.withLock { running in if running == check { running = nil } }
        if let failure { throw failure }
    }

    var isReady: Bool {
        get async { (try? await check()) != nil }
    }
}
