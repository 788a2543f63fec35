import Synchronization

/// Decisions on one token within one process take turns: of concurrent decisions on a token all but one would lose
/// their compare-and-set and decide again, so many at once cost a number of store round trips that grows with the
/// square of their count (and a burst on one token could starve the store's connections). In turn, each decides on
/// the row the one before wrote and wins its compare-and-set at the first try; other processes are still caught by
/// the compare-and-set. Tokens are independent: a decision waits only for decisions on its own token.
final class TokenTurns: Sendable {
    private struct Queue {
        var waiting: [CheckedContinuation<Void, Never>] = []
    }

    /// The tokens with a decision under way, and who waits for each.
    private let busy = Mutex<[String: Queue]>([:])

    /// Runs `body` when no other decision on `id` runs in this process.
    func inTurn<T>(_ id: String, _ body: () async throws(VerifierError) -> T) async throws(VerifierError) -> T {
        await withCheckedContinuation { (turn: CheckedContinuation<Void, Never>) in
            let now = busy.withLock { busy -> Bool in
                if busy[id] == nil {
                    busy[id] = Queue()
                    return true
                }
                busy[id]!.waiting.append(turn)
                return false
            }
            if now { turn.resume() }
        }
        defer { passOn(id) }
        return try await body()
    }

    private func passOn(_ id: String) {
        let next = busy.withLock { busy -> CheckedContinuation<Void, Never>? in
            guard var queue = busy[id], !queue.waiting.isEmpty else {
                busy[id] = nil
                return nil
            }
            let next = queue.waiting.removeFirst()
            busy[id] = queue
            return next
        }
        next?.resume()
    }
}
