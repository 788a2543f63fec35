import Foundation
import Synchronization
import Verification

/// A token store that counts what a decision asks of the store beneath: reads, and writes (each one commit).
final class CountingTokenStore: TokenStore {
    let inner: any TokenStore
    private let counts = Mutex((reads: 0, commits: 0))

    init(_ inner: any TokenStore) { self.inner = inner }

    var reads: Int { counts.withLock { $0.reads } }
    var commits: Int { counts.withLock { $0.commits } }

    private func read() { counts.withLock { $0.reads += 1 } }
    private func commit() { counts.withLock { $0.commits += 1 } }

    func token(id: String) async throws(VerifierError) -> VerifierToken? { read(); return try await inner.token(id: id) }
    func update(_ token: VerifierToken, event: String) async throws(VerifierError) -> Bool { commit(); return try await inner.update(token, event: event) }
    func update(_ updates: [(token: VerifierToken, event: String)]) async throws(VerifierError) -> [Bool] {
        commit()
        return try await inner.update(updates)
    }
    func insert(_ tokens: [VerifierToken], sealedUnder masterKeyID: String) async throws(VerifierError) {
        commit()
        try await inner.insert(tokens, sealedUnder: masterKeyID)
    }
    func replaceAll(with tokens: [VerifierToken], sealedUnder masterKeyID: String?) async throws(VerifierError) {
        commit()
        try await inner.replaceAll(with: tokens, sealedUnder: masterKeyID)
    }
    func reseal(_ tokens: [VerifierToken], clients: [RADIUSClientRecord], to masterKeyID: String) async throws(VerifierError) -> Bool {
        commit()
        return try await inner.reseal(tokens, clients: clients, to: masterKeyID)
    }
    func delete(id: String) async throws(VerifierError) -> Bool { commit(); return try await inner.delete(id: id) }
    func recordEvent(tokenID: String, event: String) async throws(VerifierError) { commit(); try await inner.recordEvent(tokenID: tokenID, event: event) }
    func pruneEvents(before date: Date) async throws(VerifierError) -> Int { commit(); return try await inner.pruneEvents(before: date) }
    func allTokens() async throws(VerifierError) -> [VerifierToken] { read(); return try await inner.allTokens() }
    func requireResyncOfAllHOTPTokens() async throws(VerifierError) -> Int { commit(); return try await inner.requireResyncOfAllHOTPTokens() }
    func masterKeyID() async throws(VerifierError) -> String? { read(); return try await inner.masterKeyID() }
    func sealingKeyIDs() async throws(VerifierError) -> Set<String> { read(); return try await inner.sealingKeyIDs() }
    func login(user: UserName) async throws(VerifierError) -> UserLogin { read(); return try await inner.login(user: user) }
    /// What the store keeps costs no read.
    func keptLogin(user: UserName) -> UserLogin? { inner.keptLogin(user: user) }
    func writeLogin(_ updates: [(token: VerifierToken, event: String)], orEvent: (tokenID: String, event: String), user: UserName,
                    decidedOn login: UserLogin) async throws(VerifierError) -> [Bool]? {
        commit()
        return try await inner.writeLogin(updates, orEvent: orEvent, user: user, decidedOn: login)
    }
    func setPIN(_ pin: PINHash?, user: UserName) async throws(VerifierError) -> Bool { commit(); return try await inner.setPIN(pin, user: user) }
    func radiusClients() async throws(VerifierError) -> [RADIUSClientRecord] { read(); return try await inner.radiusClients() }
    func addRADIUSClient(_ client: RADIUSClientRecord, sealedUnder masterKeyID: String) async throws(VerifierError) {
        commit()
        try await inner.addRADIUSClient(client, sealedUnder: masterKeyID)
    }
    func removeRADIUSClient(name: String) async throws(VerifierError) -> Bool { commit(); return try await inner.removeRADIUSClient(name: name) }
}
