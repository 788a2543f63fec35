import Foundation

/// Where the verifier keeps tokens. Implementations must make every write durable before returning, and make
/// `update` a compare-and-set on `version`, so that of several verifiers racing on one token exactly one wins
/// (the others reload and see the new counter). A PostgreSQL store gives the same across processes and hosts.
///
/// A store also records the id of its current master key: the key every secret in it is sealed under. Inserts
/// check it in their transaction, so a process still holding a retired key cannot seal under it after a rotation.
public protocol TokenStore: UserStore, RADIUSClientStore {
    func token(id: String) async throws(VerifierError) -> VerifierToken?
    /// The token to decide a code on: a store may answer from the rows it keeps (a node's cache), since the decision's
    /// `update` is a compare-and-set that catches a stale row; after a lost one the store must keep no row older than
    /// the one that lost, so the verifier's next ask gets a newer row or a read. Anything else (what an administrator
    /// is shown, a change of the token) reads with `token(id:)`.
    func tokenForDecision(id: String) async throws(VerifierError) -> VerifierToken?
    /// Stores `token` if the stored version is still `token.version`; the stored version becomes `version + 1`.
    /// `event` (what happened, such as `verify:accepted`; never a code) is added to the database's event rows in the
    /// same transaction. Returns false, changing nothing, when another writer changed the token first.
    func update(_ token: VerifierToken, event: String) async throws(VerifierError) -> Bool
    /// A login by user name as the store keeps it (a node's cache of the user's tokens and PIN), with no round trip;
    /// nil when it keeps none (then `login(user:)` reads). Decisions on it are written with `writeLogin`.
    func keptLogin(user: UserName) -> UserLogin?
    /// What a login by user name, decided on `login`, writes in one commit: the compare-and-sets `updates`, each with
    /// its event row, or for a user who owns no token the event row `orEvent`. For a kept login (`isKept`), only while
    /// the user still owns the same tokens (each one written still at its version: its own compare-and-set), with the
    /// same PIN, and PINs are in use as they were; otherwise nothing is written, the store keeps the login no longer,
    /// and the answer is nil: decide again on a read.
    func writeLogin(_ updates: [(token: VerifierToken, event: String)], orEvent: (tokenID: String, event: String), user: UserName,
                    decidedOn login: UserLogin) async throws(VerifierError) -> [Bool]?
    /// Several such compare-and-sets, each with its event row, made durable in one commit (a refused login writes
    /// all the user's tokens at once, so its cost does not grow with the tokens a user owns). Each answer says whether
    /// that one matched; one that did not changed nothing.
    func update(_ updates: [(token: VerifierToken, event: String)]) async throws(VerifierError) -> [Bool]
    /// Adds tokens in one transaction: a duplicate id fails the whole import. Their secrets are sealed under
    /// `masterKeyID`, which must be the store's current master key (it becomes it in a store that has none yet);
    /// otherwise nothing is added and `masterKeyRetired` is thrown.
    func insert(_ tokens: [VerifierToken], sealedUnder masterKeyID: String) async throws(VerifierError)
    /// Replaces every token with `tokens` in one transaction (`otpkit verifier copy --replace`), recording
    /// `masterKeyID` (the source's) as the current master key.
    func replaceAll(with tokens: [VerifierToken], sealedUnder masterKeyID: String?) async throws(VerifierError)
    /// Stores resealed tokens (each a compare-and-set, with an event row) and RADIUS clients, and makes `masterKeyID`
    /// the current key, in one transaction, provided no token or client is then left sealed under another key.
    /// Returns false, changing nothing, when another writer changed a token or added one first.
    func reseal(_ tokens: [VerifierToken], clients: [RADIUSClientRecord], to masterKeyID: String) async throws(VerifierError) -> Bool
    func delete(id: String) async throws(VerifierError) -> Bool
    /// Durably notes an event that changed no token (a refusal: unknown token, locked token, replay). Every refusal
    /// then costs one commit, as a wrong code does, so a client cannot tell the cases apart by timing.
    func recordEvent(tokenID: String, event: String) async throws(VerifierError)
    /// Deletes the event rows older than `date`; returns how many.
    func pruneEvents(before date: Date) async throws(VerifierError) -> Int
    func allTokens() async throws(VerifierError) -> [VerifierToken]
    /// The current master key's id; nil for a store that never held a sealed secret.
    func masterKeyID() async throws(VerifierError) -> String?
    /// Marks every HOTP token `resyncRequired` (dropping a pending resync), each with an event row
    /// `require_resync`, in one transaction, as compare-and-sets would: every version moves on, so a node that kept
    /// an older row reads the token again. Returns how many tokens it marked.
    func requireResyncOfAllHOTPTokens() async throws(VerifierError) -> Int
    /// The ids of the keys the stored secrets (seeds and RADIUS clients' secrets) are sealed under (one, unless a
    /// store predates the recorded key).
    func sealingKeyIDs() async throws(VerifierError) -> Set<String>
}

extension TokenStore {
    /// A store without a multi-row commit of its own commits them one by one.
    public func update(_ updates: [(token: VerifierToken, event: String)]) async throws(VerifierError) -> [Bool] {
        var matched: [Bool] = []
        for update in updates { matched.append(try await self.update(update.token, event: update.event)) }
        return matched
    }

    /// A store that keeps no logins reads them each time.
    public func keptLogin(user: UserName) -> UserLogin? { nil }

    /// A store that keeps no logins writes as any decision does.
    public func writeLogin(_ updates: [(token: VerifierToken, event: String)], orEvent: (tokenID: String, event: String), user: UserName,
                           decidedOn login: UserLogin) async throws(VerifierError) -> [Bool]? {
        try await writeReadLogin(updates, orEvent: orEvent)
    }

    /// What a login decided on a read writes, with no check of the user: the compare-and-sets `updates`, or for a user
    /// who owns no token the event row `orEvent`.
    public func writeReadLogin(_ updates: [(token: VerifierToken, event: String)], orEvent: (tokenID: String, event: String)) async throws(VerifierError) -> [Bool] {
        guard !updates.isEmpty else {
            try await recordEvent(tokenID: orEvent.tokenID, event: orEvent.event)
            return []
        }
        return try await update(updates)
    }

    /// A store that keeps no rows reads the token.
    public func tokenForDecision(id: String) async throws(VerifierError) -> VerifierToken? {
        try await token(id: id)
    }
}
