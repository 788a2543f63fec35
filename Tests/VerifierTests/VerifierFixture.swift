import Foundation
import OTPCore
import Verifier
import VerifierStorage

/// A verifier over a real SQLite file in a temporary folder, with a clock the test moves.
final class VerifierFixture: @unchecked Sendable {
    static let rfcSecret = try! Secret(bytes: Array("12345678901234567890".utf8))
    let folder: URL
    let store: SQLiteTokenStore
    let keyring = MasterKeyring(current: MasterKey.generate())
    private let lock = NSLock()
    private var now = Date(timeIntervalSince1970: 1_700_000_000)
    var policy = VerifierPolicy()

    init() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("otpkit-verifier-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        store = try SQLiteTokenStore(path: folder.appendingPathComponent("tokens.sqlite").path)
    }

    deinit { try? FileManager.default.removeItem(at: folder) }

    var databasePath: String { folder.appendingPathComponent("tokens.sqlite").path }

    func advance(_ seconds: TimeInterval) { lock.withLock { now += seconds } }

    func verifier(store: TokenStore? = nil) -> Verifier {
        Verifier(store: store ?? self.store, keyring: keyring, policy: policy, clock: { [unowned self] in self.lock.withLock { self.now } })
    }

    /// Adds the RFC 4226 test token as `id`, at `counter`.
    @discardableResult
    func addRFCToken(_ id: String = "rfc", counter: UInt64 = 0, kind: VerifierToken.Kind = .hotp, digits: Int = 6) throws -> Verifier {
        let verifier = verifier()
        try verifier.add([try verifier.makeToken(id: id, secret: Self.rfcSecret, kind: kind, digits: digits, counter: counter)])
        return verifier
    }

    static func code(_ counter: UInt64, digits: Int = 6) -> String {
        try! HOTP(secret: rfcSecret, digits: digits).code(counter: counter)
    }
}
