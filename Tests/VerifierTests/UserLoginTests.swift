import Foundation
import MasterKeys
import OTPCore
import Testing
import Verification
import VerifierStorage

/// Issue 12, part 1: users own tokens; a login by user name checks the code against each token the user owns, at
/// most one accepts, an optional PIN comes first, and every refusal costs the same.
@Suite struct UserLoginTests {
    typealias F = VerifierFixture

    @Test(arguments: StoreKind.allCases) func aUsersTokenAcceptsOnceAndUnassignedItIsUnknown(_ kind: StoreKind) async throws {
        let fixture = try await F(kind)
        let verifier = try await fixture.addRFCToken("t1")
        try await verifier.administration.assign(tokenID: "t1", to: "alice")
        #expect(try await verifier.administration.tokens(ofUser: "alice").map(\.id) == ["t1"])
        #expect(try await verifier.verify(user: "alice", password: F.code(0)) == UserVerification(outcome: .accepted(counter: 0), tokenID: "t1"))
        #expect(try await verifier.verify(user: "alice", password: F.code(0)).outcome == .rejected(.replay))
        #expect(try await verifier.verify(user: "bob", password: F.code(1)).outcome == .rejected(.unknownUser))
        #expect(try await verifier.verify(user: "alice@corp", password: F.code(1)).outcome == .rejected(.unknownUser), "the realm is part of the name")
        try await verifier.administration.unassign(tokenID: "t1")
        #expect(try await verifier.administration.tokens(ofUser: "alice").isEmpty)
        #expect(try await verifier.verify(user: "alice", password: F.code(1)).outcome == .rejected(.unknownUser))
        #expect(try await verifier.verify(tokenID: "t1", code: F.code(1)) == .accepted(counter: 1), "by id it still works")
        await #expect(throws: VerifierError.unknownToken("nope")) { try await verifier.administration.assign(tokenID: "nope", to: "alice") }
        await #expect(throws: VerifierError.self) { try await verifier.administration.assign(tokenID: "t1", to: "") }
    }

    @Test func namesAreComparedAfterNFCNormalisation() async throws {
        let fixture = try await F()
        let verifier = try await fixture.addRFCToken("t1")
        try await verifier.administration.assign(tokenID: "t1", to: "jos\u{E9}")
        #expect(try await verifier.verify(user: "jose\u{301}", password: F.code(0)).outcome.accepted)
        #expect(try await verifier.verify(user: "JOS\u{C9}", password: F.code(1)).outcome == .rejected(.unknownUser), "exact otherwise")
        #expect(try UserName("alice@corp").text == "alice@corp")
    }

    /// Two tokens: the one whose code it is accepts; the other is not written (no failure counted on it).
    @Test(arguments: StoreKind.allCases) func ofSeveralTokensTheOneWhoseCodeItIsAccepts(_ kind: StoreKind) async throws {
        let fixture = try await F(kind)
        try await fixture.addRFCToken("a-token", counter: 500)
        let verifier = try await fixture.addRFCToken("b-token")
        for id in ["a-token", "b-token"] { try await verifier.administration.assign(tokenID: id, to: "alice") }
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
        await #expect(throws: VerifierError.userOwnsNoToken("alice")) { try await verifier.administration.setPIN("4711", user: "alice") }
        try await verifier.administration.assign(tokenID: "t1", to: "alice")
        try await verifier.administration.setPIN("4711", user: "alice")
        #expect(try await verifier.verify(user: "alice", password: F.code(0)).outcome == .rejected(.wrongPIN), "the code alone")
        #expect(try await verifier.verify(user: "alice", password: "4712" + F.code(0)).outcome == .rejected(.wrongPIN))
        #expect(try await fixture.store.token(id: "t1")?.failures == 2, "each wrong PIN is a failure of the user's token")
        #expect(try await verifier.verify(user: "alice", password: "4711" + F.code(0)).outcome == .accepted(counter: 0),
                "a wrong PIN consumed no code")
        #expect(try await fixture.store.token(id: "t1")?.failures == 0)
        let stored = try #require(try await fixture.store.login(user: UserName("alice")).pin)
        #expect(stored.iterations == PINHash.defaultIterations && stored.salt.count == 16)
        #expect(!stored.encoded.contains("4711") && !"\(stored)".contains("4711"))
        try await verifier.administration.setPIN(nil, user: "alice")
        #expect(try await verifier.verify(user: "alice", password: F.code(1)).outcome.accepted, "PIN removed: the code alone")
    }

    @Test func pinHashesRoundTripAndRefuseDamage() async throws {
        let hash = try PINHash.make(pin: "4711", iterations: 1000)
        #expect(hash.matches(Array("4711".utf8)) && !hash.matches(Array("4712".utf8)) && !hash.matches([UInt8]()))
        #expect(try PINHash(encoded: hash.encoded) == hash)
        #expect(throws: VerifierError.self) { try PINHash(encoded: "pbkdf2-sha256$1000$AAAA$AAAA") }
        #expect(throws: VerifierError.self) { try PINHash.make(pin: "") }
        #expect(throws: VerifierError.self) { try PINHash.make(pin: String(repeating: "1", count: 65)) }
    }

    /// Issue 20, item 3: every refusal of a login does the same work, whatever the user owns: an unknown user, a user
    /// owning no token, one, four or the most tokens a user may own, tokens of two code lengths, a locked token, a
    /// wrong PIN (also with two code lengths) and a wrong code: HMACs, reads, commits and exactly one PIN derivation.
    /// Every case is measured once the store has seen each user (PostgreSQL keeps users, known or not, as it read
    /// them: one commit and no read each, then); `aColdLoginCostsWhatAWarmOneDoesForAnyUser` checks the first login.
    @Test(arguments: StoreKind.allCases) func everyLoginRefusalCostsTheSame(_ kind: StoreKind) async throws {
        let fixture = try await F(kind)
        let owners: [(user: String, digits: [Int])] = [
            ("wrong", [6]), ("locked", [6]), ("pinned", [6]), ("gone", [6]), ("four", [6, 6, 6, 6]),
            ("most", Array(repeating: 6, count: Verifier.maximumTokensPerUser)), ("mixed", [6, 8]), ("pinned-mixed", [8, 6]),
        ]
        let enrol = fixture.verifier()
        for owner in owners {
            try await enrol.add(try owner.digits.enumerated().map { index, digits in
                try enrol.makeToken(id: "\(owner.user)-\(index)", secret: F.rfcSecret, digits: digits, user: owner.user)
            })
        }
        for user in ["pinned", "pinned-mixed"] { try await enrol.administration.setPIN("2468", user: user) }
        try await enrol.administration.unassign(tokenID: "gone-0")
        for _ in 0..<10 { _ = try await enrol.verify(tokenID: "locked-0", code: "000000") }
        let store = CountingTokenStore(fixture.store)
        let verifier = fixture.verifier(store: store)
        for user in ["nobody"] + owners.map(\.user) { _ = try await verifier.verify(user: user, password: "000000") }
        func cost(_ user: String, _ password: String, _ reason: RejectionReason) async throws -> RefusalWorkTests.Work {
            let pins = verifier.pinDerivationsComputed
            let work = try await RefusalWorkTests.work(verifier, store) { () async throws in
                #expect(try await verifier.verify(user: user, password: password).outcome == .rejected(reason), "\(user)")
            }
            #expect(verifier.pinDerivationsComputed - pins == 1, "\(user): one PIN derivation")
            return work
        }
        let unknown = try await cost("nobody", "000000", .unknownUser)
        #expect(unknown.hmacs >= Verifier.maximumTokensPerUser * 1000 && unknown.reads == (kind == .postgres ? 0 : 1) && unknown.commits == 1, "\(unknown)")
        #expect(try await cost("gone", "000000", .unknownUser) == unknown)
        #expect(try await cost("locked", F.code(0), .locked) == unknown)
        #expect(try await cost("wrong", "000000", .wrongCode) == unknown)
        #expect(try await cost("four", "000000", .wrongCode) == unknown)
        #expect(try await cost("most", "000000", .wrongCode) == unknown)
        #expect(try await cost("mixed", "000000", .wrongCode) == unknown)
        #expect(try await cost("pinned", "1357" + F.code(0), .wrongPIN) == unknown)
        #expect(try await cost("pinned", "2468000000", .wrongCode) == unknown)
        #expect(try await cost("pinned-mixed", "1357" + F.code(0), .wrongPIN) == unknown)
        #expect(try await cost("pinned-mixed", "1357" + F.code(0, digits: 8), .wrongPIN) == unknown, "the 8-digit token is first")
        #expect(try await verifier.verify(user: "pinned-mixed", password: "2468" + F.code(0)).outcome.accepted, "the 6-digit token's code")
        #expect(try await verifier.verify(user: "pinned-mixed", password: "2468" + F.code(0, digits: 8)).outcome.accepted, "the 8-digit token's code")
    }

    /// A store that keeps users (PostgreSQL) keeps unknown names too: a name's first login costs one read and one
    /// commit, and later ones a commit alone, whether the name owns a token or not, so timing tells no name that exists.
    @Test(arguments: StoreKind.allCases) func knownAndUnknownNamesCostTheSameFirstAndLater(_ kind: StoreKind) async throws {
        let fixture = try await F(kind)
        let enrol = fixture.verifier(store: try await fixture.anotherStore())  // another node: this one has seen nobody
        try await enrol.add([try enrol.makeToken(id: "alice-0", secret: F.rfcSecret, user: "alice")])
        let store = CountingTokenStore(fixture.store)
        let verifier = fixture.verifier(store: store)
        func cost(_ user: String) async throws -> RefusalWorkTests.Work {
            try await RefusalWorkTests.work(verifier, store) { () async throws in
                #expect(try await verifier.verify(user: user, password: "000000").outcome.accepted == false)
            }
        }
        let firstKnown = try await cost("alice"), firstUnknown = try await cost("nobody")
        let laterKnown = try await cost("alice"), laterUnknown = try await cost("nobody")
        #expect(firstKnown == firstUnknown && firstKnown.reads == 1 && firstKnown.commits == 1, "\(firstKnown) \(firstUnknown)")
        #expect(laterKnown == laterUnknown && laterKnown.reads == (kind == .postgres ? 0 : 1) && laterKnown.commits == 1, "\(laterKnown) \(laterUnknown)")
    }

    /// The store's decision count (public /metrics) says one decision per refused login, however many tokens the
    /// user owns: a count of rows would tell a prober how many that is.
    @Test func aRefusedLoginCountsOneDecisionWhateverTheUserOwns() async throws {
        let fixture = try await F()
        let verifier = fixture.verifier()
        try await verifier.add(try (0..<4).map { try verifier.makeToken(id: "t\($0)", secret: F.rfcSecret, user: "alice") })
        let store = try #require(fixture.store as? SQLiteTokenStore)
        func decisions(_ user: String) async throws -> Int {
            let before = store.figures.decisions
            #expect(try await verifier.verify(user: user, password: "000000").outcome.accepted == false)
            return store.figures.decisions - before
        }
        #expect(try await decisions("nobody") == 1)
        #expect(try await decisions("alice") == 1)
    }

    /// The documented limit of tokens a user owns holds on assignment and on import.
    @Test func aUserOwnsAtMostTheDocumentedNumberOfTokens() async throws {
        let fixture = try await F()
        let verifier = fixture.verifier()
        let most = Verifier.maximumTokensPerUser
        try await verifier.add(try (0..<most).map { try verifier.makeToken(id: "t\($0)", secret: F.rfcSecret, user: "alice") })
        try await fixture.addRFCToken("extra")
        await #expect(throws: VerifierError.self) { try await verifier.administration.assign(tokenID: "extra", to: "alice") }
        try await verifier.administration.assign(tokenID: "t0", to: "alice")  // assigning one she owns again is no new token
        await #expect(throws: VerifierError.self) {
            try await verifier.add([try verifier.makeToken(id: "more", secret: F.rfcSecret, user: "alice")])
        }
        #expect(try await fixture.store.token(id: "more") == nil)
        #expect(try await verifier.administration.tokens(ofUser: "alice").count == most)
    }

    /// Issue 20, item 1: the State of an auto-resync challenge is answered once, by the code right after the one that
    /// started the resync, for the user and the client that got it; any answer spends it, and a spent, expired or
    /// foreign State is refused and starts nothing.
    @Test(arguments: StoreKind.allCases) func aChallengeIsAnsweredOnceByTheNextCodeOnly(_ kind: StoreKind) async throws {
        let fixture = try await F(kind)
        let verifier = try await fixture.addRFCToken("t1")
        try await fixture.addRFCToken("t2")
        try await verifier.administration.assign(tokenID: "t1", to: "alice")
        try await verifier.administration.assign(tokenID: "t2", to: "bob")
        try await verifier.administration.setPIN("2468", user: "alice")
        #expect(try await verifier.verify(user: "alice", password: "1357" + F.code(40), challengeClient: "vpn").outcome == .rejected(.wrongPIN),
                "a wrong PIN starts no resync")
        #expect(try await fixture.store.token(id: "t1")?.pendingResync == nil)
        let started = try await verifier.verify(user: "alice", password: "2468" + F.code(40), challengeClient: "vpn")
        #expect(started.outcome == .rejected(.resyncStarted) && started.tokenID == "t1")
        let state = try #require(started.challengeState)
        #expect(state.count < 253 && !String(decoding: state, as: UTF8.self).contains("t1"), "fits an attribute, names nothing")

        // Foreign States: another user, another client, tampered, another master key. None reaches the token.
        #expect(try await verifier.answerResyncChallenge(user: "bob", client: "vpn", state: state, code: F.code(41)).outcome == .rejected(.badState))
        #expect(try await verifier.answerResyncChallenge(user: "alice", client: "ssh", state: state, code: F.code(41)).outcome == .rejected(.badState))
        var forged = state
        forged[forged.count - 1] ^= 1
        #expect(try await verifier.answerResyncChallenge(user: "alice", client: "vpn", state: forged, code: F.code(41)).outcome == .rejected(.badState))
        let otherKey = Verifier(store: fixture.store, keyring: MasterKeyring(current: MasterKey.generate()))
        let pending = try #require(try await fixture.store.token(id: "t1")?.pendingResync)
        let foreign = try otherKey.resyncChallengeState(user: "alice", client: "vpn", tokenID: "t1", pending: pending)
        #expect(try await verifier.answerResyncChallenge(user: "alice", client: "vpn", state: foreign, code: F.code(41)).outcome == .rejected(.badState))
        #expect(try await fixture.store.token(id: "t1")?.pendingResync?.counter == 40, "foreign States left the resync alone")

        // A newer resync (the code 40 again, later) makes the first State name a resync no longer pending.
        fixture.advance(1)
        let current = try #require(try await verifier.verify(user: "alice", password: "2468" + F.code(40), challengeClient: "vpn").challengeState)
        #expect(try await verifier.answerResyncChallenge(user: "alice", client: "vpn", state: state, code: F.code(41)).outcome == .rejected(.badState))
        let failuresBefore = try #require(try await fixture.store.token(id: "t1")).failures
        #expect(try await verifier.answerResyncChallenge(user: "alice", client: "vpn", state: current, code: F.code(1)).outcome == .rejected(.challengeRefused),
                "a code in the look-ahead window is not the challenge's answer")
        let afterWrong = try #require(try await fixture.store.token(id: "t1"))
        #expect(afterWrong.pendingResync == nil && afterWrong.failures == failuresBefore + 1 && afterWrong.counter == 0)
        for code in [F.code(41), F.code(42), F.code(43)] {
            #expect(try await verifier.answerResyncChallenge(user: "alice", client: "vpn", state: current, code: code).outcome == .rejected(.badState),
                    "a spent State logs nobody in, whatever the code")
        }
        #expect(try await fixture.store.token(id: "t1")?.pendingResync == nil, "and starts nothing")

        // A fresh challenge, answered right: accepted once; the same State again, with each next code, is refused.
        let fresh = try #require(try await verifier.verify(user: "alice", password: "2468" + F.code(50), challengeClient: "vpn").challengeState)
        #expect(try await verifier.answerResyncChallenge(user: "alice", client: "vpn", state: fresh, code: F.code(51))
                == UserVerification(outcome: .accepted(counter: 51), tokenID: "t1"))
        for code in [F.code(51), F.code(52), F.code(53)] {
            #expect(try await verifier.answerResyncChallenge(user: "alice", client: "vpn", state: fresh, code: code).outcome == .rejected(.badState))
        }
        #expect(try await fixture.store.token(id: "t1")?.counter == 52)
        #expect(try await verifier.verify(user: "alice", password: "2468" + F.code(52)).outcome == .accepted(counter: 52), "the PIN path goes on")

        // Expired: past the State's lifetime the answer is refused and the resync is not completed.
        let late = try #require(try await verifier.verify(user: "alice", password: "2468" + F.code(90), challengeClient: "vpn").challengeState)
        fixture.advance(ResyncChallengeLifetime.seconds + 1)
        #expect(try await verifier.answerResyncChallenge(user: "alice", client: "vpn", state: late, code: F.code(91)).outcome == .rejected(.badState))
        #expect(try await fixture.store.token(id: "t1")?.counter == 53)
        let events = try await fixture.events()
        #expect(events.contains("t1 verify:challenge_answered") && events.contains("t1 verify:challenge_refused")
                && events.contains { $0.hasSuffix("verify:bad_state") })
    }

    /// Across two stores on one database (two nodes): of answers carrying one State, racing on either node, exactly one
    /// is accepted, and a later replay to either is refused.
    @Test(arguments: StoreKind.allCases) func aChallengeIsAnsweredOnceAcrossNodes(_ kind: StoreKind) async throws {
        let fixture = try await F(kind)
        let nodeA = try await fixture.addRFCToken("t1")
        try await nodeA.administration.assign(tokenID: "t1", to: "alice")
        let nodeB = fixture.verifier(store: try await fixture.anotherStore())
        for round in 0..<5 {
            let ahead = UInt64(100 * (round + 1))
            let state = try #require(try await nodeA.verify(user: "alice", password: F.code(ahead), challengeClient: "vpn").challengeState)
            let answers = try await withThrowingTaskGroup(of: Bool.self) { group in
                for node in [nodeB, nodeA, nodeB, nodeA] {
                    group.addTask { try await node.answerResyncChallenge(user: "alice", client: "vpn", state: state, code: F.code(ahead + 1)).outcome.accepted }
                }
                return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
            }
            #expect(answers == 1, "round \(round)")
            for node in [nodeA, nodeB] {
                #expect(try await node.answerResyncChallenge(user: "alice", client: "vpn", state: state, code: F.code(ahead + 2)).outcome == .rejected(.badState))
            }
        }
    }

    /// Issue 20, item 2: a token whose user has a PIN is verified by id only with the PIN before the code.
    @Test(arguments: StoreKind.allCases) func aPINProtectedTokenIsNotVerifiedByIDWithoutItsPIN(_ kind: StoreKind) async throws {
        let fixture = try await F(kind)
        let verifier = try await fixture.addRFCToken("t1")
        try await verifier.administration.assign(tokenID: "t1", to: "alice")
        #expect(try await verifier.verify(tokenID: "t1", code: F.code(0)) == .accepted(counter: 0), "no PIN: the code alone")
        try await verifier.administration.setPIN("2468", user: "alice")
        #expect(try await verifier.verify(tokenID: "t1", code: F.code(1)) == .rejected(.wrongPIN))
        #expect(try await verifier.verify(tokenID: "t1", code: "1357" + F.code(1)) == .rejected(.wrongPIN))
        #expect(try await fixture.store.token(id: "t1")?.failures == 2, "each a failure")
        #expect(try await verifier.verify(tokenID: "t1", code: "2468" + F.code(1)) == .accepted(counter: 1))
        #expect(try await verifier.verify(tokenID: "t1", code: "2468" + F.code(1)) == .rejected(.replay))
        #expect(try await verifier.verify(tokenID: "t1", code: "2468" + F.code(40)) == .rejected(.resyncStarted))
        #expect(try await verifier.verify(tokenID: "t1", code: F.code(41)) == .rejected(.wrongPIN), "nor does the resync's second code skip it")
        #expect(try await verifier.verify(tokenID: "t1", code: "2468" + F.code(41)) == .accepted(counter: 41), "with the PIN it completes")
        // A resync moves the counter too: the PIN comes before its first code.
        #expect(try await verifier.resync(tokenID: "t1", code1: F.code(60), code2: F.code(61)) == .notFound, "a resync without the PIN")
        #expect(try await verifier.resync(tokenID: "t1", code1: "1357" + F.code(60), code2: F.code(61)) == .notFound, "a wrong PIN")
        #expect(try await verifier.resync(tokenID: "t1", code1: "2468" + F.code(60), code2: F.code(61)) == .resynchronized(counter: 62))
    }

    enum ResyncChallengeLifetime { static let seconds: TimeInterval = 300 }

    /// Sixty-four logins with one code, on two stores: exactly one is accepted.
    @Test(arguments: StoreKind.allCases) func concurrentLoginsWithOneCodeAcceptOnce(_ kind: StoreKind) async throws {
        let fixture = try await F(kind)
        let verifier = try await fixture.addRFCToken("t1")
        try await fixture.addRFCToken("t2", counter: 100)
        try await verifier.administration.assign(tokenID: "t1", to: "alice")
        try await verifier.administration.assign(tokenID: "t2", to: "alice")
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
        try await verifier.administration.addRADIUSClient(name: "vpn", address: "10.0.0.0/8", secret: secret, messageAuthenticator: .required)
        await #expect(throws: VerifierError.duplicateRADIUSClient("vpn")) {
            try await verifier.administration.addRADIUSClient(name: "vpn", address: "10.0.0.1", secret: secret, messageAuthenticator: .required)
        }
        await #expect(throws: VerifierError.self) {
            try await verifier.administration.addRADIUSClient(name: "short", address: "10.0.0.1", secret: try Secret(bytes: [1, 2, 3]), messageAuthenticator: .required)
        }
        let stored = try #require(try await fixture.store.radiusClients().first)
        #expect(stored.name == "vpn" && stored.address == "10.0.0.0/8" && stored.messageAuthenticator == .required)
        #expect(try verifier.administration.sharedSecret(of: stored) == secret)
        #expect(try await Verifier.mayCreateMasterKey(for: fixture.store) == false, "a sealed client secret needs its key too")
        for file in try await fixture.databaseFiles() {
            let data = try Data(contentsOf: URL(fileURLWithPath: file))
            #expect(data.range(of: Data(secret.bytes)) == nil, "the shared secret in plain text in \(file)")
        }
        var moved = stored
        moved.name = "other"
        #expect(throws: VerifierError.sealedSecretDamaged(RADIUSClientRecord.sealingName("other"))) { try verifier.administration.sharedSecret(of: moved) }

        let newKey = MasterKey.generate()
        let rotating = Verifier(store: fixture.store, keyring: MasterKeyring(current: newKey, older: [fixture.keyring.current]))
        _ = try await rotating.administration.resealAll()
        #expect(try await fixture.store.sealingKeyIDs() == [newKey.id])
        let resealed = try #require(try await fixture.store.radiusClients().first)
        #expect(try Verifier(store: fixture.store, keyring: MasterKeyring(current: newKey)).administration.sharedSecret(of: resealed) == secret)
        try await rotating.administration.removeRADIUSClient(name: "vpn")
        await #expect(throws: VerifierError.unknownRADIUSClient("vpn")) { try await rotating.administration.removeRADIUSClient(name: "vpn") }
    }
}
