import Synchronization
import Verification

/// A session as the caller of `PostgresStoreClient.withSession` waits for it, while the lease and the body run on a
/// task of their own: first the connection (ended by the lease, by the task's end without one, or by the acquire
/// deadline, whichever comes first; a connection that comes after the deadline runs nothing), then the result (the
/// body's, or an error the session was given up with, whichever comes first).
final class SessionOutcome<T: Sendable>: Sendable {
    private enum Lease {
        case waiting(CheckedContinuation<Void, Never>?)
        case leased, ended, timedOut
    }

    private enum Answer {
        case waiting(CheckedContinuation<T, any Error>?)
        case settled(Result<T, any Error>)
    }

    private struct State {
        var lease = Lease.waiting(nil)
        var answer = Answer.waiting(nil)
        /// Whether the lease was counted as released (once: when the body ends or the session is given up).
        var released = false
    }

    private let state = Mutex(State())

    /// Until the lease, the task's end or the deadline.
    func leasedOrEnded() async {
        await withCheckedContinuation { continuation in
            let waiting = state.withLock { state -> Bool in
                guard case .waiting = state.lease else { return false }
                state.lease = .waiting(continuation)
                return true
            }
            if !waiting { continuation.resume() }
        }
    }

    /// The connection came: true unless the deadline came first.
    func lease() -> Bool { settleLease(.leased) }

    /// The deadline: true when it came first (the caller then cancels the task).
    @Sendable func timeOut() -> Bool { settleLease(.timedOut) }

    /// The body's result, or the error the session was given up with.
    func result() async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            let settled = state.withLock { state -> Result<T, any Error>? in
                if case .settled(let result) = state.answer { return result }
                state.answer = .waiting(continuation)
                return nil
            }
            if let settled { continuation.resume(with: settled) }
        }
    }

    /// The task ended, with the body's result or the lease's error.
    func end(_ result: Result<T, any Error>) {
        _ = settleLease(.ended)
        _ = settle(result)
    }

    /// Ends the caller's wait with `error` unless the body has ended: true when it had not.
    func giveUp(_ error: VerifierError) -> Bool { settle(.failure(error)) }

    /// True the first time: the lease is counted as released once.
    func release() -> Bool {
        state.withLock { state in
            defer { state.released = true }
            return !state.released
        }
    }

    private func settleLease(_ end: Lease) -> Bool {
        let (settled, waiter) = state.withLock { state -> (Bool, CheckedContinuation<Void, Never>?) in
            guard case .waiting(let waiter) = state.lease else { return (false, nil) }
            state.lease = end
            return (true, waiter)
        }
        waiter?.resume()
        return settled
    }

    private func settle(_ result: Result<T, any Error>) -> Bool {
        let (settled, waiter) = state.withLock { state -> (Bool, CheckedContinuation<T, any Error>?) in
            guard case .waiting(let waiter) = state.answer else { return (false, nil) }
            state.answer = .settled(result)
            return (true, waiter)
        }
        waiter?.resume(with: result)
        return settled
    }
}
