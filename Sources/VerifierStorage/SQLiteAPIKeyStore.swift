import Foundation
import OTPCore
import Verification

/// API keys of the verification server, in the verifier's SQLite database (table created by the schema migrations).
/// Lookups (one per request) run on the reader threads, changes on the writer thread.
public final class SQLiteAPIKeyStore: APIKeyStore {
    private let database: SQLiteDatabase

    /// A store with threads and connections of its own (a command that needs only the keys).
    public init(path: String) throws(VerifierError) {
        database = try SQLiteDatabase(path: path, creating: true, readers: 1)
    }

    /// The keys of the token store's file, through its threads and connections (one writer for the file).
    public init(sharing tokens: SQLiteTokenStore) {
        database = tokens.database
    }

    public func storedKey(id: String) async throws(VerifierError) -> StoredAPIKey? {
        try await database.readers.read { (connection) throws(VerifierError) -> StoredAPIKey? in
            try connection.withCached("SELECT id, name, role, created, revoked, hash FROM api_keys WHERE id = ?") { (query) throws(VerifierError) in
                query.bind([.text(id)])
                guard try query.step(), let key = Self.key(from: query) else { return nil }
                return StoredAPIKey(key: key, hash: query.blob(5))
            }
        }
    }

    public func storedKeys() async throws(VerifierError) -> [StoredAPIKey] {
        try await database.readers.read { (connection) throws(VerifierError) in
            let query = try connection.prepare("SELECT id, name, role, created, revoked, hash FROM api_keys ORDER BY created")
            query.bind([])
            var keys: [StoredAPIKey] = []
            while try query.step() {
                if let key = Self.key(from: query) { keys.append(StoredAPIKey(key: key, hash: query.blob(5))) }
            }
            return keys
        }
    }

    public func insert(_ keys: [StoredAPIKey]) async throws(VerifierError) {
        try await database.writer.transaction { (connection) throws(VerifierError) in
            let statement = try connection.prepare("INSERT INTO api_keys (id, name, role, hash, created, revoked) VALUES (?, ?, ?, ?, ?, ?)")
            for stored in keys {
                try statement.run([.text(stored.key.id), .text(stored.key.name), .text(stored.key.role.rawValue), .blob(stored.hash),
                                   .real(stored.key.created.timeIntervalSince1970), .integer(stored.key.revoked ? 1 : 0)])
            }
        }
    }

    public func revoke(id: String) async throws(VerifierError) -> Bool {
        try await database.writer.transaction { (connection) throws(VerifierError) in
            try connection.prepare("UPDATE api_keys SET revoked = 1 WHERE id = ? AND revoked = 0").run([.text(id)])
            return connection.changes == 1
        }
    }

    private static func key(from row: SQLiteStatement) -> APIKey? {
        guard let role = APIKeyRole(rawValue: row.text(2)) else { return nil }
        return APIKey(id: row.text(0), name: row.text(1), role: role, created: Date(timeIntervalSince1970: row.real(3)), revoked: row.integer(4) != 0)
    }
}
