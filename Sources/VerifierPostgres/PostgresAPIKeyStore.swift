import Foundation
import PostgresNIO
import Synchronization
import Verification

/// The verification server's API keys in the shared database, so every node accepts the same keys.
///
/// A key found is kept for `recheckAfter` (1 s by default), so that a request costs no statement of its own for its
/// key: a decision stays one round trip; the first request after that looks it up again while the others go on
/// with the kept key. A key revoked on this node is refused at once; on another node, within
/// `recheckAfter`. Only keys found are kept (an unknown id is looked up every time; the rate limit bounds that).
public final class PostgresAPIKeyStore: APIKeyStore {
    private let client: PostgresStoreClient
    private let recheckAfter: Duration
    private let kept = Mutex<[String: (key: StoredAPIKey, until: ContinuousClock.Instant)]>([:])
    private static let keptKeysAtMost = 1024

    public init(client: PostgresStoreClient, recheckAfter: Duration = .seconds(1)) {
        self.client = client
        self.recheckAfter = recheckAfter
    }

    public func storedKey(id: String) async throws(VerifierError) -> StoredAPIKey? {
        let now = ContinuousClock.now
        // One lookup per key and interval: the first request after it looks the key up, and the others meanwhile
        // take the kept one (else every request in flight at that moment would make a round trip of its own).
        let answer = kept.withLock { kept -> StoredAPIKey? in
            guard let entry = kept[id] else { return nil }
            if entry.until <= now { kept[id] = (entry.key, now + recheckAfter) } else { return entry.key }
            return nil
        }
        if let answer { return answer }
        let stored = try await client.withSession { (session) throws(VerifierError) in
            try await session.execute(KeyByID(id: id)).first
        }
        kept.withLock { kept in
            guard let stored else { kept.removeValue(forKey: id); return }
            if kept.count >= Self.keptKeysAtMost { kept = kept.filter { $0.value.until > now } }
            if kept.count < Self.keptKeysAtMost { kept[id] = (stored, now + recheckAfter) }
        }
        return stored
    }

    public func storedKeys() async throws(VerifierError) -> [StoredAPIKey] {
        try await client.withSession { (session) throws(VerifierError) in
            var keys: [StoredAPIKey] = []
            for row in try await session.query("SELECT \(unescaped: KeyByID.columns) FROM api_keys ORDER BY created") {
                keys.append(try Self.stored(from: row))
            }
            return keys
        }
    }

    public func insert(_ keys: [StoredAPIKey]) async throws(VerifierError) {
        try await client.withSession { (session) throws(VerifierError) in
            try await session.transaction { () throws(VerifierError) in
                for stored in keys {
                    try await session.query("""
                        INSERT INTO api_keys (id, name, role, hash, created, revoked)
                        VALUES (\(stored.key.id), \(stored.key.name), \(stored.key.role.rawValue), \(ByteBuffer(bytes: stored.hash)),
                            \(stored.key.created.timeIntervalSince1970), \(stored.key.revoked))
                        """)
                }
            }
        }
    }

    public func revoke(id: String) async throws(VerifierError) -> Bool {
        defer { _ = kept.withLock { $0.removeValue(forKey: id) } }
        return try await client.withSession { (session) throws(VerifierError) in
            try await session.query("UPDATE api_keys SET revoked = TRUE WHERE id = \(id) AND NOT revoked").metadata.rows == 1
        }
    }

    /// The lookup of every request's key, prepared once per connection.
    struct KeyByID: PostgresPreparedStatement {
        static let name = "otpkit_api_key_by_id"
        static let columns = "id, name, role, created, revoked, hash"
        static let sql = "SELECT \(columns) FROM api_keys WHERE id = $1"
        static let bindingDataTypes: [PostgresDataType] = [.text]
        let id: String

        func makeBindings() -> PostgresBindings { .one(id) }

        func decodeRow(_ row: PostgresRow) throws -> StoredAPIKey { try PostgresAPIKeyStore.stored(from: row) }
    }

    fileprivate static func stored(from row: PostgresRow) throws(VerifierError) -> StoredAPIKey {
        let id = try PostgresRows.text(row, 0)
        guard let role = APIKeyRole(rawValue: try PostgresRows.text(row, 2)) else { throw .storage("API key \(id) has an unknown role") }
        let key = APIKey(id: id, name: try PostgresRows.text(row, 1), role: role,
                         created: Date(timeIntervalSince1970: try PostgresRows.double(row, 3)), revoked: try PostgresRows.decode(Bool.self, row, 4))
        return StoredAPIKey(key: key, hash: try PostgresRows.bytes(row, 5))
    }
}
