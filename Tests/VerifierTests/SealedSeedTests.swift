import Foundation
import MasterKeys
import OTPCore
import Testing
import Verification
import VerifierStorage

@Suite struct SealedSeedTests {
    @Test(arguments: StoreKind.allCases) func theDatabaseNeverHoldsTheSecret(_ kind: StoreKind) async throws {
        let fixture = try await VerifierFixture(kind)
        try await fixture.addRFCToken()
        let secret = Secret.random()
        let verifier = fixture.verifier()
        try await verifier.add([try verifier.makeToken(id: "random", secret: secret)])
        let files = try await fixture.databaseFiles()
        #expect(!files.isEmpty)
        // A WAL segment another test's checkpoint recycles between the listing and the reading is gone, not a finding.
        for file in files {
            guard let data = FileManager.default.contents(atPath: file) else { continue }
            let bytes = Array(data)
            let texts = [secret.hex, secret.hex.uppercased(), secret.base32, "3132333435363738393031323334353637383930"]
            for needle in [Array("12345678901234567890".utf8), secret.bytes] + texts.map({ Array($0.utf8) }) {
                #expect(!contains(bytes, needle), "a plaintext secret is in \(file)")
            }
        }
    }

    @Test func aSealedSecretOpensOnlyWithItsKeyAndItsToken() async throws {
        let keyring = MasterKeyring(current: MasterKey.generate())
        let secret = Secret.random()
        let sealed = try keyring.seal(secret, tokenID: "a")
        #expect(try keyring.open(sealed, tokenID: "a") == secret)
        #expect(throws: MasterKeyError.sealedSecretDamaged("b")) { try keyring.open(sealed, tokenID: "b") }
        let other = MasterKeyring(current: MasterKey.generate())
        #expect(throws: MasterKeyError.unknownMasterKey(sealed.keyID)) { try other.open(sealed, tokenID: "a") }
        var damaged = sealed
        damaged.box[20] ^= 1
        #expect(throws: MasterKeyError.sealedSecretDamaged("a")) { try keyring.open(damaged, tokenID: "a") }
    }

    @Test(arguments: StoreKind.allCases) func rotationResealsEveryTokenUnderTheNewKey(_ kind: StoreKind) async throws {
        let fixture = try await VerifierFixture(kind)
        let old = fixture.verifier()
        try await old.add(try (0..<5).map { try old.makeToken(id: "t\($0)", secret: VerifierFixture.rfcSecret) })
        let newKey = MasterKey.generate()
        let rotating = Verifier(store: fixture.store, keyring: MasterKeyring(current: newKey, older: [fixture.keyring.current]))
        #expect(try await rotating.administration.resealAll() == 5)
        #expect(try await fixture.store.allTokens().allSatisfy { $0.sealedSecret.keyID == newKey.id })
        let afterwards = Verifier(store: fixture.store, keyring: MasterKeyring(current: newKey))
        #expect(try await afterwards.verify(tokenID: "t3", code: "755224") == .accepted(counter: 0), "the old key is no longer needed")
    }

    @Test func keyFilesAreCreatedPrivateAndRead() async throws {
        let fixture = try await VerifierFixture()
        let path = fixture.folder.appendingPathComponent("master.key").path
        let created = try MasterKeyFile.load(path: path, creating: .allowed)
        #expect(created.createdPath == path)
        let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        let again = try MasterKeyFile.load(path: path, creating: .allowed)
        #expect(again.createdPath == nil)
        #expect(again.keyring.current.id == created.keyring.current.id)
        try Data("not base64!\n".utf8).write(to: URL(fileURLWithPath: path))
        #expect(throws: MasterKeyError.self) { try MasterKeyFile.load(path: path, creating: .allowed) }
    }

    private func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
        Data(haystack).range(of: Data(needle)) != nil
    }
}
