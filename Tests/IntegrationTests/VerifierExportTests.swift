import Foundation
import TestSupport
import Testing

/// `otpkit verifier export` writes every token back out as it is tracked, a TOTP token's drift included, in words
/// that count right; the file reads back in python-pskc, an independent implementation, and into an empty store.
@Suite struct VerifierExportTests {
    static let totpSeed = #"[{"serial": "TOTP-DRIFT", "period": 30, "timeDrift": -3, "secretHex": "3132333435363738393031323334353637383930"}]"#

    @Test func aTOTPTokensDriftSurvivesExportAndReimport() throws {
        let store = try SeedImportCLITests.Store()
        let imported = try store.importing(try store.file("totp.json", Self.totpSeed))
        #expect(imported.status == 0 && imported.stdout.contains("Imported 1 token: TOTP-DRIFT"), "\(imported.stdout)\(imported.stderr)")
        let password = try store.file("pw.txt", "export-password\n")

        let pskc = store.folder.appendingPathComponent("out.pskc").path
        let exported = try otpkit("verifier", "export", "--db", store.database, "--out", pskc, "--password-file", password)
        #expect(exported.status == 0, "\(exported.stderr)")
        #expect(exported.stdout == "Exported 1 token to \(pskc).\n", "one token, not \"1 tokens\": \(exported.stdout)")
        let read = try Subprocess.run("/usr/bin/python3", ["-c", """
            import sys, pskc
            p = pskc.PSKC(sys.argv[1])
            p.encryption.derive_key(sys.argv[2])
            for k in p.keys: print(k.serial, k.time_interval, k.time_drift, k.secret.hex())
            """, pskc, "export-password"])
        #expect(read.status == 0, "\(read.stderr)")
        #expect(read.stdout == "TOTP-DRIFT 30 -3 3132333435363738393031323334353637383930\n", "python-pskc reads: \(read.stdout)")

        let json = store.folder.appendingPathComponent("out.json").path
        #expect(try otpkit("verifier", "export", "--db", store.database, "--out", json, "--format", "json").status == 0)
        let records = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: json))) as? [[String: Any]])
        #expect(records.count == 1 && records.first?["timeDrift"] as? Int == -3, "\(records)")

        let again = try SeedImportCLITests.Store()
        let reimported = try again.importing(pskc, ["--password-file", password])
        #expect(reimported.status == 0, "\(reimported.stdout)\(reimported.stderr)")
        let listed = try otpkit("verifier", "list", "--db", again.database, "--json")
        let tokens = try #require(try JSONSerialization.jsonObject(with: Data(listed.stdout.utf8)) as? [[String: Any]])
        #expect(tokens.count == 1 && tokens.first?["id"] as? String == "TOTP-DRIFT" && tokens.first?["timeDrift"] as? Int == -3,
                "the drift went with the token: \(listed.stdout)")
    }
}
