import Crypto
import Foundation
import OTPCore
import Verifier

/// API keys of the verification server, in the verifier's database. Only a SHA-256 of each key's secret part is
/// stored: a key is shown once, when created. Keys carry 160 random bits, so a fast hash is enough.
public final class SQLiteAPIKeyStore: @unchecked Sendable {
    public enum Role: String, Sendable, CaseIterable, Codable {
        /// May verify and resync codes.
        case verify
        /// May also import, read, change and delete tokens.
        case admin
    }

    public struct APIKey: Sendable, Equatable, Codable {
        public let id: String
        public let name: String
        public let role: Role
        public let created: Date
        public let revoked: Bool

        public init(id: String, name: String, role: Role, created: Date, revoked: Bool) {
            self.id = id
            self.name = name
            self.role = role
            self.created = created
            self.revoked = revoked
        }
    }

    private let connection: SQLiteConnection
    private let lock = NSLock()

    public init(path: String) throws(VerifierError) {
        connection = try SQLiteConnection(path: path)
        try connection.makeDurable()
        try connection.execute("""
            CREATE TABLE IF NOT EXISTS api_keys (
                id TEXT PRIMARY KEY, name TEXT NOT NULL, role TEXT NOT NULL, hash BLOB NOT NULL,
                created REAL NOT NULL, revoked INTEGER NOT NULL DEFAULT 0)
            """)
    }

    /// Creates a key and returns it with its one-time full text `otpk_<id>_<secret>`.
    public func create(name: String, role: Role) throws(VerifierError) -> (key: APIKey, text: String) {
        let id = Hex.encode(Secret.random(byteCount: 4).bytes)
        let secret = Secret.random(byteCount: 20).base32.lowercased()
        let key = APIKey(id: id, name: name, role: role, created: Date(), revoked: false)
        try locked { () throws(VerifierError) in
            try connection.prepare("INSERT INTO api_keys (id, name, role, hash, created) VALUES (?, ?, ?, ?, ?)")
                .run([.text(id), .text(name), .text(role.rawValue), .blob(Self.hash(secret)), .real(key.created.timeIntervalSince1970)])
        }
        return (key, "otpk_\(id)_\(secret)")
    }

    /// The key a request presents, if it is valid and not revoked. The comparison is constant-time.
    public func authenticate(_ text: String) throws(VerifierError) -> APIKey? {
        let parts = text.split(separator: "_")
        guard parts.count == 3, parts[0] == "otpk", parts[1].count == 8 else { return nil }
        return try locked { () throws(VerifierError) -> APIKey? in
            let query = try connection.prepare("SELECT id, name, role, created, revoked, hash FROM api_keys WHERE id = ?")
            query.bind([.text(String(parts[1]))])
            guard try query.step(), query.integer(4) == 0, let role = Role(rawValue: query.text(2)) else { return nil }
            guard ConstantTime.equals(query.blob(5), Self.hash(String(parts[2]))) else { return nil }
            return APIKey(id: query.text(0), name: query.text(1), role: role,
                          created: Date(timeIntervalSince1970: query.real(3)), revoked: false)
        }
    }

    public func list() throws(VerifierError) -> [APIKey] {
        try locked { () throws(VerifierError) in
            let query = try connection.prepare("SELECT id, name, role, created, revoked FROM api_keys ORDER BY created")
            query.bind([])
            var keys: [APIKey] = []
            while try query.step() {
                keys.append(APIKey(id: query.text(0), name: query.text(1), role: Role(rawValue: query.text(2)) ?? .verify,
                                   created: Date(timeIntervalSince1970: query.real(3)), revoked: query.integer(4) != 0))
            }
            return keys
        }
    }

    public func revoke(id: String) throws(VerifierError) -> Bool {
        try locked { () throws(VerifierError) in
            try connection.prepare("UPDATE api_keys SET revoked = 1 WHERE id = ? AND revoked = 0").run([.text(id)])
            return connection.changes == 1
        }
    }

    private static func hash(_ secret: String) -> [UInt8] {
        Array(SHA256.hash(data: Array(secret.utf8)))
    }

    private func locked<T>(_ body: () throws(VerifierError) -> T) throws(VerifierError) -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body()
    }
}
