import OTPCore

extension Verifier {
    /// Whether the token stored under `record.tokenID` holds this very seed (secret, compared in constant time, and
    /// kind, algorithm and digits); nil when no token has that id. An import sent again is then a no-op, while
    /// another seed under the same id means the token was reprogrammed: the verifier holds a seed the token no
    /// longer has, and only deleting it lets the new one in.
    public func storedToken(holds record: SeedRecord) async throws(VerifierError) -> Bool? {
        guard let stored = try await store.token(id: record.tokenID) else { return nil }
        let sameSecret = try keyring.open(stored.sealedSecret, tokenID: stored.id) == record.secret
        let incoming = try token(from: record)
        return sameSecret && stored.kind == incoming.kind && stored.algorithm == incoming.algorithm && stored.digits == incoming.digits
    }
}
