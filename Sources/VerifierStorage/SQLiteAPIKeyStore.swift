import Foundation
import OTPCore
import Synchronization
import Verifier

/// API keys of the verification server, in the verifier's SQLite database (table created by the schema migrations).
public final class SQLiteAPIKeyStore: APIKeyStore {
    /// The connection, used by one thread at a time.
    private let database: Mutex<SQLiteConnection>
    private let thread = BlockingStoreQueue(label: "otpkit.sqlite")

    public init(path: String) throws(VerifierError) {
        let connection = try SQLiteConnection(path: path)
        try connection.makeDurable()
        try SQLiteSchema.migrate(connection)
        database = Mutex(connection)
    }

    public func storedKey(id: String) async throws(VerifierError) -> StoredAPIKey? {
        try await locked { (connection) throws(VerifierError) -> StoredAPIKey? in
            let query = try connection.prepare("SELECT id, name, role, created, revoked, hash FROM api_keys WHERE id = ?")
            query.bind([.text(id)])
            guard try query.step(), let key = Self.key(from: query) else { return nil }
            return StoredAPIKey(key: key, hash: query.blob(5))
        }
    }

    public func storedKeys() async throws(VerifierError) -> [StoredAPIKey] {
        try await locked { (connection) throws(VerifierError) in
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
        try await locked { (connection) throws(VerifierError) in
            try connection.transaction { () throws(VerifierError) in
                let statement = try connection.prepare("INSERT INTO api_keys (id, name, role, hash, created, revoked) VALUES (?, ?, ?, ?, ?, ?)")
                for stored in keys {
                    try statement.run([.text(stored.key.id), .text(stored.key.name), .text(stored.key.role.rawValue), .blob(stored.hash),
                                       .real(stored.key.created.timeIntervalSince1970), .integer(stored.key.revoked ? 1 : 0)])
                }
            }
        }
    }

    public func revoke(id: String) async throws(VerifierError) -> Bool {
        try await locked { (connection) throws(VerifierError) in
            try connection.prepare("UPDATE api_keys SET revoked = 1 WHERE id = ? AND revoked = 0").run([.text(id)])
            return connection.changes == 1
        }
    }

    private static func key(from row: SQLiteStatement) -> APIKey? {
        guard let role = APIKeyRole(rawValue: row.text(2)) else { return nil }
        return APIKey(id: row.text(0), name: row.text(1), role: role, created: Date(timeIntervalSince1970: row.real(3)), revoked: row.integer(4) != 0)
    }

    /// Runs `body` with the connection on the store's own thread.
    private func locked<T: Sendable>(_ body: @escaping @Sendable (SQLiteConnection) throws(VerifierError) -> T) async throws(VerifierError) -> T {
        try await thread.run { () throws(VerifierError) -> T in
            try self.database.withLock { (connection) throws(VerifierError) -> T in try body(connection) }
        }
    }
}
