/// Where the verifier keeps tokens. Implementations must make every write durable before returning, and make
/// `update` a compare-and-set on `version`, so that of several verifiers racing on one token exactly one wins
/// (the others reload and see the new counter). A PostgreSQL store gives the same across processes and hosts.
public protocol TokenStore: Sendable {
    func token(id: String) throws(VerifierError) -> VerifierToken?
    /// Stores `token` if the stored version is still `token.version`; the stored version becomes `version + 1`.
    /// `event` (what happened, such as `verify:accepted`; never a code) is added to the database's event rows in the
    /// same transaction. Returns false, changing nothing, when another writer changed the token first.
    func update(_ token: VerifierToken, event: String) throws(VerifierError) -> Bool
    /// Stores several changed tokens in one transaction, each with the same compare-and-set and an event row; all or none.
    func updateAll(_ tokens: [VerifierToken], event: String) throws(VerifierError) -> Bool
    /// Adds tokens in one transaction: a duplicate id fails the whole import.
    func insert(_ tokens: [VerifierToken]) throws(VerifierError)
    /// Replaces every token with `tokens` in one transaction (`otpkit verifier copy --replace`).
    func replaceAll(with tokens: [VerifierToken]) throws(VerifierError)
    func delete(id: String) throws(VerifierError) -> Bool
    /// Durably notes an event that changed no token (a refusal: unknown token, locked token, replay). Every refusal
    /// then costs one commit, as a wrong code does, so a client cannot tell the cases apart by timing.
    func recordEvent(tokenID: String, event: String) throws(VerifierError)
    func allTokens() throws(VerifierError) -> [VerifierToken]
}
