import CoreMetrics
import Synchronization
import Verification

/// The token rows a node has read or written, by id, each with its version: a decision computes from the kept row
/// and sends only the compare-and-set, so a warm decision is one round trip. A kept row may be stale (another node
/// moved, resealed or deleted the token): the compare-and-set then matches nothing, the row is dropped, and the
/// decision is made again on a fresh read. Bounded: when full, an arbitrary row makes room (it is only a hint).
final class KeptTokenRows: Sendable {
    struct Figures: Sendable {
        var reused = 0
        var read = 0
    }

    private let state = Mutex<(rows: [String: VerifierToken], figures: Figures)>(([:], Figures()))
    let capacity: Int
    /// `otpkit_db_token_rows_total{source="kept"}` and `{source="read"}`.
    private let reusedCounter: CoreMetrics.Counter, readCounter: CoreMetrics.Counter

    init(capacity: Int, reused: CoreMetrics.Counter, read: CoreMetrics.Counter) {
        self.capacity = max(0, capacity)
        reusedCounter = reused
        readCounter = read
    }

    var figures: Figures { state.withLock { $0.figures } }

    /// The kept row of `id`, counted as reused (or as a read to come when there is none).
    func row(_ id: String) -> VerifierToken? {
        let row = state.withLock { state in
            let row = state.rows[id]
            if row == nil { state.figures.read += 1 } else { state.figures.reused += 1 }
            return row
        }
        (row == nil ? readCounter : reusedCounter).increment()
        return row
    }

    /// Keeps `token` as read or as just written, unless a newer version of it is kept already.
    func keep(_ token: VerifierToken) {
        guard capacity > 0 else { return }
        state.withLock { state in
            if let kept = state.rows[token.id], kept.version > token.version { return }
            if state.rows[token.id] == nil, state.rows.count >= capacity { state.rows.remove(at: state.rows.startIndex) }
            state.rows[token.id] = token
        }
    }

    /// After a lost compare-and-set from `version`: a newer row kept meanwhile (this node's own write) is the one
    /// to decide on next; otherwise the row goes (another node moved the token: read it again).
    func drop(_ id: String, unlessNewerThan version: Int64) {
        state.withLock { state in
            if let kept = state.rows[id], kept.version > version { return }
            state.rows.removeValue(forKey: id)
        }
    }

    func drop(_ id: String) {
        _ = state.withLock { $0.rows.removeValue(forKey: id) }
    }

    func dropAll() {
        state.withLock { $0.rows.removeAll() }
    }
}
