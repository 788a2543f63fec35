import CoreMetrics
import Synchronization
import Verification

/// The token rows a node has read or written, by id, each with its version: a decision computes from the kept row
/// and sends only the compare-and-set, so a warm decision is one round trip. A kept row may be stale (another node
/// moved, resealed or deleted the token): the compare-and-set then matches nothing, the row is dropped, and the
/// decision is made again on a fresh read. Bounded: when full, an arbitrary row makes room (it is only a hint).
///
/// Users are kept the same way: which tokens a user owns, their PIN and whether PINs are in use, as a login read them
/// (also a user who owns nothing: a login for an unknown name then costs what one for a known name does). A kept
/// login is built from the kept rows, so it has their latest versions; its write checks the user in the same
/// statement (`DecisionStatements.userUnchanged`), so a token assigned, unassigned or moved, or a PIN changed, on
/// another node makes the login read again.
final class KeptTokenRows: Sendable {
    struct Figures: Sendable {
        var reused = 0
        var read = 0
    }

    /// A user as a login read them.
    fileprivate struct KeptUser {
        var tokenIDs: [String]
        var pin: PINHash?
        var pinsInUse: Bool
    }

    fileprivate struct State {
        var rows: [String: VerifierToken] = [:]
        var users: [String: KeptUser] = [:]
        var figures = Figures()
    }

    private let state = Mutex(State())
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
        state.withLock { $0.keep(token, capacity: capacity) }
    }

    /// The login of `user` as kept: every token the user owned, from its kept row; nil when a row is gone or no longer
    /// the user's (read again).
    func login(_ user: String) -> UserLogin? {
        let login = state.withLock { state -> UserLogin? in
            guard let kept = state.users[user] else { return nil }
            var tokens: [VerifierToken] = []
            for id in kept.tokenIDs {
                guard let row = state.rows[id], row.user == user else {
                    state.users.removeValue(forKey: user)
                    return nil
                }
                tokens.append(row)
            }
            state.figures.reused += tokens.count
            return UserLogin(tokens: tokens, pin: kept.pin, pinsInUse: kept.pinsInUse, isKept: true)
        }
        if let login, !login.tokens.isEmpty { reusedCounter.increment(by: login.tokens.count) }
        return login
    }

    /// Keeps a login read for `user`, with its token rows.
    func keep(_ login: UserLogin, of user: String) {
        guard capacity > 0 else { return }
        state.withLock { state in
            for token in login.tokens { state.keep(token, capacity: capacity) }
            if state.users[user] == nil, state.users.count >= capacity { state.users.remove(at: state.users.startIndex) }
            state.users[user] = KeptUser(tokenIDs: login.tokens.map(\.id), pin: login.pin, pinsInUse: login.pinsInUse)
        }
    }

    /// Forgets what is kept of `user` (their login's write found them changed, or their PIN changed here).
    func dropUser(_ user: String) {
        _ = state.withLock { $0.users.removeValue(forKey: user) }
    }

    /// Forgets every kept user (whether PINs are in use may have changed).
    func dropAllUsers() {
        state.withLock { $0.users.removeAll() }
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
        state.withLock {
            $0.rows.removeAll()
            $0.users.removeAll()
        }
    }
}

private extension KeptTokenRows.State {
    /// Keeps `token` unless a newer version is kept; a token that changed owners here takes both users' logins along.
    mutating func keep(_ token: VerifierToken, capacity: Int) {
        if let kept = rows[token.id] {
            if kept.version > token.version { return }
            if kept.user != token.user {
                if let user = kept.user { users.removeValue(forKey: user) }
                if let user = token.user { users.removeValue(forKey: user) }
            }
        } else if rows.count >= capacity {
            rows.remove(at: rows.startIndex)
        }
        rows[token.id] = token
    }
}
