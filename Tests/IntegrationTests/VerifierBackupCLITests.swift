import Foundation
import Synchronization
import TestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// `otpkit verifier backup`, `restore` and `require-resync` (issue 22, section 4), against real `otpkit verifier serve`
/// processes on SQLite files, and pg_dump/pg_restore on the test PostgreSQL cluster.
@Suite(.serialized) struct VerifierBackupCLITests {
    typealias F = VerifierServerFixture

    /// `verifier verify --json` on another database than the fixture's.
    static func verify(_ token: String, _ code: String, db: String, keyFile: String, environment: [String: String] = [:]) throws -> CLIOutput.Decision {
        try otpkit(["verifier", "verify", "--token", token, code, "--json", "--db", db, "--key-file", keyFile], environment: environment).json()
    }

    /// `verifier list --json` with the resync mark.
    struct Listed: Decodable {
        let id: String
        let counter: UInt64
        let resyncRequired: Bool
    }

    static func list(db: String, keyFile: String, environment: [String: String] = [:]) throws -> [Listed] {
        try otpkit(["verifier", "list", "--json", "--db", db, "--key-file", keyFile], environment: environment).json()
    }

    /// Verifies accepted by a thread of load.
    final class Tally: Sendable { let count = Mutex(0) }

    static func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
        haystack.count >= needle.count && (0...(haystack.count - needle.count)).contains { Array(haystack[$0..<$0 + needle.count]) == needle }
    }

    /// A backup taken while a server serves and verifies (private, no master key inside) restores into a second
    /// database that refuses the next code on its own: that code starts a resync, the one after completes it (or
    /// `resync` with two codes); with --accept-replay-risk the same code is accepted.
    @Test func aBackupTakenWhileServingRestoresRequiringAResync() throws {
        let server = try F(tokens: 2)
        let keyFile = server.database + ".key"
        let backup = server.folder.appendingPathComponent("verifier.otpkit-backup").path
        let loadDone = DispatchSemaphore(value: 0)
        let accepted = Tally()
        Thread.detachNewThread { [port = server.port, key = server.adminKey] in
            let client = HTTPTestClient(port: port)
            for counter in 0..<UInt64(40) {
                let answer = try? client.send("POST", "/v1/verify", body: "{\"token\":\"t0\",\"code\":\"\(F.code(counter))\"}",
                                              headers: ["Authorization": "Bearer \(key)"])
                if answer?.body == VerifierServerHardeningTests.accepted { accepted.count.withLock { $0 += 1 } }
            }
            loadDone.signal()
        }
        let made = try server.cli("verifier", "backup", "--out", backup)
        loadDone.wait()
        #expect(made.status == 0, "\(made.stderr)")
        #expect(made.stdout.contains("The master key is not in the backup: keep \(keyFile) apart from it"), "\(made.stdout)")
        #expect(accepted.count.withLock { $0 } == 40, "the server kept verifying")
        for counter in 40..<UInt64(45) {
            #expect(try server.verify(server.client(), token: "t0", code: F.code(counter)).body == VerifierServerHardeningTests.accepted)
        }

        let mode = try FileManager.default.attributesOfItem(atPath: backup)[.posixPermissions] as? NSNumber
        #expect(mode?.intValue == 0o600)
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: backup)))
        let keyText = try String(contentsOfFile: keyFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        let key = try #require(Data(base64Encoded: keyText))
        #expect(!Self.contains(bytes, Array(key)) && !Self.contains(bytes, Array(keyText.utf8)), "no master key bytes inside")

        let restored = server.folder.appendingPathComponent("restored.sqlite").path
        let restore = try otpkit("verifier", "restore", "--from", backup, "--db", restored, "--key-file", keyFile)
        #expect(restore.status == 0, "\(restore.stderr)")
        #expect(restore.stdout.contains("Restored 2 tokens") && restore.stdout.contains("Marked 2 HOTP tokens \"resync required\""), "\(restore.stdout)")
        #expect(!restore.stderr.contains("warning"), "the key file holds the backup's key: \(restore.stderr)")
        let tokens = try Self.list(db: restored, keyFile: keyFile)
        #expect(tokens.map(\.id) == ["t0", "t1"] && tokens.allSatisfy(\.resyncRequired), "\(tokens)")
        let counter = tokens[0].counter
        #expect(counter <= 40, "the server has used the codes up to 44 since")
        #expect(try otpkit("verifier", "list", "--db", restored, "--key-file", keyFile).stdout.contains("resync required"))

        let first = try Self.verify("t0", F.code(counter), db: restored, keyFile: keyFile)
        #expect(first == CLIOutput.Decision(accepted: false, reason: "resync_started"), "a code used since the backup: \(first)")
        #expect(try Self.verify("t0", F.code(counter), db: restored, keyFile: keyFile).accepted == false, "nor twice")
        #expect(try Self.verify("t0", F.code(counter + 1), db: restored, keyFile: keyFile) == CLIOutput.Decision(accepted: true, counter: counter + 1))
        let resync = try otpkit("verifier", "resync", "--token", "t1", F.code(0), F.code(1), "--db", restored, "--key-file", keyFile)
        #expect(resync.status == 0, "\(resync.stderr)")
        #expect(try Self.list(db: restored, keyFile: keyFile).allSatisfy { !$0.resyncRequired })
        #expect(try Self.verify("t1", F.code(2), db: restored, keyFile: keyFile).accepted)

        let risky = server.folder.appendingPathComponent("risky.sqlite").path
        let asItWas = try otpkit("verifier", "restore", "--from", backup, "--db", risky, "--key-file", keyFile, "--accept-replay-risk")
        #expect(asItWas.status == 0 && asItWas.stdout.contains("--accept-replay-risk"), "\(asItWas.stdout)\(asItWas.stderr)")
        #expect(try Self.verify("t0", F.code(counter), db: risky, keyFile: keyFile) == CLIOutput.Decision(accepted: true, counter: counter))

        let keyless = server.folder.appendingPathComponent("keyless.sqlite").path
        let warned = try otpkit("verifier", "restore", "--from", backup, "--db", keyless)
        #expect(warned.status == 0 && warned.stderr.contains("warning: \(keyless).key is missing or does not hold master key"), "\(warned.stderr)")
    }

    /// Refused while a server holds the target (which goes on serving, its database untouched); once it is stopped,
    /// the restore goes through and the restarted server asks HTTP clients for the resync.
    @Test func aRestoreIsRefusedWhileAServerHoldsTheTarget() throws {
        let server = try F(tokens: 1)
        let backup = server.folder.appendingPathComponent("b.otpkit-backup").path
        #expect(try server.cli("verifier", "backup", "--out", backup).status == 0)
        #expect(try server.verify(server.client(), token: "t0", code: F.code(0)).body == VerifierServerHardeningTests.accepted)
        let refused = try server.cli("verifier", "restore", "--from", backup)
        #expect(refused.status == 1 && refused.stderr.contains("in use by a running otpkit"), "\(refused.status) \(refused.stderr)")
        #expect(try server.verify(server.client(), token: "t0", code: F.code(1)).body == VerifierServerHardeningTests.accepted)

        server.kill(signal: SIGTERM)
        let restore = try server.cli("verifier", "restore", "--from", backup)
        #expect(restore.status == 0, "\(restore.stderr)")
        try server.start()
        let client = server.client()
        #expect(try server.verify(client, token: "t0", code: F.code(1)).body == VerifierServerHardeningTests.refused, "used since the backup")
        #expect(try server.verify(client, token: "t0", code: F.code(2)).body == VerifierServerHardeningTests.accepted, "the next code completes it")
        #expect(try server.verify(client, token: "t0", code: F.code(3)).body == VerifierServerHardeningTests.accepted)
    }

    /// A backup cut short or altered is refused (exit 64) and writes nothing: no database appears at the target.
    @Test(arguments: ["cut short", "altered"]) func aDamagedBackupIsRefusedAndWritesNothing(_ damage: String) throws {
        let server = try F(tokens: 1)
        let backup = server.folder.appendingPathComponent("b.otpkit-backup").path
        #expect(try server.cli("verifier", "backup", "--out", backup).status == 0)
        var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: backup)))
        if damage == "cut short" { bytes.removeLast(bytes.count / 2) } else { bytes[bytes.count / 2] ^= 0x40 }
        try Data(bytes).write(to: URL(fileURLWithPath: backup))
        let target = server.folder.appendingPathComponent("empty")
        try FileManager.default.createDirectory(at: target, withIntermediateDirectories: true)
        let restore = try otpkit("verifier", "restore", "--from", backup, "--db", target.appendingPathComponent("v.sqlite").path)
        #expect(restore.status == 64 && restore.stderr.contains("is not a whole otpkit backup"), "\(restore.status) \(restore.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: target.path).isEmpty)
    }

    /// A write that fails (a file size limit here, as a full disk would) changes nothing: the earlier backup at the
    /// output stays whole, a restore's target stays as it was (or absent), and no temporary file is left.
    @Test func aFailedWriteChangesNothing() throws {
        let server = try F(tokens: 20)
        server.kill(signal: SIGTERM)
        let backup = server.folder.appendingPathComponent("b.otpkit-backup").path
        #expect(try server.cli("verifier", "backup", "--out", backup).status == 0)
        let earlier = try Data(contentsOf: URL(fileURLWithPath: backup)), database = try Data(contentsOf: URL(fileURLWithPath: server.database))
        func limited(_ arguments: [String]) throws -> ProcessResult {
            // dash counts in blocks of 512 bytes: 8 KiB, less than any database.
            try Subprocess.run("/bin/sh", ["-c", "ulimit -f 16 && exec \"$0\" \"$@\"", ProjectPaths.otpkit.path] + arguments)
        }
        let full = try limited(["verifier", "backup", "--db", server.database, "--out", backup])
        #expect(full.status == 1 && full.stderr.contains("cannot write \(backup)"), "\(full.status) \(full.stderr)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: backup)) == earlier, "the earlier backup is whole")

        let fresh = server.folder.appendingPathComponent("fresh.sqlite").path
        let restore = try limited(["verifier", "restore", "--from", backup, "--db", fresh])
        #expect(restore.status == 1 && restore.stderr.contains("cannot write \(fresh)"), "\(restore.status) \(restore.stderr)")
        #expect(!FileManager.default.fileExists(atPath: fresh))
        let over = try limited(["verifier", "restore", "--from", backup, "--db", server.database])
        #expect(over.status == 1, "\(over.stderr)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: server.database)) == database, "the target is as it was")
        #expect(try FileManager.default.contentsOfDirectory(atPath: server.folder.path).filter { $0.hasPrefix(".") }.isEmpty, "no temporary file left")
    }

    /// PostgreSQL has its own tools: both commands say which, and touch nothing.
    @Test func aPostgreSQLLocationPointsToItsOwnTools() throws {
        let url = "postgres://otpkit@127.0.0.1:1/otpkit"
        let backup = try otpkit("verifier", "backup", "--db", url, "--out", "/nonexistent/b")
        #expect(backup.status == 64 && backup.stderr.contains("pg_dump"), "\(backup.stderr)")
        let restore = try otpkit("verifier", "restore", "--db", url, "--from", "/nonexistent/b")
        #expect(restore.status == 64 && restore.stderr.contains("pg_restore") && restore.stderr.contains("require-resync --all"), "\(restore.stderr)")
    }

    /// A database of a newer schema than this otpkit knows is refused, naming both versions.
    @Test func aNewerSchemaIsRefusedNamingBothVersions() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("otpkit-newer-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let database = folder.appendingPathComponent("v.sqlite").path
        let script = "import sqlite3,sys; db = sqlite3.connect(sys.argv[1]); db.execute('CREATE TABLE otpkit_schema (version INTEGER NOT NULL)'); db.execute('INSERT INTO otpkit_schema VALUES (99)'); db.commit()"
        #expect(try Subprocess.run("/usr/bin/python3", ["-c", script, database]).status == 0)
        for command in [["list"], ["migrate"], ["serve", "--listen", "127.0.0.1:0"]] {
            let refused = try otpkit(["verifier"] + command + ["--db", database])
            #expect(refused.status == 2 && refused.stderr.contains("schema version 99, newer than this otpkit knows (7); upgrade otpkit"),
                    "\(command): \(refused.status) \(refused.stderr)")
        }
    }

    /// `require-resync` on SQLite: --all or one token, and nothing else.
    @Test func requireResyncMarksTokens() throws {
        let server = try F(tokens: 2)
        server.kill(signal: SIGTERM)
        let keyFile = server.database + ".key"
        #expect(try server.cli("verifier", "require-resync").status == 64)
        let one = try server.cli("verifier", "require-resync", "--token", "t1")
        #expect(one.status == 0 && one.stdout.contains("Marked token t1"), "\(one.stderr)")
        #expect(try Self.list(db: server.database, keyFile: keyFile).map(\.resyncRequired) == [false, true])
        let all = try server.cli("verifier", "require-resync", "--all")
        #expect(all.status == 0 && all.stdout.contains("Marked 2 HOTP tokens"), "\(all.stdout)\(all.stderr)")
        #expect(try Self.verify("t0", F.code(0), db: server.database, keyFile: keyFile).reason == "resync_started")
    }

    /// The PostgreSQL path of docs/verifier.md: pg_dump, codes used, pg_restore into a new database, then
    /// `require-resync --all`: a code used since the dump only starts a resync there.
    @Test func pgRestoreThenRequireResync() throws {
        let cluster = try PostgresCluster.shared.get()
        let root = "/usr/lib/postgresql"
        let bin = try #require(((try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []).sorted { Int($0) ?? 0 > Int($1) ?? 0 }
            .map { "\(root)/\($0)/bin" }.first { FileManager.default.isExecutableFile(atPath: $0 + "/pg_dump") })
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("otpkit-pgdump-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let keyFile = folder.appendingPathComponent("master.key").path
        let source = try cluster.createDatabase(), copy = try cluster.createDatabase()
        let seeds = folder.appendingPathComponent("seeds.json")
        try Data("[{\"serial\":\"t0\",\"secretHex\":\"\(F.rfcHex)\"}]".utf8).write(to: seeds)
        #expect(try otpkit(["verifier", "import", seeds.path, "--db", source, "--key-file", keyFile], environment: cluster.environment).status == 0)
        #expect(try Self.verify("t0", F.code(0), db: source, keyFile: keyFile, environment: cluster.environment).accepted)

        let connection = ["-h", "127.0.0.1", "-p", String(cluster.port), "-U", cluster.user]
        let dump = folder.appendingPathComponent("otpkit.dump").path
        let dumped = try Subprocess.run(bin + "/pg_dump", connection + ["--format=custom", "--file=" + dump, PostgresCluster.databaseName(in: source)],
                                        environment: cluster.environment)
        #expect(dumped.status == 0, "\(dumped.stderr)")
        for counter in 1...UInt64(3) { #expect(try Self.verify("t0", F.code(counter), db: source, keyFile: keyFile, environment: cluster.environment).accepted) }
        let restored = try Subprocess.run(bin + "/pg_restore", connection + ["--no-owner", "-d", PostgresCluster.databaseName(in: copy), dump],
                                          environment: cluster.environment)
        #expect(restored.status == 0, "\(restored.stderr)")

        let marked = try otpkit(["verifier", "require-resync", "--all", "--db", copy, "--key-file", keyFile], environment: cluster.environment)
        #expect(marked.status == 0 && marked.stdout.contains("Marked 1 HOTP token "), "\(marked.stdout)\(marked.stderr)")
        #expect(try Self.verify("t0", F.code(1), db: copy, keyFile: keyFile, environment: cluster.environment).reason == "resync_started")
        #expect(try Self.verify("t0", F.code(2), db: copy, keyFile: keyFile, environment: cluster.environment).accepted)
    }
}
