import OTPCore

/// How an imported seed record compares with the token stored under its id.
public enum StoredSeedComparison: Sendable, Equatable {
    /// No token has that id.
    case absent
    /// This very seed: secret (compared in constant time), kind, algorithm and digits. Importing it again is a no-op.
    case same
    /// Another seed: the token was reprogrammed, and the stored seed is one it no longer has.
    case other
    /// The stored seed does not open with this verifier's keys, so it cannot be compared.
    case unopenable
}

extension Verifier {
    /// Compares `record` with the token stored under `record.tokenID`; only store failures throw.
    public func storedSeed(comparedWith record: SeedRecord) async throws(VerifierError) -> StoredSeedComparison {
        guard let stored = try await store.token(id: record.tokenID) else { return .absent }
        guard let secret = try? keyring.opened(stored.sealedSecret, tokenID: stored.id) else { return .unopenable }
        guard let incoming = try? token(from: record) else { return .other }
        let same = secret == record.secret && stored.kind == incoming.kind && stored.algorithm == incoming.algorithm
            && stored.digits == incoming.digits
        return same ? .same : .other
    }
}
