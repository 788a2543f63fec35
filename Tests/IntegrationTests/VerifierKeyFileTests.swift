import Foundation
import OTPCore
import TestSupport
import Testing

/// The verifier's CLI with a missing, wrong or rotated master key, a database it cannot reach, and event retention
/// (issue 11, items 4, 5, 17 and 19): a key is never replaced silently, and each failure has its own exit code.
@Suite struct VerifierKeyFileTests {
    static let rfcHex = "3132333435363738393031323334353637383930"
    let folder: URL
    let db: String
    var key: String { db + ".key" }

    init() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("otpkit-keyfile-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        db = folder.appendingPathComponent("verifier.sqlite").path
    }

    func importToken(_ id: String) throws -> ProcessResult {
        let seeds = folder.appendingPathComponent("\(id).json")
        try Data("[{\"serial\":\"\(id)\",\"secretHex\":\"\(Self.rfcHex)\"}]".utf8).write(to: seeds)
        return try otpkit("verifier", "import", seeds.path, "--db", db)
    }

    @Test func aMissingKeyFileIsRefusedNeverReplaced() throws {
        defer { try? FileManager.default.removeItem(at: folder) }
        let first = try importToken("t0")
        #expect(first.status == 0 && first.stderr.contains("created a new master key in \(key)"), "\(first.stderr)")
        let original = try Data(contentsOf: URL(fileURLWithPath: key))
        try FileManager.default.moveItem(atPath: key, toPath: key + ".backup")

        for arguments in [["verify", "--token", "t0", "755224"], ["list"], ["rotate-key"]] {
            let refused = try otpkit(["verifier"] + arguments + ["--db", db])
            #expect(refused.status == 5, "\(arguments): \(refused.stderr)")
            #expect(refused.stderr.contains("the master key file \(key) is missing"), "\(refused.stderr)")
            #expect(!FileManager.default.fileExists(atPath: key), "\(arguments) made no new key")
        }
        #expect(try importToken("t1").status == 5, "an import seals nothing under a new key")
        // A server never says ready without the key (it would answer 503 to every token); bounded in case it did.
        let serve = try Subprocess.run("/usr/bin/timeout", ["60", ProjectPaths.otpkit.path, "verifier", "serve", "--listen", "127.0.0.1:0", "--db", db])
        #expect(serve.status == 5 && serve.stderr.contains("is missing"), "\(serve.stdout)\(serve.stderr)")
        #expect(!serve.stdout.contains("ready"))
        #expect(!FileManager.default.fileExists(atPath: key))
        // Deleting every token does not make the database new again: it once held sealed secrets.
        try FileManager.default.moveItem(atPath: key + ".backup", toPath: key)
        #expect(try otpkit("verifier", "delete", "--token", "t0", "--db", db).status == 0)
        try FileManager.default.moveItem(atPath: key, toPath: key + ".backup")
        #expect(try importToken("t1").status == 5)
        try FileManager.default.moveItem(atPath: key + ".backup", toPath: key)
        #expect(try Data(contentsOf: URL(fileURLWithPath: key)) == original)
        #expect(try importToken("t1").status == 0)
        #expect(try otpkit("verifier", "verify", "--token", "t1", "755224", "--db", db).status == 0)
    }

    @Test func aWrongKeyFileIsRefusedWhenOpening() throws {
        defer { try? FileManager.default.removeItem(at: folder) }
        #expect(try importToken("t0").status == 0)
        let other = folder.appendingPathComponent("other.key").path
        try Data((Data(Secret.random(byteCount: 32).bytes).base64EncodedString() + "\n").utf8).write(to: URL(fileURLWithPath: other))
        let refused = try otpkit("verifier", "verify", "--token", "t0", "755224", "--db", db, "--key-file", other)
        #expect(refused.status == 5 && refused.stderr.contains("the database's secrets are sealed under master key"), "\(refused.stderr)")
        #expect(try otpkit("verifier", "verify", "--token", "t0", "755224", "--db", db).stdout == "accepted (counter 0)\n",
                "the refusal decided nothing")
    }

    /// Item 17: `verify` says 2 when the database cannot be used, not 1 (refused).
    @Test func verifyExitsTwoWhenTheDatabaseFails() throws {
        defer { try? FileManager.default.removeItem(at: folder) }
        let nowhere = folder.appendingPathComponent("no/such/folder/verifier.sqlite").path
        let failed = try otpkit("verifier", "verify", "--token", "t0", "755224", "--db", nowhere)
        #expect(failed.status == 2, "\(failed.stderr)")
        #expect(try importToken("t0").status == 0)
        let refused = try otpkit("verifier", "verify", "--token", "t0", "000000", "--db", db)
        #expect(refused.status == 1 && refused.stdout == "refused (wrong code)\n")
    }

    @Test func rotateKeyThenTheOldKeyFileIsRefused() throws {
        defer { try? FileManager.default.removeItem(at: folder) }
        #expect(try importToken("t0").status == 0)
        try FileManager.default.copyItem(atPath: key, toPath: key + ".old")
        let rotated = try otpkit("verifier", "rotate-key", "--db", db)
        #expect(rotated.status == 0 && rotated.stdout.contains("Resealed 1 token under"), "\(rotated.stderr)")
        let stale = try otpkit("verifier", "list", "--db", db, "--key-file", key + ".old")
        #expect(stale.status == 5, "\(stale.stderr)")
        #expect(try otpkit("verifier", "verify", "--token", "t0", "755224", "--db", db).status == 0)
    }

    @Test func pruneEventsKeepsRecentRows() throws {
        defer { try? FileManager.default.removeItem(at: folder) }
        #expect(try importToken("t0").status == 0)
        _ = try otpkit("verifier", "verify", "--token", "t0", "000000", "--db", db)
        let kept = try otpkit("verifier", "prune-events", "--older-than", "90d", "--db", db)
        #expect(kept.status == 0 && kept.stdout == "Deleted 0 event rows older than 90d.\n", "\(kept.stdout)\(kept.stderr)")
        let pruned = try otpkit("verifier", "prune-events", "--older-than", "0s", "--db", db)
        #expect(pruned.status == 0 && pruned.stdout == "Deleted 1 event row older than 0s.\n", "\(pruned.stdout)\(pruned.stderr)")
        #expect(try otpkit("verifier", "prune-events", "--older-than", "90 days", "--db", db).status == 64)
    }

    /// Item 10: `otpkit verifier resync` brings back a TOTP token whose clock runs 40 steps (20 minutes) behind.
    @Test func aTOTPTokenFarBehindResyncsFromTheCommandLine() throws {
        defer { try? FileManager.default.removeItem(at: folder) }
        let seeds = folder.appendingPathComponent("totp.json")
        try Data("[{\"serial\":\"clock\",\"period\":30,\"secretHex\":\"\(Self.rfcHex)\"}]".utf8).write(to: seeds)
        #expect(try otpkit("verifier", "import", seeds.path, "--db", db).status == 0)
        let hotp = try HOTP(secret: try Secret(hex: Self.rfcHex))
        let step = UInt64(Date().timeIntervalSince1970) / 30
        let behind = try otpkit("verifier", "verify", "--token", "clock", hotp.code(counter: step - 40), "--db", db)
        #expect(behind.status == 1, "40 steps behind is outside the window: \(behind.stdout)")
        let resync = try otpkit("verifier", "resync", "--token", "clock", hotp.code(counter: step - 40), hotp.code(counter: step - 39), "--db", db)
        #expect(resync.status == 0 && resync.stdout.hasPrefix("resynchronised"), "\(resync.stdout)\(resync.stderr)")
        // The window now follows the token's clock (a step boundary passing meanwhile keeps it within one step).
        let next = try otpkit("verifier", "verify", "--token", "clock", hotp.code(counter: step - 38), "--db", db)
        #expect(next.status == 0, "\(next.stdout)\(next.stderr)")
    }

    /// The provisioning journal's key: created for a new journal only.
    @Test func aJournalWithoutItsKeyIsRefused() throws {
        defer { try? FileManager.default.removeItem(at: folder) }
        let journal = folder.appendingPathComponent("batch.journal").path
        try Data("{\"kind\":\"failed\",\"id\":\"x\",\"time\":0}\n".utf8).write(to: URL(fileURLWithPath: journal))
        let refused = try otpkit("provision", "--usbip", "127.0.0.1:1", "--count", "0", "--journal", journal)
        #expect(refused.status == 5 && refused.stderr.contains("\(journal).key is missing"), "\(refused.stderr)")
        #expect(!FileManager.default.fileExists(atPath: journal + ".key"))
    }
}
