import Foundation
import TestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// A database that disappears or cannot be written (issue 20, item 4, and Status-Server following health, item 5),
/// against real `otpkit verifier serve` processes on real SQLite files.
@Suite(.serialized) struct VerifierStoreLossTests {
    typealias F = VerifierServerFixture

    /// The file deleted under a running server: not ready, and a verify is refused with 503, never accepted into the
    /// unlinked file (where a restart would not find it). Then `list` and `serve` on the deleted path refuse beside
    /// the key file that is still there, and create nothing.
    @Test func aDeletedDatabaseIsNoticedAndNeverRecreatedBesideItsKey() throws {
        let server = try F(tokens: 1)
        let client = server.client()
        #expect(try client.send("GET", "/healthz").status == 200)
        #expect(try server.verify(client, token: "t0", code: F.code(0)).body == VerifierServerHardeningTests.accepted)
        #expect(unlink(server.database) == 0)

        let health = try client.send("GET", "/healthz")
        #expect(health.status == 503, "\(health.body)")
        let verify = try server.verify(client, token: "t0", code: F.code(1))
        #expect(verify.status == 503, "\(verify.status) \(verify.body)")
        #expect(!verify.body.contains("\"accepted\":true"))
        #expect(server.stderrText.contains("deleted"), "\(server.stderrText)")

        let keyFile = server.database + ".key"
        let list = try server.cli("verifier", "list")
        #expect(list.status == 2, "\(list.status) \(list.stderr)")
        #expect(list.stderr.contains(server.database) && list.stderr.contains(keyFile) && list.stderr.contains("otpkit verifier init"),
                "\(list.stderr)")
        #expect(!FileManager.default.fileExists(atPath: server.database), "nothing was created")

        server.kill(signal: SIGTERM)
        let restart = try Subprocess.run(ProjectPaths.otpkit.path, ["verifier", "serve", "--listen", "127.0.0.1:0", "--db", server.database],
                                         timeout: 60)
        #expect(restart.status == 2, "\(restart.status) \(restart.stdout) \(restart.stderr)")
        #expect(!restart.stdout.contains("listening on"))
        #expect(!FileManager.default.fileExists(atPath: server.database), "nothing was created")

        // `init` is the way out: an empty database, on purpose, beside the key that was kept.
        let created = try server.cli("verifier", "init")
        #expect(created.status == 0, "\(created.stderr)")
        #expect(FileManager.default.fileExists(atPath: server.database))
        #expect(try server.cli("verifier", "init").status == 1, "an existing database is left alone")
    }

    /// A command that needs a database does not create one on a fresh path either; `import` does, and `init`.
    @Test func onlyImportServeAndInitCreateADatabase() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("otpkit-fresh-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let database = folder.appendingPathComponent("v.sqlite").path
        let list = try otpkit("verifier", "list", "--db", database)
        #expect(list.status == 2 && list.stderr.contains("otpkit verifier init"), "\(list.status) \(list.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).isEmpty, "nothing was created")
        let created = try otpkit("verifier", "init", "--db", database)
        #expect(created.status == 0, "\(created.stderr)")
        #expect(FileManager.default.fileExists(atPath: database) && FileManager.default.fileExists(atPath: database + ".key"))
        #expect(try otpkit("verifier", "list", "--db", database).status == 0)
    }

    /// A file SQLite can open only for reading (here immutable, which binds root too) makes `serve` refuse to start.
    @Test func aReadOnlyDatabaseIsRefusedAtStart() throws {
        let server = try F(tokens: 1)
        server.kill(signal: SIGTERM)
        let chattr = try #require(Subprocess.which("chattr"), "chattr (e2fsprogs) is needed")
        let immutable = try Subprocess.run(chattr, ["+i", server.database])
        try #require(immutable.status == 0, "chattr +i: \(immutable.stderr)")
        defer { _ = try? Subprocess.run(chattr, ["-i", server.database]) }
        let serve = try Subprocess.run(ProjectPaths.otpkit.path, ["verifier", "serve", "--listen", "127.0.0.1:0", "--db", server.database],
                                       timeout: 60)
        #expect(serve.status == 2, "\(serve.status) \(serve.stdout) \(serve.stderr)")
        #expect(serve.stderr.contains("can only be read"), "\(serve.stderr)")
        #expect(!serve.stdout.contains("listening on"), "\(serve.stdout)")
    }

    /// Status-Server follows /healthz: answered while the node is ready, unanswered once its file is deleted.
    @Test func statusServerGoesUnansweredWhenTheDatabaseIsDeleted() throws {
        let secret = "status-server-secret-0123456789"
        let node = try RADIUSVerifierFixture(clients: [.init(name: "monitor", secret: secret)])
        let client = try RadiusClientTool(port: node.port, secret: secret, timeoutSeconds: 1, tries: 1)
        #expect(try client.statusServer().kind == .accept, "\(node.output)")
        #expect(unlink(node.verifier.database) == 0)
        #expect(try client.statusServer().kind == .noReply, "\(node.output)")
    }
}
