import Foundation
import Verifier

/// Remembers successful API key checks for a few seconds, so a busy client does not cost a database read per
/// request. A revoked key therefore stops working within `lifetime` seconds. Entries are keyed by a hash of the
/// presented key; failures are never cached.
final class AuthenticationCache: @unchecked Sendable {
    static let lifetime: TimeInterval = 5
    private let keys: any APIKeyStore
    private let lock = NSLock()
    private var entries: [[UInt8]: (key: APIKey, until: Date)] = [:]

    init(keys: any APIKeyStore) {
        self.keys = keys
    }

    func cached(_ presented: String) -> APIKey? {
        let digest = APIKeyText.hash(presented)
        return lock.withLock {
            guard let entry = entries[digest], entry.until > Date() else { return nil }
            return entry.key
        }
    }

    func authenticate(_ presented: String) throws(VerifierError) -> APIKey? {
        guard let key = try keys.authenticate(presented) else { return nil }
        let digest = APIKeyText.hash(presented)
        lock.withLock {
            if entries.count > 10_000 { entries.removeAll() }
            entries[digest] = (key, Date().addingTimeInterval(Self.lifetime))
        }
        return key
    }
}
