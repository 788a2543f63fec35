import Foundation
import OTPCore
import Testing
import Verifier

/// Issue 12, part 1: users own tokens; a login by user name checks the code against each token the user owns, at
/// most one accepts, an optional PIN comes first, and every refusal costs the same.
@Suite struct UserLoginTests {
    typealias F = VerifierFixture

    @Test(arguments: StoreKind.allCases) func aUsersTokenAcceptsOnceAndUnassignedItIsUnknown(_ kind: StoreKind) throws {
        let fixture = try F(kind)
        let verifier = try fixture.addRFCToken("t1")
        try verifier.assign(tokenID: "t1", to: "alice")
        #expect(try verifier.tokens(ofUser: "alice").map(\.id) == ["t1"])
        #expect(try verifier.verify(user: "alice", password: F.code(0)) == UserVerification(outcome: .accepted(counter: 0), tokenID: "t1"))
        #expect(try verifier.verify(user: "alice", password: F.code(0)).outcome == .rejected(.replay))
        #expect(try verifier.verify(user: "bob", password: F.code(1)).outcome == .rejected(.unknownUser))
        #expect(try verifier.verify(user: "alice@corp", password: F.code(1)).outcome == .rejected(.unknownUser), "the realm is part of the name")
        try verifier.unassign(tokenID: "t1")
        #expect(try verifier.tokens(ofUser: "alice").isEmpty)
        #expect(try verifier.verify(user: "alice", password: F.code(1)).outcome == .rejected(.unknownUser))
        #expect(try verifier.verify(tokenID: "t1", code: F.code(1)) == .accepted(counter: 1), "by id it still works")
        #expect(throws: VerifierError.unknownToken("nope")) { try verifier.assign(tokenID: "nope", to: "alice") }
        #expect(throws: VerifierError.self) { try verifier.assign(tokenID: "t1", to: "") }
    }

    @Test func namesAreComparedAfterNFCNormalisation() throws {
        let fixture = try F()
        let verifier = try fixture.addRFCToken("t1")
        try verifier.assign(tokenID: "t1", to: "jos\u{E9}")
        #expect(try verifier.verify(user: "jose\u{301}", password: F.code(0)).outcome.accepted)
        #expect(try verifier.verify(user: "JOS\u{C9}", password: F.code(1)).outcome == .rejected(.unknownUser), "exact otherwise")
        #expect(try UserName("alice@corp").text == "alice@corp")
    }

    /// Two tokens: the one whose code it is accepts; the other is not written (no failure counted on it).
    @Test(arguments: StoreKind.allCases) func ofSeveralTokensTheOneWhoseCodeItIsAccepts(_ kind: StoreKind) throws {
        let fixture = try F(kind)
        try fixture.addRFCToken("a-token", counter: 500)
        let verifier = try fixture.addRFCToken("b-token")
        for id in ["a-token", "b-token"] { try verifier.assign(tokenID: id, to: "alice") }
        #expect(try verifier.verify(user: "alice", password: F.code(2)) == UserVerification(outcome: .accepted(counter: 2), tokenID: "b-token"))
        let other = try #require(try fixture.store.token(id: "a-token"))
        #expect(other.failures == 0 && other.version == 1, "only the assignment wrote the other token")
        #expect(try verifier.verify(user: "alice", password: F.code(501)).tokenID == "a-token")
        let wrong = try verifier.verify(user: "alice", password: "000000")
        #expect(wrong.outcome == .rejected(.wrongCode) && wrong.tokenID == nil)
        #expect(try fixture.store.token(id: "a-token")?.failures == 1 && fixture.store.token(id: "b-token")?.failures == 1,
                "a code no token accepts is a failure of each")
    }

    @Test(arguments: StoreKind.allCases) func aPINComesBeforeTheCodeAndAWrongPINIsAFailure(_ kind: StoreKind) throws {
        let fixture = try F(kind)
        let verifier = try fixture.addRFCToken("t1")
        #expect(throws: VerifierError.userOwnsNoToken("alice")) { try verifier.setPIN("4711", user: "alice") }
        try verifier.assign(tokenID: "t1", to: "alice")
        try verifier.setPIN("4711", user: "alice")
        #expect(try verifier.verify(user: "alice", password: F.code(0)).outcome == .rejected(.wrongPIN), "the code alone")
        #expect(try verifier.verify(user: "alice", password: "4712" + F.code(0)).outcome == .rejected(.wrongPIN))
        #expect(try fixture.store.token(id: "t1")?.failures == 2, "each wrong PIN is a failure of the user's token")
        #expect(try verifier.verify(user: "alice", password: "4711" + F.code(0)).outcome == .accepted(counter: 0),
                "a wrong PIN consumed no code")
        #expect(try fixture.store.token(id: "t1")?.failures == 0)
        let stored = try #require(try fixture.store.login(user: UserName("alice")).pin)
        #expect(stored.iterations == PINHash.defaultIterations && stored.salt.count == 16)
        #expect(!stored.encoded.contains("4711") && !"\(stored)".contains("4711"))
        try verifier.setPIN(nil, user: "alice")
        #expect(try verifier.verify(user: "alice", password: F.code(1)).outcome.accepted, "PIN removed: the code alone")
    }

    @Test func pinHashesRoundTripAndRefuseDamage() throws {
        let hash = try PINHash.make(pin: "4711", iterations: 1000)
        #expect(hash.matches(Array("4711".utf8)) && !hash.matches(Array("4712".utf8)) && !hash.matches([UInt8]()))
        #expect(try PINHash(encoded: hash.encoded) == hash)
        #expect(throws: VerifierError.self) { try PINHash(encoded: "pbkdf2-sha256$1000$AAAA$AAAA") }
        #expect(throws: VerifierError.self) { try PINHash.make(pin: "") }
        #expect(throws: VerifierError.self) { try PINHash.make(pin: String(repeating: "1", count: 65)) }
    }

    /// An unknown user, a user owning no token, a locked token, a wrong PIN and a wrong code cost the same: HMACs,
    /// reads, commits and PIN derivations (every login derives one once any user has a PIN).
    @Test(arguments: StoreKind.allCases) func everyLoginRefusalCostsTheSame(_ kind: StoreKind) throws {
        let fixture = try F(kind)
        for (id, user) in [("t-wrong", "wrong"), ("t-locked", "locked"), ("t-pin", "pinned"), ("t-gone", "gone")] {
            let verifier = try fixture.addRFCToken(id)
            try verifier.assign(tokenID: id, to: user)
        }
        try fixture.verifier().setPIN("2468", user: "pinned")
        try fixture.verifier().unassign(tokenID: "t-gone")
        for _ in 0..<10 { _ = try fixture.verifier().verify(tokenID: "t-locked", code: "000000") }
        let store = CountingTokenStore(fixture.store)
        let verifier = fixture.verifier(store: store)
        func cost(_ user: String, _ password: String, _ reason: RejectionReason) throws -> RefusalWorkTests.Work {
            let pins = verifier.pinDerivationsComputed
            let work = try RefusalWorkTests.work(verifier, store) { () throws in
                #expect(try verifier.verify(user: user, password: password).outcome == .rejected(reason), "\(user)")
            }
            #expect(verifier.pinDerivationsComputed - pins == 1, "\(user): one PIN derivation")
            return work
        }
        let unknown = try cost("nobody", "000000", .unknownUser)
        #expect(unknown.hmacs > 1000 && unknown.reads == 1 && unknown.commits == 1)
        #expect(try cost("gone", "000000", .unknownUser) == unknown)
        #expect(try cost("locked", F.code(0), .locked) == unknown)
        #expect(try cost("wrong", "000000", .wrongCode) == unknown)
        #expect(try cost("pinned", "1357" + F.code(0), .wrongPIN) == unknown)
    }

    @Test(arguments: StoreKind.allCases) func anAutoResyncStartedByUserNamesItsTokenAndItsNextCodeCompletesIt(_ kind: StoreKind) throws {
        let fixture = try F(kind)
        let verifier = try fixture.addRFCToken("t1")
        try fixture.addRFCToken("t2")
        try verifier.assign(tokenID: "t1", to: "alice")
        try verifier.assign(tokenID: "t2", to: "bob")
        #expect(try verifier.verify(user: "alice", password: F.code(40)) == UserVerification(outcome: .rejected(.resyncStarted), tokenID: "t1"))
        let state = try verifier.resyncChallengeState(user: "alice", tokenID: "t1")
        #expect(state.count < 253 && !String(decoding: state, as: UTF8.self).contains("t1"), "fits an attribute, names nothing")
        #expect(try verifier.answerResyncChallenge(user: "bob", state: state, code: F.code(41)).outcome == .rejected(.unknownToken),
                "a State made for another user")
        var forged = state
        forged[forged.count - 1] ^= 1
        #expect(try verifier.answerResyncChallenge(user: "alice", state: forged, code: F.code(41)).outcome == .rejected(.unknownToken))
        let otherKey = Verifier(store: fixture.store, keyring: MasterKeyring(current: MasterKey.generate()))
        #expect(try verifier.answerResyncChallenge(user: "alice", state: otherKey.resyncChallengeState(user: "alice", tokenID: "t1"),
                                                   code: F.code(41)).outcome == .rejected(.unknownToken), "a State sealed under another master key")
        #expect(try verifier.answerResyncChallenge(user: "alice", state: state, code: F.code(41))
                == UserVerification(outcome: .accepted(counter: 41), tokenID: "t1"))
        #expect(try verifier.verify(user: "alice", password: F.code(41)).outcome == .rejected(.replay))
        fixture.advance(ResyncChallengeLifetime.seconds + 1)
        _ = try verifier.verify(user: "alice", password: F.code(90))
        let late = try verifier.resyncChallengeState(user: "alice", tokenID: "t1")
        fixture.advance(ResyncChallengeLifetime.seconds + 1)
        #expect(try verifier.answerResyncChallenge(user: "alice", state: late, code: F.code(91)).outcome == .rejected(.unknownToken), "expired")
    }

    enum ResyncChallengeLifetime { static let seconds: TimeInterval = 300 }

    /// Sixty-four logins with one code, on two stores: exactly one is accepted.
    @Test(arguments: StoreKind.allCases) func concurrentLoginsWithOneCodeAcceptOnce(_ kind: StoreKind) async throws {
        let fixture = try F(kind)
        let verifier = try fixture.addRFCToken("t1")
        try fixture.addRFCToken("t2", counter: 100)
        try verifier.assign(tokenID: "t1", to: "alice")
        try verifier.assign(tokenID: "t2", to: "alice")
        let verifiers = [fixture.verifier(), fixture.verifier(store: try fixture.anotherStore())]
        let accepted = try await withThrowingTaskGroup(of: Bool.self) { group in
            for index in 0..<64 {
                group.addTask { try verifiers[index % 2].verify(user: "alice", password: F.code(3)).outcome.accepted }
            }
            return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
        }
        #expect(accepted == 1)
    }

    @Test(arguments: StoreKind.allCases) func radiusClientsAreSealedAndResealedWithTheTokens(_ kind: StoreKind) throws {
        let fixture = try F(kind)
        let verifier = fixture.verifier()
        let secret = try Secret(bytes: Array("a-shared-secret-of-radius".utf8))
        try verifier.addRADIUSClient(name: "vpn", address: "10.0.0.0/8", secret: secret, messageAuthenticator: .required)
        #expect(throws: VerifierError.duplicateRADIUSClient("vpn")) {
            try verifier.addRADIUSClient(name: "vpn", address: "10.0.0.1", secret: secret, messageAuthenticator: .required)
        }
        #expect(throws: VerifierError.self) {
            try verifier.addRADIUSClient(name: "short", address: "10.0.0.1", secret: try Secret(bytes: [1, 2, 3]), messageAuthenticator: .required)
        }
        let stored = try #require(try fixture.store.radiusClients().first)
        #expect(stored.name == "vpn" && stored.address == "10.0.0.0/8" && stored.messageAuthenticator == .required)
        #expect(try verifier.sharedSecret(of: stored) == secret)
        #expect(try Verifier.mayCreateMasterKey(for: fixture.store) == false, "a sealed client secret needs its key too")
        for file in try fixture.databaseFiles() {
            let data = try Data(contentsOf: URL(fileURLWithPath: file))
            #expect(data.range(of: Data(secret.bytes)) == nil, "the shared secret in plain text in \(file)")
        }
        var moved = stored
        moved.name = "other"
        #expect(throws: VerifierError.sealedSecretDamaged(RADIUSClientRecord.sealingName("other"))) { try verifier.sharedSecret(of: moved) }

        let newKey = MasterKey.generate()
        let rotating = Verifier(store: fixture.store, keyring: MasterKeyring(current: newKey, older: [fixture.keyring.current]))
        _ = try rotating.resealAll()
        #expect(try fixture.store.sealingKeyIDs() == [newKey.id])
        let resealed = try #require(try fixture.store.radiusClients().first)
        #expect(try Verifier(store: fixture.store, keyring: MasterKeyring(current: newKey)).sharedSecret(of: resealed) == secret)
        try rotating.removeRADIUSClient(name: "vpn")
        #expect(throws: VerifierError.unknownRADIUSClient("vpn")) { try rotating.removeRADIUSClient(name: "vpn") }
    }
}
