import Foundation
import MasterKeys
import OTPCore
import Testing
import TestSupport
import Verification

/// The store's record of its current master key (issue 11, items 4 and 5): a key is made only for a store that never
/// sealed anything, a wrong keyring is refused when opening, and a rotation stops older verifiers from sealing.
@Suite struct MasterKeyRecordTests {
    typealias F = VerifierFixture

    @Test(arguments: StoreKind.allCases) func onlyAStoreThatNeverSealedMayGetANewKey(_ kind: StoreKind) async throws {
        let fixture = try await F(kind)
        #expect(try await Verifier.mayCreateMasterKey(for: fixture.store))
        #expect(try await fixture.store.masterKeyID() == nil)
        let verifier = try await fixture.addRFCToken()
        #expect(try await fixture.store.masterKeyID() == fixture.keyring.current.id, "the first seal records its key")
        #expect(try await !Verifier.mayCreateMasterKey(for: fixture.store))
        #expect(try await fixture.store.delete(id: "rfc"))
        #expect(try await !Verifier.mayCreateMasterKey(for: fixture.store), "a store that once sealed keeps needing its key, even emptied")
        try await verifier.checkKeyring()
    }

    @Test(arguments: StoreKind.allCases) func aWrongKeyringIsRefusedWhenOpening(_ kind: StoreKind) async throws {
        let fixture = try await F(kind)
        try await fixture.addRFCToken()
        let stranger = MasterKey.generate()
        let wrong = Verifier(store: fixture.store, keyring: MasterKeyring(current: stranger))
        await #expect(throws: VerifierError.wrongMasterKey(storeKeyID: fixture.keyring.current.id, keyring: [stranger.id])) {
            try await wrong.checkKeyring()
        }
        // A key file whose first key is newer than the store's: a rotation stopped before its reseal.
        let unfinished = Verifier(store: fixture.store, keyring: MasterKeyring(current: stranger, older: [fixture.keyring.current]))
        await #expect(throws: VerifierError.rotationUnfinished(storeKeyID: fixture.keyring.current.id, keyFileKeyID: stranger.id)) {
            try await unfinished.checkKeyring()
        }
        try await unfinished.checkKeyring(.rotating)
        #expect(try await unfinished.administration.resealAll() == 1, "rotate-key finishes it")
        try await Verifier(store: fixture.store, keyring: MasterKeyring(current: stranger)).checkKeyring()
    }

    /// Item 5: a verifier opened before a rotation (as a running server is) cannot add tokens after it; a verifier
    /// holding the new key verifies them all, the old one's tokens included.
    @Test(arguments: StoreKind.allCases) func aVerifierOpenedBeforeARotationCannotSealAfterIt(_ kind: StoreKind) async throws {
        let fixture = try await F(kind)
        let running = try await fixture.addRFCToken("before")
        #expect(try await running.verify(tokenID: "before", code: F.code(0)) == .accepted(counter: 0))

        let newKey = MasterKey.generate()
        let rotating = Verifier(store: try await fixture.anotherStore(), keyring: MasterKeyring(current: newKey, older: [fixture.keyring.current]))
        #expect(try await rotating.administration.resealAll() == 1)
        #expect(try await fixture.store.masterKeyID() == newKey.id)

        let late = try running.makeToken(id: "after", secret: F.rfcSecret)
        await #expect(throws: VerifierError.masterKeyRetired(sealingKeyID: fixture.keyring.current.id, storeKeyID: newKey.id)) {
            try await running.add([late])
        }
        #expect(try await fixture.store.token(id: "after") == nil, "nothing was sealed under the retired key")

        let restarted = Verifier(store: fixture.store, keyring: MasterKeyring(current: newKey))
        try await restarted.checkKeyring()
        #expect(try await restarted.verify(tokenID: "before", code: F.code(1)) == .accepted(counter: 1))
        try await restarted.add([try restarted.makeToken(id: "after", secret: F.rfcSecret)])
        #expect(try await restarted.verify(tokenID: "after", code: F.code(0)) == .accepted(counter: 0))
    }

    /// A token inserted under the old key between the rotation's read and its transaction makes the reseal start
    /// again, so no token is ever left under the retired key.
    @Test(arguments: StoreKind.allCases) func aResealRacingAnInsertLeavesNoTokenUnderTheOldKey(_ kind: StoreKind) async throws {
        let fixture = try await F(kind)
        let running = try await fixture.addRFCToken("first")
        let newKey = MasterKey.generate()
        let ring = MasterKeyring(current: newKey, older: [fixture.keyring.current])
        var stale = try await fixture.store.allTokens()
        stale[0].sealedSecret = try ring.seal(try ring.open(stale[0].sealedSecret, tokenID: "first"), tokenID: "first")
        try await running.add([try running.makeToken(id: "second", secret: F.rfcSecret)])
        #expect(try await fixture.store.reseal(stale, clients: [], to: newKey.id) == false, "a token it did not reseal appeared")
        #expect(try await fixture.store.masterKeyID() == fixture.keyring.current.id, "nothing changed")
        #expect(try await fixture.store.token(id: "first")?.sealedSecret.keyID == fixture.keyring.current.id)
        #expect(try await Verifier(store: fixture.store, keyring: ring).administration.resealAll() == 2, "read again, both resealed")
        #expect(try await fixture.store.sealingKeyIDs() == [newKey.id])
    }

    @Test(arguments: StoreKind.allCases) func replacingAllTokensRecordsTheirKey(_ kind: StoreKind) async throws {
        let fixture = try await F(kind)
        try await fixture.addRFCToken()
        let tokens = try await fixture.store.allTokens()
        let other = try await F(kind)
        try await other.store.replaceAll(with: tokens, sealedUnder: fixture.keyring.current.id)
        #expect(try await other.store.masterKeyID() == fixture.keyring.current.id)
        try await Verifier(store: other.store, keyring: fixture.keyring).checkKeyring()
    }
}
