import Foundation
import OTPCore

/// What administrators do to a verifier's store, behind one facade: list, read and delete tokens, move a counter,
/// unlock, give tokens to users and set their PINs, reseal, and keep the RADIUS clients. It decides no code. Every
/// change of a token is a compare-and-set with its event row, as a decision is; the store itself is not reachable
/// around it or the verifier, so no caller can bypass the rules of equal work and audit by accident.
public struct VerifierAdministration: Sendable {
    let verifier: Verifier
    private var store: TokenStore { verifier.store }

    // MARK: Tokens

    /// Every token, by id.
    public func tokens() async throws(VerifierError) -> [VerifierToken] {
        try await store.allTokens()
    }

    /// The token `id` as stored (what an administrator is shown), or nil.
    public func token(id: String) async throws(VerifierError) -> VerifierToken? {
        try await store.token(id: id)
    }

    /// Deletes the token `id`; false when there was none.
    public func delete(tokenID id: String) async throws(VerifierError) -> Bool {
        try await store.delete(id: id)
    }

    /// The store's current master key id (nil: nothing was ever sealed in it).
    public func masterKeyID() async throws(VerifierError) -> String? {
        try await store.masterKeyID()
    }

    /// The hard resync: the counter read off the token (`otpkit counter`). Forward only unless `force`.
    public func setCounter(tokenID id: String, to value: UInt64, force: Bool = false) async throws(VerifierError) {
        try await verifier.change(id, event: force ? "set_counter:forced" : "set_counter") { (token: inout VerifierToken) throws(VerifierError) in
            guard force || value >= token.counter else {
                throw .counterWouldGoBack(id: id, current: token.counter, requested: value)
            }
            token.counter = value
            token.pendingResync = nil
            token.resyncRequired = false
        }
    }

    /// Makes the HOTP token `id` accept no code on its own until it is resynchronised from two consecutive codes (as
    /// a restore does to every HOTP token). A TOTP token is refused: its used codes expire with their time steps.
    public func requireResync(tokenID id: String) async throws(VerifierError) {
        try await verifier.change(id, event: "require_resync") { (token: inout VerifierToken) throws(VerifierError) in
            guard token.kind == .hotp else { throw .invalidToken("\(id) is a TOTP token: its codes expire with their time step, so it needs no resync") }
            token.resyncRequired = true
            token.pendingResync = nil
        }
    }

    /// `requireResync` for every HOTP token, in one transaction (after restoring an older copy of the database, such
    /// as a `pg_restore`); returns how many tokens it marked.
    public func requireResyncOfAllHOTPTokens() async throws(VerifierError) -> Int {
        try await store.requireResyncOfAllHOTPTokens()
    }

    public func unlock(tokenID id: String) async throws(VerifierError) {
        try await verifier.change(id, event: "unlock") { (token: inout VerifierToken) throws(VerifierError) in
            token.failures = 0
            token.lockedAt = nil
        }
    }

    /// Re-seals every secret (seeds and RADIUS clients' secrets) under the current master key and makes it the
    /// store's current key, in one transaction (a verifier still sealing under the old key is refused from then on).
    /// Returns how many tokens were resealed.
    public func resealAll() async throws(VerifierError) -> Int {
        for _ in 0..<Verifier.maxAttempts {
            let tokens = try await store.allTokens()
            var changed: [VerifierToken] = []
            for var token in tokens where token.sealedSecret.keyID != verifier.keyring.current.id {
                token.sealedSecret = try verifier.keyring.sealed(try verifier.keyring.opened(token.sealedSecret, tokenID: token.id), tokenID: token.id)
                changed.append(token)
            }
            var clients: [RADIUSClientRecord] = []
            for var client in try await store.radiusClients() where client.sealedSecret.keyID != verifier.keyring.current.id {
                let name = RADIUSClientRecord.sealingName(client.name)
                client.sealedSecret = try verifier.keyring.sealed(try verifier.keyring.opened(client.sealedSecret, tokenID: name), tokenID: name)
                clients.append(client)
            }
            if try await store.reseal(changed, clients: clients, to: verifier.keyring.current.id) { return changed.count }
        }
        throw .contention("(all)")
    }

    // MARK: Users and their tokens

    /// Gives the token to `user` (a token has at most one owner; assigning again moves it).
    public func assign(tokenID: String, to user: String) async throws(VerifierError) {
        let name = try UserName(user)
        let owned = try await store.login(user: name).tokens
        if owned.count >= Verifier.maximumTokensPerUser, !owned.contains(where: { $0.id == tokenID }) {
            throw .invalidUser("\(name.text) owns \(owned.count) tokens, the most one user may own")
        }
        try await verifier.change(tokenID, event: "assign") { (token: inout VerifierToken) throws(VerifierError) in token.user = name.text }
    }

    /// Takes the token from its user; it is then verified by id only.
    public func unassign(tokenID: String) async throws(VerifierError) {
        try await verifier.change(tokenID, event: "unassign") { (token: inout VerifierToken) throws(VerifierError) in token.user = nil }
    }

    /// The tokens `user` owns, by id.
    public func tokens(ofUser user: String) async throws(VerifierError) -> [VerifierToken] {
        try await store.login(user: try UserName(user)).tokens
    }

    /// Sets `user`'s PIN (nil: removes it). A user must own a token first (a PIN for a mistyped name helps nobody).
    public func setPIN(_ pin: String?, user: String) async throws(VerifierError) {
        let name = try UserName(user)
        let hash = try pin.map { (pin) throws(VerifierError) in try PINHash.make(pin: pin) }
        if hash != nil, try await store.login(user: name).tokens.isEmpty { throw .userOwnsNoToken(name.text) }
        try await store.setPIN(hash, user: name)
    }
    // MARK: RADIUS clients

    /// Adds a RADIUS client, its shared secret sealed under the current master key. `address` must already have been
    /// checked as an address or CIDR network by the caller (the RADIUS front end's parser).
    public func addRADIUSClient(name: String, address: String, secret: Secret,
                                messageAuthenticator: RADIUSClientRecord.MessageAuthenticator) async throws(VerifierError) {
        guard (1...64).contains(name.utf8.count), name.unicodeScalars.allSatisfy({ $0.properties.isAlphabetic || $0.properties.numericType != nil || "-_.:@".unicodeScalars.contains($0) }) else {
            throw .invalidUser("a RADIUS client's name is 1 to 64 letters, digits and - _ . : @")
        }
        guard Verifier.radiusSecretBytes.contains(secret.bytes.count) else {
            throw .invalidUser("a RADIUS shared secret is \(Verifier.radiusSecretBytes.lowerBound) to \(Verifier.radiusSecretBytes.upperBound) bytes")
        }
        let sealed = try verifier.keyring.sealed(secret, tokenID: RADIUSClientRecord.sealingName(name))
        try await store.addRADIUSClient(RADIUSClientRecord(name: name, address: address, sealedSecret: sealed, messageAuthenticator: messageAuthenticator),
                                  sealedUnder: verifier.keyring.current.id)
    }

    /// The RADIUS clients, by name (their secrets sealed).
    public func radiusClients() async throws(VerifierError) -> [RADIUSClientRecord] {
        try await store.radiusClients()
    }

    public func removeRADIUSClient(name: String) async throws(VerifierError) {
        guard try await store.removeRADIUSClient(name: name) else { throw .unknownRADIUSClient(name) }
    }

    /// A client's shared secret, opened (for the RADIUS front end only: never printed).
    public func sharedSecret(of client: RADIUSClientRecord) throws(VerifierError) -> Secret {
        try verifier.keyring.opened(client.sealedSecret, tokenID: RADIUSClientRecord.sealingName(client.name))
    }
}

extension Verifier {
    /// The administration of this verifier's store.
    public var administration: VerifierAdministration { VerifierAdministration(verifier: self) }
}
