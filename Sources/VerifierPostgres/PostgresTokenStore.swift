import Foundation
import MasterKeys
import OTPCore
import PostgresNIO
import Verification

/// The token store shared by several verifier nodes.
///
/// A decision is one statement on a warm node: the token comes from the rows this node keeps (`KeptTokenRows`, filled
/// by every read and write), and the compare-and-set `UPDATE ... WHERE id = $n AND version = $m AND sealed = $s`,
/// which carries the counter, failures, lockout, resync state and TOTP step at once, inserts the decision's event row
/// in the same statement (one round trip, one implicit transaction). Of concurrent updates on any nodes exactly one
/// matches; the others change nothing, drop their kept row, read the token again and decide again. A kept row is
/// never trusted beyond that compare-and-set: a token moved, unlocked or reassigned elsewhere has another version; a
/// token deleted has no row; one deleted and imported again has a new sealed box (a fresh nonce) even if its version
/// repeats. An update returns only after PostgreSQL committed it, which with the default `synchronous_commit = on`
/// means the WAL is flushed to disk (and, with synchronous standbys configured, on them too); a server set to `off`
/// could lose acknowledged decisions in a crash.
public final class PostgresTokenStore: TokenStore {
    public let client: PostgresStoreClient
    private let kept: KeptTokenRows

    /// A store over `client` (which must be running: as a service, or `startInBackground()`); call `migrate` before
    /// first use (the CLI does on every open).
    public init(client: PostgresStoreClient) {
        self.client = client
        kept = KeptTokenRows(capacity: client.settings.keptTokenRows, reused: client.metrics.keptRows, read: client.metrics.readRows)
    }

    public func migrate() async throws(VerifierError) -> MigrationReport {
        try await PostgresSchema.migrate(client)
    }

    /// Decisions answered from a kept row, and those that had to read the token first (for /metrics).
    public var keptRowFigures: (reused: Int, read: Int) {
        let figures = kept.figures
        return (figures.reused, figures.read)
    }

    public func token(id: String) async throws(VerifierError) -> VerifierToken? {
        let token = try await client.withSession { (session) throws(VerifierError) in
            try await session.execute(DecisionStatements.TokenByID(id: id)).first
        }
        if let token { kept.keep(token) } else { kept.drop(id) }
        return token
    }

    /// The kept row when there is one (no round trip), else a read (see the type's note on why that is safe).
    public func tokenForDecision(id: String) async throws(VerifierError) -> VerifierToken? {
        if let row = kept.row(id) { return row }
        return try await token(id: id)
    }

    public func allTokens() async throws(VerifierError) -> [VerifierToken] {
        try await client.withSession { (session) throws(VerifierError) in
            var tokens: [VerifierToken] = []
            for row in try await session.query("SELECT \(unescaped: PostgresTokenRow.columns) FROM tokens ORDER BY id") {
                tokens.append(try PostgresTokenRow.token(from: row))
            }
            return tokens
        }
    }

    public func update(_ token: VerifierToken, event: String) async throws(VerifierError) -> Bool {
        let stored: Bool
        do throws(VerifierError) {
            stored = try await client.withSession { (session) throws(VerifierError) in
                try await Self.update(token, event: event, sameSealedBox: true, session: session)
            }
        } catch {
            kept.drop(token.id)  // committed or not: unknown, so read it next time
            throw error
        }
        noteWrite(of: token, stored: stored)
        return stored
    }

    /// Several compare-and-sets in one transaction (one commit), each with its event row.
    public func update(_ updates: [(token: VerifierToken, event: String)]) async throws(VerifierError) -> [Bool] {
        guard updates.count > 1 else { return updates.isEmpty ? [] : [try await update(updates[0].token, event: updates[0].event)] }
        let matched: [Bool]
        do throws(VerifierError) {
            matched = try await client.withSession { (session) throws(VerifierError) in
                try await session.transaction { () throws(VerifierError) in
                    var matched: [Bool] = []
                    for update in updates {
                        matched.append(try await Self.update(update.token, event: update.event, sameSealedBox: true, session: session))
                    }
                    return matched
                }
            }
        } catch {
            for update in updates { kept.drop(update.token.id) }
            throw error
        }
        for (update, stored) in zip(updates, matched) { noteWrite(of: update.token, stored: stored) }
        return matched
    }

    /// Keeps the row a compare-and-set wrote, or drops the kept row that lost one (unless a newer one is kept).
    private func noteWrite(of token: VerifierToken, stored: Bool) {
        if stored {
            var written = token
            written.version += 1
            kept.keep(written)
        } else {
            kept.drop(token.id, unlessNewerThan: token.version)
        }
    }

    public func reseal(_ tokens: [VerifierToken], clients: [RADIUSClientRecord], to masterKeyID: String) async throws(VerifierError) -> Bool {
        defer { kept.dropAll() }
        return try await client.withSession { (session) throws(VerifierError) in
            do throws(VerifierError) {
                return try await session.transaction { () throws(VerifierError) in
                    // The key row first: an insert holding it (FOR SHARE) finishes before, one after waits and sees the new key.
                    try await Self.recordMasterKey(masterKeyID, session: session)
                    for token in tokens where try await !Self.update(token, event: "reseal", sameSealedBox: false, session: session) {
                        throw VerifierError.contention(token.id)
                    }
                    for client in clients {
                        try await session.query("""
                            UPDATE radius_clients SET key_id = \(client.sealedSecret.keyID), sealed = \(ByteBuffer(bytes: client.sealedSecret.box))
                            WHERE name = \(client.name)
                            """)
                    }
                    // A token added since the caller read them all is still under the old key: roll back, read again.
                    let others = try await session.query("""
                        SELECT ((SELECT count(*) FROM tokens WHERE key_id <> \(masterKeyID))
                            + (SELECT count(*) FROM radius_clients WHERE key_id <> \(masterKeyID)))::bigint
                        """)
                    guard try PostgresRows.int(others.first, 0) == 0 else { throw VerifierError.contention("(all)") }
                    return true
                }
            } catch {
                if case .contention = error { return false }
                throw error
            }
        }
    }

    private static func update(_ token: VerifierToken, event: String, sameSealedBox: Bool, session: PostgresSession) async throws(VerifierError) -> Bool {
        guard let event = try await session.execute(DecisionStatements.CompareAndSet(token: token, event: event, sameSealedBox: sameSealedBox)).first else {
            return false
        }
        try await trimEvents(after: event, session: session)
        return true
    }

    public func insert(_ tokens: [VerifierToken], sealedUnder masterKeyID: String) async throws(VerifierError) {
        try await client.withSession { (session) throws(VerifierError) in
            try await session.transaction { () throws(VerifierError) in
                // The first seal claims the store for its key; FOR SHARE holds the row until commit, so a rotation
                // (which updates it) waits for this insert, or this insert sees the rotation's key.
                try await Self.claimStore(for: masterKeyID, session: session)
                try await Self.insert(tokens, session: session)
            }
        }
    }

    public func replaceAll(with tokens: [VerifierToken], sealedUnder masterKeyID: String?) async throws(VerifierError) {
        defer { kept.dropAll() }
        try await client.withSession { (session) throws(VerifierError) in
            try await session.transaction { () throws(VerifierError) in
                try await session.query("DELETE FROM tokens")
                if let masterKeyID { try await Self.recordMasterKey(masterKeyID, session: session) }
                try await Self.insert(tokens, session: session)
            }
        }
    }

    /// One statement: the tokens marked and their event rows; every kept row is dropped (their versions moved on).
    public func requireResyncOfAllHOTPTokens() async throws(VerifierError) -> Int {
        defer { kept.dropAll() }
        return try await client.withSession { (session) throws(VerifierError) in
            let rows = try await session.query("""
                WITH marked AS (
                    UPDATE tokens SET resync_required = TRUE, pending_counter = NULL, pending_since = NULL, version = version + 1
                    WHERE kind = 'hotp' RETURNING id)
                INSERT INTO events (at, token, event) SELECT \(Date().timeIntervalSince1970), id, 'require_resync' FROM marked
                """)
            try await session.query("DELETE FROM events WHERE id <= (SELECT max(id) - 100000 FROM events)")
            return rows.metadata.rows ?? 0
        }
    }

    public func masterKeyID() async throws(VerifierError) -> String? {
        try await client.withSession { (session) throws(VerifierError) in
            try await session.query("SELECT key_id FROM master_key").first.map { (row) throws(VerifierError) in try PostgresRows.text(row, 0) }
        }
    }

    public func sealingKeyIDs() async throws(VerifierError) -> Set<String> {
        try await client.withSession { (session) throws(VerifierError) in
            var ids: Set<String> = []
            for row in try await session.query("SELECT key_id FROM tokens UNION SELECT key_id FROM radius_clients") { ids.insert(try PostgresRows.text(row, 0)) }
            return ids
        }
    }

    private static func recordMasterKey(_ id: String, session: PostgresSession) async throws(VerifierError) {
        try await session.query("INSERT INTO master_key (key_id) VALUES (\(id)) ON CONFLICT (singleton) DO UPDATE SET key_id = excluded.key_id")
    }

    /// The first seal claims the store for its key; FOR SHARE holds the row until commit, so a rotation (which
    /// updates it) waits for the caller's insert, or the insert sees the rotation's key and is refused.
    private static func claimStore(for masterKeyID: String, session: PostgresSession) async throws(VerifierError) {
        try await session.query("INSERT INTO master_key (key_id) VALUES (\(masterKeyID)) ON CONFLICT (singleton) DO NOTHING")
        let current = try PostgresRows.text(try await session.query("SELECT key_id FROM master_key FOR SHARE").first, 0)
        guard current == masterKeyID else { throw VerifierError.masterKeyRetired(sealingKeyID: masterKeyID, storeKeyID: current) }
    }

    private static func insert(_ tokens: [VerifierToken], session: PostgresSession) async throws(VerifierError) {
        let sql = "INSERT INTO tokens (\(PostgresTokenRow.columns)) VALUES (\((1...20).map { "$\($0)" }.joined(separator: ", "))) ON CONFLICT (id) DO NOTHING"
        for token in tokens {
            var bindings = PostgresBindings(capacity: 20)
            PostgresTokenRow.bind(token, into: &bindings)
            let inserted = try await session.query(PostgresQuery(unsafeSQL: sql, binds: bindings))
            if inserted.metadata.rows != 1 { throw VerifierError.duplicateToken(token.id) }
        }
    }

    public func delete(id: String) async throws(VerifierError) -> Bool {
        defer { kept.drop(id) }
        return try await client.withSession { (session) throws(VerifierError) in
            try await session.query("DELETE FROM tokens WHERE id = \(id)").metadata.rows == 1
        }
    }

    public func recordEvent(tokenID: String, event: String) async throws(VerifierError) {
        try await client.withSession { (session) throws(VerifierError) in
            let id = try await session.execute(DecisionStatements.Event(tokenID: tokenID, event: event)).first
            try await Self.trimEvents(after: try id.orMissingRow(), session: session)
        }
    }

    public func pruneEvents(before date: Date) async throws(VerifierError) -> Int {
        try await client.withSession { (session) throws(VerifierError) in
            try await session.query("DELETE FROM events WHERE at < \(date.timeIntervalSince1970)").metadata.rows ?? 0
        }
    }

    /// Keeps the most recent 100,000 event rows (a bounded record for investigations; the audit log has them all).
    private static func trimEvents(after id: Int64, session: PostgresSession) async throws(VerifierError) {
        if id % 1000 == 0 { try await session.query("DELETE FROM events WHERE id <= \(id - 100_000)") }
    }

    // MARK: Users

    /// One statement, one round trip (`DecisionStatements.Login`); the login is kept, so the user's next login on this
    /// node reads nothing (see `KeptTokenRows`).
    public func login(user: UserName) async throws(VerifierError) -> UserLogin {
        let login = try await client.withSession { (session) throws(VerifierError) in
            let rows = try await session.execute(DecisionStatements.Login(user: user.text))
            var owned: [VerifierToken] = []
            for row in rows where try PostgresRows.optionalText(row, 0) != nil { owned.append(try PostgresTokenRow.token(from: row)) }
            let pin = try PostgresRows.optionalText(rows.first, 20).map { (text) throws(VerifierError) in try PINHash(encoded: text) }
            return UserLogin(tokens: owned, pin: pin, pinsInUse: try PostgresRows.bool(rows.first, 21))
        }
        kept.keep(login, of: user.text)
        return login
    }

    public func keptLogin(user: UserName) -> UserLogin? {
        kept.login(user.text)
    }

    /// A read login writes as any decision does. A kept one checks the user in the statement that writes: one
    /// statement for one token or for a user who owns none; with several tokens, first in their transaction.
    public func writeLogin(_ updates: [(token: VerifierToken, event: String)], orEvent: (tokenID: String, event: String), user: UserName,
                           decidedOn login: UserLogin) async throws(VerifierError) -> [Bool]? {
        guard login.isKept else { return try await writeReadLogin(updates, orEvent: orEvent) }
        let written: [Bool]?
        do throws(VerifierError) {
            written = try await client.withSession { (session) throws(VerifierError) -> [Bool]? in
                switch updates.count {
                case 0:
                    let answer = try await session.execute(DecisionStatements.LoginEvent(tokenID: orEvent.tokenID, event: orEvent.event, user: user, login: login))
                    guard let answer = answer.first, answer.userUnchanged else { return nil }
                    try await Self.trimEvents(after: try answer.event.orMissingRow(), session: session)
                    return []
                case 1:
                    let answer = try await session.execute(DecisionStatements.LoginCompareAndSet(token: updates[0].token, event: updates[0].event,
                                                                                               user: user, login: login))
                    guard let answer = answer.first, answer.userUnchanged else { return nil }
                    if let event = answer.event { try await Self.trimEvents(after: event, session: session) }
                    return [answer.event != nil]
                default:
                    do throws(VerifierError) {
                        return try await session.transaction { () throws(VerifierError) in
                            guard try await session.execute(DecisionStatements.UserUnchanged(user: user, login: login)).first == true else {
                                throw VerifierError.contention("user " + user.text)
                            }
                            var matched: [Bool] = []
                            for update in updates {
                                matched.append(try await Self.update(update.token, event: update.event, sameSealedBox: true, session: session))
                            }
                            return matched
                        }
                    } catch {
                        if case .contention = error { return nil }
                        throw error
                    }
                }
            }
        } catch {
            kept.dropUser(user.text)
            for update in updates { kept.drop(update.token.id) }
            throw error
        }
        guard let written else {
            kept.dropUser(user.text)
            return nil
        }
        for (update, stored) in zip(updates, written) { noteWrite(of: update.token, stored: stored) }
        return written
    }

    /// Every kept login goes: the user's PIN changed, and whether PINs are in use may have.
    public func setPIN(_ pin: PINHash?, user: UserName) async throws(VerifierError) -> Bool {
        defer { kept.dropAllUsers() }
        return try await client.withSession { (session) throws(VerifierError) in
            try await session.transaction { () throws(VerifierError) in
                let existed = try await session.query("DELETE FROM user_pins WHERE user_name = \(user.text)").metadata.rows == 1
                if let pin {
                    try await session.query("INSERT INTO user_pins (user_name, pin, changed) VALUES (\(user.text), \(pin.encoded), \(Date().timeIntervalSince1970))")
                }
                return existed
            }
        }
    }

    // MARK: RADIUS clients

    public func radiusClients() async throws(VerifierError) -> [RADIUSClientRecord] {
        try await client.withSession { (session) throws(VerifierError) in
            var clients: [RADIUSClientRecord] = []
            for row in try await session.query("SELECT name, address, message_authenticator, key_id, sealed, created FROM radius_clients ORDER BY name") {
                let name = try PostgresRows.text(row, 0)
                guard let policy = RADIUSClientRecord.MessageAuthenticator(rawValue: try PostgresRows.text(row, 2)) else {
                    throw VerifierError.storage("RADIUS client \(name) has an unknown Message-Authenticator setting")
                }
                clients.append(RADIUSClientRecord(name: name, address: try PostgresRows.text(row, 1),
                                                  sealedSecret: SealedSecret(keyID: try PostgresRows.text(row, 3), box: try PostgresRows.bytes(row, 4)),
                                                  messageAuthenticator: policy, created: Date(timeIntervalSince1970: try PostgresRows.double(row, 5))))
            }
            return clients
        }
    }

    public func addRADIUSClient(_ client: RADIUSClientRecord, sealedUnder masterKeyID: String) async throws(VerifierError) {
        try await self.client.withSession { (session) throws(VerifierError) in
            try await session.transaction { () throws(VerifierError) in
                // As a token insert: the key row held FOR SHARE until commit, so a rotation waits or is seen.
                try await Self.claimStore(for: masterKeyID, session: session)
                let inserted = try await session.query("""
                    INSERT INTO radius_clients (name, address, message_authenticator, key_id, sealed, created)
                    VALUES (\(client.name), \(client.address), \(client.messageAuthenticator.rawValue), \(client.sealedSecret.keyID),
                        \(ByteBuffer(bytes: client.sealedSecret.box)), \(client.created.timeIntervalSince1970))
                    ON CONFLICT (name) DO NOTHING
                    """)
                if inserted.metadata.rows != 1 { throw VerifierError.duplicateRADIUSClient(client.name) }
            }
        }
    }

    public func removeRADIUSClient(name: String) async throws(VerifierError) -> Bool {
        try await client.withSession { (session) throws(VerifierError) in
            try await session.query("DELETE FROM radius_clients WHERE name = \(name)").metadata.rows == 1
        }
    }
}
