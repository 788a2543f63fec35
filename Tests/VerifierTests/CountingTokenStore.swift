import Foundation
import Synchronization
import Verifier

/// A token store that counts what a decision asks of the store beneath: reads, and writes (each one commit).
final class CountingTokenStore: TokenStore {
    let inner: any TokenStore
    private let counts = Mutex((reads: 0, commits: 0))

    init(_ inner: any TokenStore) { self.inner = inner }

    var reads: Int { counts.withLock { $0.reads } }
    var commits: Int { counts.withLock { $0.commits } }

    private func read() { counts.withLock { $0.reads += 1 } }
    private func commit() { counts.withLock { $0.commits += 1 } }

    func token(id: String) throws(VerifierError) -> VerifierToken? { read(); return try inner.token(id: id) }
    func update(_ token: VerifierToken, event: String) throws(VerifierError) -> Bool { commit(); return try inner.update(token, event: event) }
    func insert(_ tokens: [VerifierToken], sealedUnder masterKeyID: String) throws(VerifierError) {
        commit()
        try inner.insert(tokens, sealedUnder: masterKeyID)
    }
    func replaceAll(with tokens: [VerifierToken], sealedUnder masterKeyID: String?) throws(VerifierError) {
        commit()
        try inner.replaceAll(with: tokens, sealedUnder: masterKeyID)
    }
    func reseal(_ tokens: [VerifierToken], clients: [RADIUSClientRecord], to masterKeyID: String) throws(VerifierError) -> Bool {
        commit()
        return try inner.reseal(tokens, clients: clients, to: masterKeyID)
    }
    func delete(id: String) throws(VerifierError) -> Bool { commit(); return try inner.delete(id: id) }
    func recordEvent(tokenID: String, event: String) throws(VerifierError) { commit(); try inner.recordEvent(tokenID: tokenID, event: event) }
    func pruneEvents(before date: Date) throws(VerifierError) -> Int { commit(); return try inner.pruneEvents(before: date) }
    func allTokens() throws(VerifierError) -> [VerifierToken] { read(); return try inner.allTokens() }
    func masterKeyID() throws(VerifierError) -> String? { read(); return try inner.masterKeyID() }
    func sealingKeyIDs() throws(VerifierError) -> Set<String> { read(); return try inner.sealingKeyIDs() }
    func login(user: UserName) throws(VerifierError) -> UserLogin { read(); return try inner.login(user: user) }
    func setPIN(_ pin: PINHash?, user: UserName) throws(VerifierError) -> Bool { commit(); return try inner.setPIN(pin, user: user) }
    func radiusClients() throws(VerifierError) -> [RADIUSClientRecord] { read(); return try inner.radiusClients() }
    func addRADIUSClient(_ client: RADIUSClientRecord, sealedUnder masterKeyID: String) throws(VerifierError) {
        commit()
        try inner.addRADIUSClient(client, sealedUnder: masterKeyID)
    }
    func removeRADIUSClient(name: String) throws(VerifierError) -> Bool { commit(); return try inner.removeRADIUSClient(name: name) }
}
