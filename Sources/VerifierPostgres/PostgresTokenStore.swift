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

    private static let columns = #"id, kind, period, algorithm, digits, counter, last_step, "window", sync_window, failures, "#
        + "locked_at, pending_counter, pending_since, key_id, sealed, issuer, version, time_drift, user_name, resync_required"

    public func token(id: String) async throws(VerifierError) -> VerifierToken? {
        let token = try await client.withSession { (session) throws(VerifierError) in
            let rows = try await session.query("SELECT \(Self.columns) FROM tokens WHERE id = $1", [PostgresData(string: id)])
            return try rows.first.map { (row) throws(VerifierError) in try Self.token(from: row) }
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
            for row in try await session.query("SELECT \(Self.columns) FROM tokens ORDER BY id") { tokens.append(try Self.token(from: row)) }
            return tokens
        }
    }

    /// The compare-and-set and its event row in one statement (so one round trip and one implicit transaction):
    /// the INSERT adds a row only when the UPDATE matched, and its count says whether it did. `$23`, when given, is
    /// the sealed box the row must still hold (a decision's update; a reseal changes it and passes none).
    private static let update = """
        WITH changed AS (
            UPDATE tokens SET kind = $2, period = $3, algorithm = $4, digits = $5, counter = $6, last_step = $7,
                "window" = $8, sync_window = $9, failures = $10, locked_at = $11, pending_counter = $12,
                pending_since = $13, key_id = $14, sealed = $15, issuer = $16, version = version + 1, time_drift = $18,
                user_name = $19, resync_required = $20
            WHERE id = $1 AND version = $17 AND ($23::bytea IS NULL OR sealed = $23)
            RETURNING id)
        INSERT INTO events (at, token, event) SELECT $21, id, $22 FROM changed RETURNING id
        """

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
                        try await session.query("UPDATE radius_clients SET key_id = $1, sealed = $2 WHERE name = $3",
                                          [PostgresData(string: client.sealedSecret.keyID), PostgresData(bytes: client.sealedSecret.box), PostgresData(string: client.name)])
                    }
                    // A token added since the caller read them all is still under the old key: roll back, read again.
                    let others = try await session.query("SELECT ((SELECT count(*) FROM tokens WHERE key_id <> $1) + (SELECT count(*) FROM radius_clients WHERE key_id <> $1))::bigint",
                                                   [PostgresData(string: masterKeyID)])
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
        let rows = try await session.query(update, values(token) + [PostgresData(double: Date().timeIntervalSince1970), PostgresData(string: event),
                                                                    sameSealedBox ? PostgresData(bytes: token.sealedSecret.box) : .null])
        guard let row = rows.first else { return false }
        try await trimEvents(after: try PostgresRows.int(row, 0), session: session)
        return true
    }

    public func insert(_ tokens: [VerifierToken], sealedUnder masterKeyID: String) async throws(VerifierError) {
        try await client.withSession { (session) throws(VerifierError) in
            try await session.transaction { () throws(VerifierError) in
                // The first seal claims the store for its key; FOR SHARE holds the row until commit, so a rotation
                // (which updates it) waits for this insert, or this insert sees the rotation's key.
                try await session.query("INSERT INTO master_key (key_id) VALUES ($1) ON CONFLICT (singleton) DO NOTHING", [PostgresData(string: masterKeyID)])
                let current = try PostgresRows.text(try await session.query("SELECT key_id FROM master_key FOR SHARE").first, 0)
                guard current == masterKeyID else { throw VerifierError.masterKeyRetired(sealingKeyID: masterKeyID, storeKeyID: current) }
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
                INSERT INTO events (at, token, event) SELECT $1, id, 'require_resync' FROM marked
                """, [PostgresData(double: Date().timeIntervalSince1970)])
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
        try await session.query("INSERT INTO master_key (key_id) VALUES ($1) ON CONFLICT (singleton) DO UPDATE SET key_id = excluded.key_id",
                          [PostgresData(string: id)])
    }

    private static func insert(_ tokens: [VerifierToken], session: PostgresSession) async throws(VerifierError) {
        let placeholders = (1...20).map { "$\($0)" }.joined(separator: ", ")
        for token in tokens {
            let inserted = try await session.query("INSERT INTO tokens (\(columns)) VALUES (\(placeholders)) ON CONFLICT (id) DO NOTHING",
                                             values(token))
            if inserted.metadata.rows != 1 { throw VerifierError.duplicateToken(token.id) }
        }
    }

    public func delete(id: String) async throws(VerifierError) -> Bool {
        defer { kept.drop(id) }
        return try await client.withSession { (session) throws(VerifierError) in
            try await session.query("DELETE FROM tokens WHERE id = $1", [PostgresData(string: id)]).metadata.rows == 1
        }
    }

    public func recordEvent(tokenID: String, event: String) async throws(VerifierError) {
        try await client.withSession { (session) throws(VerifierError) in
            let rows = try await session.query("INSERT INTO events (at, token, event) VALUES ($1, $2, $3) RETURNING id",
                                         [PostgresData(double: Date().timeIntervalSince1970), PostgresData(string: String(tokenID.prefix(128))),
                                          PostgresData(string: event)])
            try await Self.trimEvents(after: try PostgresRows.int(rows.first, 0), session: session)
        }
    }

    public func pruneEvents(before date: Date) async throws(VerifierError) -> Int {
        try await client.withSession { (session) throws(VerifierError) in
            try await session.query("DELETE FROM events WHERE at < $1", [PostgresData(double: date.timeIntervalSince1970)]).metadata.rows ?? 0
        }
    }

    /// Keeps the most recent 100,000 event rows (a bounded record for investigations; the audit log has them all).
    private static func trimEvents(after id: Int64, session: PostgresSession) async throws(VerifierError) {
        if id % 1000 == 0 { try await session.query("DELETE FROM events WHERE id <= $1", [PostgresData(int64: id - 100_000)]) }
    }

    // MARK: Users

    /// One statement, one round trip: the user's tokens (none: one row of nulls), the PIN and whether any user has one.
    private static let login = """
        SELECT \(columns.split(separator: ",").map { "t." + $0.trimmingCharacters(in: .whitespaces) }.joined(separator: ", ")),
            p.pin, EXISTS (SELECT 1 FROM user_pins)
        FROM (SELECT 1) AS one
        LEFT JOIN tokens t ON t.user_name = $1
        LEFT JOIN user_pins p ON p.user_name = $1
        ORDER BY t.id
        """

    public func login(user: UserName) async throws(VerifierError) -> UserLogin {
        try await client.withSession { (session) throws(VerifierError) in
            let rows = try await session.query(Self.login, [PostgresData(string: user.text)])
            var owned: [VerifierToken] = []
            for row in rows where try PostgresRows.optionalText(row, 0) != nil { owned.append(try Self.token(from: row)) }
            let pin = try PostgresRows.optionalText(rows.first, 20).map { (text) throws(VerifierError) in try PINHash(encoded: text) }
            return UserLogin(tokens: owned, pin: pin, pinsInUse: try PostgresRows.bool(rows.first, 21))
        }
    }

    public func setPIN(_ pin: PINHash?, user: UserName) async throws(VerifierError) -> Bool {
        try await client.withSession { (session) throws(VerifierError) in
            try await session.transaction { () throws(VerifierError) in
                let existed = try await session.query("DELETE FROM user_pins WHERE user_name = $1", [PostgresData(string: user.text)]).metadata.rows == 1
                if let pin {
                    try await session.query("INSERT INTO user_pins (user_name, pin, changed) VALUES ($1, $2, $3)",
                                      [PostgresData(string: user.text), PostgresData(string: pin.encoded), PostgresData(double: Date().timeIntervalSince1970)])
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
                try await session.query("INSERT INTO master_key (key_id) VALUES ($1) ON CONFLICT (singleton) DO NOTHING", [PostgresData(string: masterKeyID)])
                let current = try PostgresRows.text(try await session.query("SELECT key_id FROM master_key FOR SHARE").first, 0)
                guard current == masterKeyID else { throw VerifierError.masterKeyRetired(sealingKeyID: masterKeyID, storeKeyID: current) }
                let inserted = try await session.query("""
                    INSERT INTO radius_clients (name, address, message_authenticator, key_id, sealed, created)
                    VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (name) DO NOTHING
                    """, [PostgresData(string: client.name), PostgresData(string: client.address), PostgresData(string: client.messageAuthenticator.rawValue),
                          PostgresData(string: client.sealedSecret.keyID), PostgresData(bytes: client.sealedSecret.box),
                          PostgresData(double: client.created.timeIntervalSince1970)])
                if inserted.metadata.rows != 1 { throw VerifierError.duplicateRADIUSClient(client.name) }
            }
        }
    }

    public func removeRADIUSClient(name: String) async throws(VerifierError) -> Bool {
        try await client.withSession { (session) throws(VerifierError) in
            try await session.query("DELETE FROM radius_clients WHERE name = $1", [PostgresData(string: name)]).metadata.rows == 1
        }
    }

    // MARK: Rows

    /// Counters are unsigned 64-bit; PostgreSQL's BIGINT is signed: the bit pattern is stored.
    private static func values(_ token: VerifierToken) -> [PostgresData] {
        let period: Int64? = switch token.kind {
        case .hotp: nil
        case .totp(let seconds): Int64(seconds)
        }
        return [
            PostgresData(string: token.id), PostgresData(string: token.kind == .hotp ? "hotp" : "totp"), PostgresRows.optional(period),
            PostgresData(string: token.algorithm.rawValue), PostgresData(int64: Int64(token.digits)),
            PostgresData(int64: Int64(bitPattern: token.counter)), PostgresRows.optional(token.lastTimeStep.map { Int64(bitPattern: $0) }),
            PostgresData(int64: Int64(token.window)), PostgresData(int64: Int64(token.syncWindow)), PostgresData(int64: Int64(token.failures)),
            PostgresRows.optional(token.lockedAt?.timeIntervalSince1970),
            PostgresRows.optional(token.pendingResync.map { Int64(bitPattern: $0.counter) }),
            PostgresRows.optional(token.pendingResync?.since.timeIntervalSince1970),
            PostgresData(string: token.sealedSecret.keyID), PostgresData(bytes: token.sealedSecret.box), PostgresRows.optional(token.issuer),
            PostgresData(int64: token.version), PostgresData(int64: Int64(token.timeDrift)), PostgresRows.optional(token.user),
            PostgresData(bool: token.resyncRequired),
        ]
    }

    private static func token(from row: PostgresRow) throws(VerifierError) -> VerifierToken {
        let id = try PostgresRows.text(row, 0)
        guard let algorithm = OTPAlgorithm(rawValue: try PostgresRows.text(row, 3)) else { throw .storage("token \(id) has an unknown algorithm") }
        let kind: VerifierToken.Kind = try PostgresRows.text(row, 1) == "totp" ? .totp(period: Int(try PostgresRows.int(row, 2))) : .hotp
        var token = VerifierToken(id: id, kind: kind, algorithm: algorithm, digits: Int(try PostgresRows.int(row, 4)),
                                  counter: UInt64(bitPattern: try PostgresRows.int(row, 5)), window: Int(try PostgresRows.int(row, 7)),
                                  syncWindow: Int(try PostgresRows.int(row, 8)),
                                  sealedSecret: SealedSecret(keyID: try PostgresRows.text(row, 13), box: try PostgresRows.bytes(row, 14)),
                                  issuer: try PostgresRows.optionalText(row, 15))
        token.lastTimeStep = try PostgresRows.optionalInt(row, 6).map { UInt64(bitPattern: $0) }
        token.failures = Int(try PostgresRows.int(row, 9))
        token.lockedAt = try PostgresRows.optionalDouble(row, 10).map { Date(timeIntervalSince1970: $0) }
        if let pending = try PostgresRows.optionalInt(row, 11), let since = try PostgresRows.optionalDouble(row, 12) {
            token.pendingResync = .init(counter: UInt64(bitPattern: pending), since: Date(timeIntervalSince1970: since))
        }
        token.version = try PostgresRows.int(row, 16)
        token.timeDrift = Int(try PostgresRows.int(row, 17))
        token.user = try PostgresRows.optionalText(row, 18)
        token.resyncRequired = try PostgresRows.bool(row, 19)
        return token
    }
}
