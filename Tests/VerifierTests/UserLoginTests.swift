import Foundation
import OTPCore
import Testing
import Verification

/// Issue 12, part 1: users own tokens; a login by user name checks the code against each token the user owns, at
/// most one accepts, an optional PIN comes first, and every refusal costs the same.
@Suite struct UserLoginTests {
    typealias F = VerifierFixture

    @Test(arguments: StoreKind.allCases) func aUsersTokenAcceptsOnceAndUnassignedItIsUnknown(_ kind: StoreKind) async throws {
        let fixture = try await F(kind)
        let verifier = try await fixture.addRFCToken("t1")
        try await verifier.assign(tokenID: "t1", to: "alice")
        #expect(try await verifier.tokens(ofUser: "alice").map(\.id) == ["t1"])
        #expect(try await verifier.verify(user: "alice", password: F.code(0)) == UserVerification(outcome: .accepted(counter: 0), tokenID: "t1"))
        #expect(try await verifier.verify(user: "alice", password: F.code(0)).outcome == .rejected(.replay))
        #expect(try await verifier.verify(user: "bob", password: F.code(1)).outcome == .rejected(.unknownUser))
        #expect(try await verifier.verify(user: "alice@corp", password: F.code(1)).outcome == .rejected(.unknownUser), "the realm is part of the name")
        try await verifier.unassign(tokenID: "t1")
        #expect(try await verifier.tokens(ofUser: "alice").isEmpty)
        #expect(try await verifier.verify(user: "alice", password: F.code(1)).outcome == .rejected(.unknownUser))
        #expect(try await verifier.verify(tokenID: "t1", code: F.code(1)) == .accepted(counter: 1), "by id it still works")
        await #expect(throws: VerifierError.unknownToken("nope")) { try await verifier.assign(tokenID: "nope", to: "alice") }
        await #expect(throws: VerifierError.self) { try await verifier.assign(tokenID: "t1", to: "") }
    }

    @Test func namesAreComparedAfterNFCNormalisation() async throws {
        let fixture = try await F()
        let verifier = try await fixture.addRFCToken("t1")
        try await verifier.assign(tokenID: "t1", to: "jos\u{E9}")
        #expect(try await verifier.verify(user: "jose\u{301}", password: F.code(0)).outcome.accepted)
        #expect(try await verifier.verify(user: "JOS\u{C9}", password: F.code(1)).outcome == .rejected(.unknownUser), "exact otherwise")
        #expect(try await UserName("alice@corp").text == "alice@corp")
    }

    /// Two tokens: the one whose code it is accepts; the other is not written (no failure counted on it).
    @Test(arguments: StoreKind.allCases) func ofSeveralTokensTheOneWhoseCodeItIsAccepts(_ kind: StoreKind) async throws {
        let fixture = try await F(kind)
        try await fixture.addRFCToken("a-token", counter: 500)
        let verifier = try await fixture.addRFCToken("b-token")
        for id in ["a-token", "b-token"] { try await verifier.assign(tokenID: id, to: "alice") }
        #expect(try await verifier.verify(user: "alice", password: F.code(2)) == UserVerification(outcome: .accepted(counter: 2), tokenID: "b-token"))
        let other = try #require(try await fixture.store.token(id: "a-token"))
        #expect(other.failures == 0 && other.version == 1, "only the assignment wrote the other token")
        #expect(try await verifier.verify(user: "alice", password: F.code(501)).tokenID == "a-token")
        let wrong = try await verifier.verify(user: "alice", password: "000000")
        #expect(wrong.outcome == .rejected(.wrongCode) && wrong.tokenID == nil)
        let failures = (try await fixture.store.token(id: "a-token")?.failures, try await fixture.store.token(id: "b-token")?.failures)
        #expect(failures == (1, 1), "a code no token accepts is a failure of each")
    }

    @Test(arguments: StoreKind.allCases) func aPINComesBeforeTheCodeAndAWrongPINIsAFailure(_ kind: StoreKind) async throws {
        let fixture = try await F(kind)
        let verifier = try await fixture.addRFCToken("t1")
        await #expect(throws: VerifierError.userOwnsNoToken("alice")) { try await verifier.setPIN("4711", user: "alice") }
        try await verifier.assign(tokenID: "t1", to: "alice")
        try await verifier.setPIN("4711", user: "alice")
        #expect(try await verifier.verify(user: "alice", password: F.code(0)).outcome == .rejected(.wrongPIN), "the code alone")
        #expect(try await verifier.verify(user: "alice", password: "4712" + F.code(0)).outcome == .rejected(.wrongPIN))
        #expect(try await fixture.store.token(id: "t1")?.failures == 2, "each wrong PIN is a failure of the user's token")
        #expect(try await verifier.verify(user: "alice", password: "4711" + F.code(0)).outcome == .accepted(counter: 0),
                "a wrong PIN consumed no code")
        #expect(try await fixture.store.token(id: "t1")?.failures == 0)
        let stored = try #require(try await fixture.store.login(user: UserName("alice")).pin)
        #expect(stored.iterations == PINHash.defaultIterations && stored.salt.count == 16)
        #expect(!stored.encoded.contains("4711") && !"\(stored)".contains("4711"))
        try await verifier.setPIN(nil, user: "alice")
        #expect(try await verifier.verify(user: "alice", password: F.code(1)).outcome.accepted, "PIN removed: the code alone")
    }

    @Test func pinHashesRoundTripAndRefuseDamage() async throws {
        let hash = try PINHash.make(pin: "4711", iterations: 1000)
        #expect(hash.matches(Array("4711".utf8)) && !hash.matches(Array("4712".utf8)) && !hash.matches([UInt8]()))
        #expect(try await PINHash(encoded: hash.encoded) == hash)
        await #expect(throws: VerifierError.self) { try await PINHash(encoded: "pbkdf2-sha256$1000$AAAA$AAAA") }
        await #expect(throws: VerifierError.self) { try await PINHash.make(pin: "") }
        await #expect(throws: VerifierError.self) { try await PINHash.make(pin: String(repeating: "1", count: 65)) }
    }

    /// An unknown user, a user owning no token, a locked token, a wrong PIN and a wrong code cost the same: HMACs,
    /// reads, commits and PIN derivations (every login derives one once any user has a PIN).
    @Test(arguments: StoreKind.allCases) func everyLoginRefusalCostsTheSame(_ kind: StoreKind) async throws {
        let fixture = try await F(kind)
        for (id, user) in [("t-wrong", "wrong"), ("t-locked", "locked"), ("t-pin", "pinned"), ("t-gone", "gone")] {
            let verifier = try await fixture.addRFCToken(id)
            try await verifier.assign(tokenID: id, to: user)
        }
        try await fixture.verifier().setPIN("2468", user: "pinned")
        try await fixture.verifier().unassign(tokenID: "t-gone")
        for _ in 0..<10 { _ = try await fixture.verifier().verify(tokenID: "t-locked", code: "000000") }
        let store = CountingTokenStore(fixture.store)
        let verifier = fixture.verifier(store: store)
        func cost(_ user: String, _ password: String, _ reason: RejectionReason) async throws -> RefusalWorkTests.Work {
            let pins = verifier.pinDerivationsComputed
            let work = try await RefusalWorkTests.work(verifier, store) { () async throws in
                #expect(try await verifier.verify(user: user, password: password).outcome == .rejected(reason), "\(user)")
            }
            #expect(verifier.pinDerivationsComputed - pins == 1, "\(user): one PIN derivation")
            return work
        }
        let unknown = try await cost("nobody", "000000", .unknownUser)
        #expect(unknown.hmacs > 1000 && unknown.reads == 1 && unknown.commits == 1)
        #expect(try await cost("gone", "000000", .unknownUser) == unknown)
        #expect(try await cost("locked", F.code(0), .locked) == unknown)
        #expect(try await cost("wrong", "000000", .wrongCode) == unknown)
        #expect(try await cost("pinned", "1357" + F.code(0), .wrongPIN) == unknown)
    }

    @Test(arguments: StoreKind.allCases) func anAutoResyncStartedByUserNamesItsTokenAndItsNextCodeCompletesIt(_ kind: StoreKind) async throws {
        let fixture = try await F(kind)
        let verifier = try await fixture.addRFCToken("t1")
        try await fixture.addRFCToken("t2")
        try await verifier.assign(tokenID: "t1", to: "alice")
        try await verifier.assign(tokenID: "t2", to: "bob")
        #expect(try await verifier.verify(user: "alice", password: F.code(40)) == UserVerification(outcome: .rejected(.resyncStarted), tokenID: "t1"))
        let state = try verifier.resyncChallengeState(user: "alice", tokenID: "t1")
        #expect(state.count < 253 && !String(decoding: state, as: UTF8.self).contains("t1"), "fits an attribute, names nothing")
        #expect(try await verifier.answerResyncChallenge(user: "bob", state: state, code: F.code(41)).outcome == .rejected(.unknownToken),
                "a State made for another user")
        var forged = state
        forged[forged.count - 1] ^= 1
        #expect(try await verifier.answerResyncChallenge(user: "alice", state: forged, code: F.code(41)).outcome == .rejected(.unknownToken))
        let otherKey = Verifier(store: fixture.store, keyring: MasterKeyring(current: MasterKey.generate()))
        #expect(try await verifier.answerResyncChallenge(user: "alice", state: otherKey.resyncChallengeState(user: "alice", tokenID: "t1"),
                                                   code: F.code(41)).outcome == .rejected(.unknownToken), "a State sealed under another master key")
        #expect(try await verifier.answerResyncChallenge(user: "alice", state: state, code: F.code(41))
                == UserVerification(outcome: .accepted(counter: 41), tokenID: "t1"))
        #expect(try await verifier.verify(user: "alice", password: F.code(41)).outcome == .rejected(.replay))
        fixture.advance(ResyncChallengeLifetime.seconds + 1)
        _ = try await verifier.verify(user: "alice", password: F.code(90))
        let late = try verifier.resyncChallengeState(user: "alice", tokenID: "t1")
        fixture.advance(ResyncChallengeLifetime.seconds + 1)
        #expect(try await verifier.answerResyncChallenge(user: "alice", state: late, code: F.code(91)).outcome == .rejected(.unknownToken), "expired")
    }

    enum ResyncChallengeLifetime { static let seconds: TimeInterval = 300 }

    /// Sixty-four logins with one code, on two stores: exactly one is accepted.
    @Test(arguments: StoreKind.allCases) func concurrentLoginsWithOneCodeAcceptOnce(_ kind: StoreKind) async throws {
        let fixture = try await F(kind)
        let verifier = try await fixture.addRFCToken("t1")
        try await fixture.addRFCToken("t2", counter: 100)
        try await verifier.assign(tokenID: "t1", to: "alice")
        try await verifier.assign(tokenID: "t2", to: "alice")
        let verifiers = [fixture.verifier(), fixture.verifier(store: try await fixture.anotherStore())]
        let accepted = try await withThrowingTaskGroup(of: Bool.self) { group in
            for index in 0..<64 {
                group.addTask { try await verifiers[index % 2].verify(user: "alice", password: F.code(3)).outcome.accepted }
            }
            return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
        }
        #expect(accepted == 1)
    }

    @Test(arguments: StoreKind.allCases) func radiusClientsAreSealedAndResealedWithTheTokens(_ kind: StoreKind) async throws {
        let fixture = try await F(kind)
        let verifier = fixture.verifier()
        let secret = try Secret(bytes: Array("a-shared-secret-of-radius".utf8))
        try await verifier.addRADIUSClient(name: "vpn", address: "10.0.0.0/8", secret: secret, messageAuthenticator: .required)
        await #expect(throws: VerifierError.duplicateRADIUSClient("vpn")) {
            try await verifier.addRADIUSClient(name: "vpn", address: "10.0.0.1", secret: secret, messageAuthenticator: .required)
        }
        await #expect(throws: VerifierError.self) {
            try await verifier.addRADIUSClient(name: "short", address: "10.0.0.1", secret: try await Secret(bytes: [1, 2, 3]), messageAuthenticator: .required)
        }
        let stored = try #require(try await fixture.store.radiusClients().first)
        #expect(stored.name == "vpn" && stored.address == "10.0.0.0/8" && stored.messageAuthenticator == .required)
        #expect(try await verifier.sharedSecret(of: stored) == secret)
        #expect(try await Verifier.mayCreateMasterKey(for: fixture.store) == false, "a sealed client secret needs its key too")
        for file in try await fixture.databaseFiles() {
            let data = try Data(contentsOf: URL(fileURLWithPath: file))
            #expect(data.range(of: Data(secret.bytes)) == nil, "the shared secret in plain text in \(file)")
        }
        var moved = stored
        moved.name = "other"
        await #expect(throws: VerifierError.sealedSecretDamaged(RADIUSClientRecord.sealingName("other"))) { try await verifier.sharedSecret(of: moved) }

        let newKey = MasterKey.generate()
        let rotating = Verifier(store: fixture.store, keyring: MasterKeyring(current: newKey, older: [fixture.keyring.current]))
        _ = try await rotating.resealAll()
        #expect(try await fixture.store.sealingKeyIDs() == [newKey.id])
        let resealed = try #require(try await fixture.store.radiusClients().first)
        #expect(try await Verifier(store: fixture.store, keyring: MasterKeyring(current: newKey)).sharedSecret(of: resealed) == secret)
        try await rotating.removeRADIUSClient(name: "vpn")
        await #expect(throws: VerifierError.unknownRADIUSClient("vpn")) { try await rotating.removeRADIUSClient(name: "vpn") }
    }
}
