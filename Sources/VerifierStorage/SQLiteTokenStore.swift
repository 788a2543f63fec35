import CoreMetrics
import Foundation
import MasterKeys
import OTPCore
import Synchronization
import Verification

/// The embedded token store: one SQLite file in WAL mode with `synchronous=FULL`, so a commit is on disk (the WAL
/// fsynced) before `update` returns and before any answer is sent, even across a power loss.
///
/// Writes go to one writer thread that commits decisions in groups (`SQLiteWriter`): decisions arriving while a
/// commit is in flight share the next one, each still its own compare-and-set, `UPDATE ... WHERE id = ? AND
/// version = ?`, answered only once its group is on disk. Reads run on reader threads with connections of their own
/// (`SQLiteReaders`), beside the writer. Several processes may share the file (SQLite's locks serialise writers;
/// the busy timeout waits for them).
public final class SQLiteTokenStore: TokenStore {
    let database: SQLiteDatabase
    /// What opening the file did to its schema (opening migrates it).
    public var migration: MigrationReport { database.migration }

    /// `metrics`: where the writer records `otpkit_store_commits_total`, `otpkit_store_decisions_total` and
    /// `otpkit_store_commit_seconds` (a timer; `commitSecondsBuckets` suits it); by default nowhere. `creating`:
    /// whether a missing file is made; with false, a file gone since the caller looked is refused, never recreated.
    public init(path: String, creating: Bool = true, metrics: any MetricsFactory = NOOPMetricsHandler.instance) throws(VerifierError) {
        database = try SQLiteDatabase(path: path, creating: creating, metrics: metrics)
    }

    /// The buckets `otpkit_store_commit_seconds` wants from a factory that makes histograms.
    public static var commitSecondsBuckets: [Duration] { StoreCounters.commitSecondsBuckets }

    /// The writer's counts since the store opened: commits, and the decisions they carried.
    public var figures: SQLiteStoreFigures { database.counters.figures }

    static let columns = "id, kind, period, algorithm, digits, counter, last_step, window, sync_window, failures, "
        + "locked_at, pending_counter, pending_since, key_id, sealed, issuer, version, time_drift, user_name, resync_required"

    public func token(id: String) async throws(VerifierError) -> VerifierToken? {
        try await database.readers.read { (connection) throws(VerifierError) in
            try connection.withCached("SELECT \(Self.columns) FROM tokens WHERE id = ?") { (query) throws(VerifierError) in
                query.bind([.text(id)])
                return try query.step() ? try Self.token(from: query) : nil
            }
        }
    }

    public func allTokens() async throws(VerifierError) -> [VerifierToken] {
        try await database.readers.read { (connection) throws(VerifierError) in
            let query = try connection.prepare("SELECT \(Self.columns) FROM tokens ORDER BY id")
            query.bind([])
            var tokens: [VerifierToken] = []
            while try query.step() { tokens.append(try Self.token(from: query)) }
            return tokens
        }
    }

    public func update(_ token: VerifierToken, event: String) async throws(VerifierError) -> Bool {
        try await database.writer.decide([.update(token, event: event)])[0]
    }

    /// Several compare-and-sets of one caller, applied in order in one group commit; each answer says whether that
    /// one matched.
    public func update(_ updates: [(token: VerifierToken, event: String)]) async throws(VerifierError) -> [Bool] {
        try await database.writer.decide(updates.map { .update($0.token, event: $0.event) })
    }

    /// Besides the event row, rewrites one row (the schema's), as a token's update does: an unknown token's refusal
    /// then commits as many pages as a known token's, and takes as long.
    public func recordEvent(tokenID: String, event: String) async throws(VerifierError) {
        _ = try await database.writer.decide([.event(tokenID: tokenID, event: event)])
    }

    public func reseal(_ tokens: [VerifierToken], clients: [RADIUSClientRecord], to masterKeyID: String) async throws(VerifierError) -> Bool {
        do {
            return try await database.writer.transaction { (connection) throws(VerifierError) in
                for token in tokens where try !connection.compareAndSet(token, event: "reseal") { throw VerifierError.contention(token.id) }
                let resealClient = try connection.prepare("UPDATE radius_clients SET key_id = ?, sealed = ? WHERE name = ?")
                for client in clients {
                    try resealClient.run([.text(client.sealedSecret.keyID), .blob(client.sealedSecret.box), .text(client.name)])
                }
                let others = try connection.prepare("SELECT (SELECT count(*) FROM tokens WHERE key_id <> ?1) + (SELECT count(*) FROM radius_clients WHERE key_id <> ?1)")
                others.bind([.text(masterKeyID)])
                // A token added since the caller read them all is still under the old key: roll back, read again.
                guard try others.step(), others.integer(0) == 0 else { throw VerifierError.contention("(all)") }
                try connection.recordMasterKey(masterKeyID)
                return true
            }
        } catch {
            // A lost compare-and-set rolled the transaction back: nothing changed.
            if case .contention = error { return false }
            throw error
        }
    }

    public func insert(_ tokens: [VerifierToken], sealedUnder masterKeyID: String) async throws(VerifierError) {
        try await database.writer.transaction { (connection) throws(VerifierError) in
            let current = try connection.currentMasterKey()
            if let current, current != masterKeyID { throw VerifierError.masterKeyRetired(sealingKeyID: masterKeyID, storeKeyID: current) }
            if current == nil { try connection.recordMasterKey(masterKeyID) }
            try connection.insertRows(tokens)
        }
    }

    public func replaceAll(with tokens: [VerifierToken], sealedUnder masterKeyID: String?) async throws(VerifierError) {
        try await database.writer.transaction { (connection) throws(VerifierError) in
            try connection.execute("DELETE FROM tokens")
            if let masterKeyID { try connection.recordMasterKey(masterKeyID) }
            try connection.insertRows(tokens)
        }
    }

    public func requireResyncOfAllHOTPTokens() async throws(VerifierError) -> Int {
        try await database.writer.transaction { (connection) throws(VerifierError) in try connection.requireResyncOfAllHOTPTokens() }
    }

    public func masterKeyID() async throws(VerifierError) -> String? {
        try await database.readers.read { (connection) throws(VerifierError) in try connection.currentMasterKey() }
    }

    public func sealingKeyIDs() async throws(VerifierError) -> Set<String> {
        try await database.readers.read { (connection) throws(VerifierError) in
            let query = try connection.prepare("SELECT key_id FROM tokens UNION SELECT key_id FROM radius_clients")
            query.bind([])
            var ids: Set<String> = []
            while try query.step() { ids.insert(query.text(0)) }
            return ids
        }
    }

    public func delete(id: String) async throws(VerifierError) -> Bool {
        try await database.writer.transaction { (connection) throws(VerifierError) in
            try connection.prepare("DELETE FROM tokens WHERE id = ?").run([.text(id)])
            return connection.changes == 1
        }
    }

    public func pruneEvents(before date: Date) async throws(VerifierError) -> Int {
        try await database.writer.transaction { (connection) throws(VerifierError) in
            try connection.prepare("DELETE FROM events WHERE at < ?").run([.real(date.timeIntervalSince1970)])
            return connection.changes
        }
    }

    // MARK: Users

    public func login(user: UserName) async throws(VerifierError) -> UserLogin {
        try await database.readers.read { (connection) throws(VerifierError) in
            let owned = try connection.withCached("SELECT \(Self.columns) FROM tokens WHERE user_name = ? ORDER BY id") { (tokens) throws(VerifierError) in
                tokens.bind([.text(user.text)])
                var owned: [VerifierToken] = []
                while try tokens.step() { owned.append(try Self.token(from: tokens)) }
                return owned
            }
            return try connection.withCached("SELECT (SELECT pin FROM user_pins WHERE user_name = ?), EXISTS (SELECT 1 FROM user_pins)") { (pins) throws(VerifierError) in
                pins.bind([.text(user.text)])
                guard try pins.step() else { throw VerifierError.storage("no answer to the PIN query") }
                let pin = try pins.isNull(0) ? nil : PINHash(encoded: pins.text(0))
                return UserLogin(tokens: owned, pin: pin, pinsInUse: pins.integer(1) != 0)
            }
        }
    }

    public func setPIN(_ pin: PINHash?, user: UserName) async throws(VerifierError) -> Bool {
        try await database.writer.transaction { (connection) throws(VerifierError) in
            try connection.prepare("DELETE FROM user_pins WHERE user_name = ?").run([.text(user.text)])
            let existed = connection.changes == 1
            if let pin {
                try connection.prepare("INSERT INTO user_pins (user_name, pin, changed) VALUES (?, ?, ?)")
                    .run([.text(user.text), .text(pin.encoded), .real(Date().timeIntervalSince1970)])
            }
            return existed
        }
    }

    // MARK: RADIUS clients

    public func radiusClients() async throws(VerifierError) -> [RADIUSClientRecord] {
        try await database.readers.read { (connection) throws(VerifierError) in
            let query = try connection.prepare("SELECT name, address, message_authenticator, key_id, sealed, created FROM radius_clients ORDER BY name")
            query.bind([])
            var clients: [RADIUSClientRecord] = []
            while try query.step() {
                guard let policy = RADIUSClientRecord.MessageAuthenticator(rawValue: query.text(2)) else {
                    throw VerifierError.storage("RADIUS client \(query.text(0)) has an unknown Message-Authenticator setting")
                }
                clients.append(RADIUSClientRecord(name: query.text(0), address: query.text(1),
                                                  sealedSecret: SealedSecret(keyID: query.text(3), box: query.blob(4)),
                                                  messageAuthenticator: policy, created: Date(timeIntervalSince1970: query.real(5))))
            }
            return clients
        }
    }

    public func addRADIUSClient(_ client: RADIUSClientRecord, sealedUnder masterKeyID: String) async throws(VerifierError) {
        try await database.writer.transaction { (connection) throws(VerifierError) in
            let current = try connection.currentMasterKey()
            if let current, current != masterKeyID { throw VerifierError.masterKeyRetired(sealingKeyID: masterKeyID, storeKeyID: current) }
            if current == nil { try connection.recordMasterKey(masterKeyID) }
            let exists = try connection.prepare("SELECT 1 FROM radius_clients WHERE name = ?")
            exists.bind([.text(client.name)])
            if try exists.step() { throw VerifierError.duplicateRADIUSClient(client.name) }
            exists.reset()
            try connection.prepare("INSERT INTO radius_clients (name, address, message_authenticator, key_id, sealed, created) VALUES (?, ?, ?, ?, ?, ?)")
                .run([.text(client.name), .text(client.address), .text(client.messageAuthenticator.rawValue),
                      .text(client.sealedSecret.keyID), .blob(client.sealedSecret.box), .real(client.created.timeIntervalSince1970)])
        }
    }

    public func removeRADIUSClient(name: String) async throws(VerifierError) -> Bool {
        try await database.writer.transaction { (connection) throws(VerifierError) in
            try connection.prepare("DELETE FROM radius_clients WHERE name = ?").run([.text(name)])
            return connection.changes == 1
        }
    }

    // MARK: Rows

    /// Counters are unsigned 64-bit; SQLite integers are signed: the bit pattern is stored.
    static func values(_ token: VerifierToken) -> [SQLiteStatement.Value] {
        let period: SQLiteStatement.Value
        switch token.kind {
        case .hotp: period = .null
        case .totp(let seconds): period = .integer(Int64(seconds))
        }
        return [
            .text(token.id), .text(token.kind == .hotp ? "hotp" : "totp"), period, .text(token.algorithm.rawValue),
            .integer(Int64(token.digits)), .integer(Int64(bitPattern: token.counter)),
            token.lastTimeStep.map { .integer(Int64(bitPattern: $0)) } ?? .null,
            .integer(Int64(token.window)), .integer(Int64(token.syncWindow)), .integer(Int64(token.failures)),
            token.lockedAt.map { .real($0.timeIntervalSince1970) } ?? .null,
            token.pendingResync.map { .integer(Int64(bitPattern: $0.counter)) } ?? .null,
            token.pendingResync.map { .real($0.since.timeIntervalSince1970) } ?? .null,
            .text(token.sealedSecret.keyID), .blob(token.sealedSecret.box), token.issuer.map { .text($0) } ?? .null,
            .integer(token.version), .integer(Int64(token.timeDrift)), token.user.map { .text($0) } ?? .null,
            .integer(token.resyncRequired ? 1 : 0),
        ]
    }

    private static func token(from row: SQLiteStatement) throws(VerifierError) -> VerifierToken {
        let id = row.text(0)
        guard let algorithm = OTPAlgorithm(rawValue: row.text(3)) else { throw .storage("token \(id) has an unknown algorithm") }
        let kind: VerifierToken.Kind = row.text(1) == "totp" ? .totp(period: Int(row.integer(2))) : .hotp
        var token = VerifierToken(id: id, kind: kind, algorithm: algorithm, digits: Int(row.integer(4)),
                                  counter: UInt64(bitPattern: row.integer(5)), window: Int(row.integer(7)),
                                  syncWindow: Int(row.integer(8)),
                                  sealedSecret: SealedSecret(keyID: row.text(13), box: row.blob(14)),
                                  issuer: row.isNull(15) ? nil : row.text(15))
        token.lastTimeStep = row.isNull(6) ? nil : UInt64(bitPattern: row.integer(6))
        token.failures = Int(row.integer(9))
        token.lockedAt = row.isNull(10) ? nil : Date(timeIntervalSince1970: row.real(10))
        if !row.isNull(11) {
            token.pendingResync = .init(counter: UInt64(bitPattern: row.integer(11)), since: Date(timeIntervalSince1970: row.real(12)))
        }
        token.version = row.integer(16)
        token.timeDrift = Int(row.integer(17))
        token.user = row.isNull(18) ? nil : row.text(18)
        token.resyncRequired = row.integer(19) != 0
        return token
    }
}

/// The store's statements that run inside a transaction the writer opened.
extension SQLiteConnection {
    /// One decision inside the writer's group transaction: whether its compare-and-set matched (an event alone
    /// always does).
    func apply(_ decision: SQLiteWriter.Decision) throws(VerifierError) -> Bool {
        switch decision {
        case .update(let token, let event):
            return try compareAndSet(token, event: event)
        case .event(let tokenID, let event):
            try withCached("UPDATE otpkit_schema SET version = version") { (statement) throws(VerifierError) in try statement.run([]) }
            try insertEvent(tokenID: tokenID, event: event)
            return true
        }
    }

    /// The compare-and-set of `token` on its version, with its event row when it matched. A mismatch (another
    /// writer moved the token first) changes nothing and rolls nothing back.
    func compareAndSet(_ token: VerifierToken, event: String) throws(VerifierError) -> Bool {
        let values = SQLiteTokenStore.values(token)
        try withCached("""
            UPDATE tokens SET kind = ?, period = ?, algorithm = ?, digits = ?, counter = ?, last_step = ?,
                window = ?, sync_window = ?, failures = ?, locked_at = ?, pending_counter = ?,
                pending_since = ?, key_id = ?, sealed = ?, issuer = ?, version = version + 1, time_drift = ?, user_name = ?,
                resync_required = ?
            WHERE id = ? AND version = ?
            """) { (statement) throws(VerifierError) in
            try statement.run(Array(values[1..<16]) + [values[17], values[18], values[19], .text(token.id), .integer(token.version)])
        }
        guard changes == 1 else { return false }
        try insertEvent(tokenID: token.id, event: event)
        return true
    }

    /// Every HOTP token marked `resync_required` (a pending resync dropped, its version moved on, an event row each),
    /// inside the caller's transaction; returns how many.
    func requireResyncOfAllHOTPTokens() throws(VerifierError) -> Int {
        try execute("""
            UPDATE tokens SET resync_required = 1, pending_counter = NULL, pending_since = NULL, version = version + 1
            WHERE kind = 'hotp'
            """)
        let marked = changes
        try prepare("INSERT INTO events (at, token, event) SELECT ?, id, 'require_resync' FROM tokens WHERE kind = 'hotp' ORDER BY id")
            .run([.real(Date().timeIntervalSince1970)])
        try execute("DELETE FROM events WHERE rowid <= \(lastInsertRowID - 100_000)")
        return marked
    }

    func currentMasterKey() throws(VerifierError) -> String? {
        let query = try prepare("SELECT key_id FROM master_key")
        query.bind([])
        return try query.step() ? query.text(0) : nil
    }

    func recordMasterKey(_ id: String) throws(VerifierError) {
        try prepare("INSERT INTO master_key (singleton, key_id) VALUES (1, ?) ON CONFLICT (singleton) DO UPDATE SET key_id = excluded.key_id")
            .run([.text(id)])
    }

    func insertRows(_ tokens: [VerifierToken]) throws(VerifierError) {
        let exists = try prepare("SELECT 1 FROM tokens WHERE id = ?")
        let statement = try prepare("INSERT INTO tokens (\(SQLiteTokenStore.columns)) VALUES (\(Array(repeating: "?", count: 20).joined(separator: ", ")))")
        for token in tokens {
            exists.bind([.text(token.id)])
            if try exists.step() { throw VerifierError.duplicateToken(token.id) }
            exists.reset()
            try statement.run(SQLiteTokenStore.values(token))
        }
    }

    /// Adds an event row inside the caller's transaction, keeping the most recent 100,000 (a bounded record for
    /// investigations; the audit log has them all).
    func insertEvent(tokenID: String, event: String) throws(VerifierError) {
        try withCached("INSERT INTO events (at, token, event) VALUES (?, ?, ?)") { (statement) throws(VerifierError) in
            try statement.run([.real(Date().timeIntervalSince1970), .text(String(tokenID.prefix(128))), .text(event)])
        }
        if lastInsertRowID % 1000 == 0 {
            try execute("DELETE FROM events WHERE rowid <= \(lastInsertRowID - 100_000)")
        }
    }
}
