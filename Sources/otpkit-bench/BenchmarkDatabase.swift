import Foundation
import MasterKeys
import OTPCore
import TestSupport
import Verification
import VerifierPostgres
import VerifierStorage

/// A verifier database for a benchmark (an SQLite file or a PostgreSQL URL), filled the way an operator fills one:
/// seeds imported with `otpkit verifier import`, a verify key from `otpkit verifier keys create`, and RADIUS clients
/// added through the Verifier API on the same database and key file, before the nodes start.
struct BenchmarkDatabase {
    /// Every benchmark token has RFC 4226's test secret, so one list of codes serves them all.
    static let secretHex = "3132333435363738393031323334353637383930"

    let location: String
    /// PGPASSWORD for a PostgreSQL database; empty for SQLite.
    let environment: [String: String]
    let keyFile: String

    var isPostgres: Bool { location.hasPrefix("postgres") }

    /// The first `count` codes of every benchmark token.
    static func codes(count: Int = 20_000) throws -> [String] {
        let hotp = try HOTP(secret: Secret(hex: secretHex))
        return (0..<count).map { hotp.code(counter: UInt64($0)) }
    }

    /// Imports `tokens` tokens `t0`, `t1`... verified by id (HTTP), and `users` tokens `r0`, `r1`... owned by users
    /// `u0`, `u1`... (RADIUS logins), through seed JSON and `otpkit verifier import`.
    func seed(tokens: Int, users: Int, folder: URL) throws {
        let byID = (0..<tokens).map { "{\"serial\":\"t\($0)\",\"secretHex\":\"\(Self.secretHex)\"}" }
        let byUser = (0..<users).map { "{\"serial\":\"r\($0)\",\"user\":\"u\($0)\",\"secretHex\":\"\(Self.secretHex)\"}" }
        let seeds = folder.appendingPathComponent("seeds-\(UUID().uuidString.prefix(8)).json")
        try Data(("[" + (byID + byUser).joined(separator: ",") + "]").utf8).write(to: seeds)
        defer { try? FileManager.default.removeItem(at: seeds) }
        let result = try Subprocess.run(ProjectPaths.otpkit.path, ["verifier", "import", seeds.path] + options, environment: environment)
        guard result.status == 0 else { throw TestProcessFailure("otpkit verifier import failed: \(result.stderr)") }
    }

    /// A new API key of the verify role.
    func createVerifyKey() throws -> String {
        let result = try Subprocess.run(ProjectPaths.otpkit.path, ["verifier", "keys", "create", "--role", "verify"] + options,
                                        environment: environment)
        guard result.status == 0 else { throw TestProcessFailure("otpkit verifier keys create failed: \(result.stderr)") }
        return result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Registers a RADIUS client on loopback that signs its requests with Message-Authenticator.
    func addRADIUSClient(name: String, secret: [UInt8]) async throws {
        let keys = try MasterKeyFile.load(path: keyFile, creating: .refused)
        let verifier = Verifier(store: try store(), keyring: keys.keyring)
        try await verifier.administration.addRADIUSClient(name: name, address: "127.0.0.1", secret: try Secret(bytes: secret), messageAuthenticator: .required)
    }

    /// The codes accepted on the tokens whose ids start with `prefix`: the sum of their counters (each starts at 0).
    func acceptedCodes(prefix: String) async throws -> Double {
        Double(try await counters(prefix: prefix).values.reduce(0, +))
    }

    /// The counters of the tokens whose ids start with `prefix`, by id: the index of each one's next code, where a
    /// further load goes on.
    func counters(prefix: String) async throws -> [String: Int] {
        Dictionary(uniqueKeysWithValues: try await store().allTokens().filter { $0.id.hasPrefix(prefix) }.map { ($0.id, Int($0.counter)) })
    }

    private var options: [String] { ["--db", location, "--key-file", keyFile] }

    private func store() throws -> any TokenStore {
        isPostgres ? PostgresTokenStore(client: PostgresStoreClient(try PostgresLocation(url: location, environment: environment)).startInBackground())
            : try SQLiteTokenStore(path: location)
    }
}
