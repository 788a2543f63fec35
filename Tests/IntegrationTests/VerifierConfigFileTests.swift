import Foundation
import TestSupport
import Testing

/// `--config FILE` on the verifier's commands (issue 22, section 2): `config check`, the database and key file
/// named once for `import` and the other commands, the file below the `OTPKIT_*` environment below the flags, a wrong
/// file refused before anything starts (exit 64, key and line named), and `serve` started with `--config` alone.
@Suite struct VerifierConfigFileTests {
    static let rfcHex = "3132333435363738393031323334353637383930"
    let folder: URL

    init() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("otpkit-config-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    func path(_ name: String) -> String { folder.appendingPathComponent(name).path }

    func write(_ name: String, _ text: String) throws -> String {
        try Data(text.utf8).write(to: folder.appendingPathComponent(name))
        return path(name)
    }

    func seeds() throws -> String {
        try write("seeds.json", "[{\"serial\":\"t0\",\"secretHex\":\"\(Self.rfcHex)\"}]")
    }

    @Test func configCheckSaysOkOrNamesEachProblemWithItsLine() throws {
        defer { try? FileManager.default.removeItem(at: folder) }
        let good = try write("good.yaml", "database:\n  location: \(path("v.sqlite"))\nhttp:\n  listen: 127.0.0.1:8400\n")
        let ok = try otpkit("verifier", "config", "check", good)
        #expect(ok.status == 0 && ok.stdout == "\(good): ok\n" && ok.stderr.isEmpty, "\(ok.stderr)")

        let bad = try write("bad.yaml", """
            http:
              lisen: 127.0.0.1:8400
              idle_timeout: 0
            database:
              pool_size: many
            db_password: hunter2
            """)
        let refused = try otpkit("verifier", "config", "check", bad)
        #expect(refused.status == 64)
        #expect(refused.stdout.isEmpty)
        #expect(refused.stderr == """
            otpkit: error: \(bad):2: http.lisen: unknown key; did you mean http.listen?
            otpkit: error: \(bad):3: http.idle_timeout: must be a number of seconds above 0 and at most 86400
            otpkit: error: \(bad):5: database.pool_size: expected a whole number, found text
            otpkit: error: \(bad):6: db_password: a secret is never written in the configuration file: put it in a file only otpkit's user can read and name that file with database.password_file (--db-password-file)

            """, "\(refused.stderr)")
        #expect(!refused.stderr.contains("hunter2"))

        let missing = try otpkit("verifier", "config", "check", path("none.yaml"))
        #expect(missing.status == 64 && missing.stderr.contains("\(path("none.yaml")): cannot be read: No such file or directory"), "\(missing.stderr)")
        let conflict = try otpkit("verifier", "config", "check", try write("tls.yaml", "tls:\n  cert_file: /c.pem\n"))
        #expect(conflict.status == 64 && conflict.stderr.contains("go together"), "\(conflict.stderr)")
    }

    /// `import`, `verify`, `list` and `keys` read the database and the key file from the file: named once.
    @Test func importAndTheOtherCommandsTakeTheDatabaseFromTheFile() throws {
        defer { try? FileManager.default.removeItem(at: folder) }
        let config = try write("verifier.yaml", "database:\n  location: \(path("db/v.sqlite"))\nmaster_key_file: \(path("keys/master.key"))\n")
        try FileManager.default.createDirectory(atPath: path("db"), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: path("keys"), withIntermediateDirectories: true)
        let imported = try otpkit("verifier", "import", try seeds(), "--config", config)
        #expect(imported.status == 0, "\(imported.stderr)")
        #expect(imported.stderr.contains("created a new master key in \(path("keys/master.key"))"), "\(imported.stderr)")
        #expect(FileManager.default.fileExists(atPath: path("db/v.sqlite")))
        #expect(try otpkit("verifier", "list", "--config", config).stdout.contains("t0"))
        let verified = try otpkit("verifier", "verify", "--token", "t0", "755224", "--config", config)
        #expect(verified.status == 0 && verified.stdout == "accepted (counter 0)\n", "\(verified.stderr)")
        #expect(try otpkit("verifier", "keys", "create", "--role", "verify", "--config", config).status == 0)
        // The key file is the file's: the database's default one (DB.key) was never made.
        #expect(!FileManager.default.fileExists(atPath: path("db/v.sqlite.key")))
    }

    /// The database location of each kind of source: the flag wins over `OTPKIT_DATABASE_LOCATION`, which wins over
    /// the file.
    @Test func theFlagWinsOverTheEnvironmentWhichWinsOverTheFile() throws {
        defer { try? FileManager.default.removeItem(at: folder) }
        let config = try write("verifier.yaml", "database:\n  location: \(path("file.sqlite"))\n")
        let environment = ["OTPKIT_DATABASE_LOCATION": path("env.sqlite")]
        #expect(try otpkit(["verifier", "import", try seeds(), "--config", config, "--db", path("flag.sqlite")], environment: environment).status == 0)
        #expect(FileManager.default.fileExists(atPath: path("flag.sqlite")))
        #expect(!FileManager.default.fileExists(atPath: path("env.sqlite")) && !FileManager.default.fileExists(atPath: path("file.sqlite")))
        #expect(try otpkit(["verifier", "import", try seeds(), "--config", config], environment: environment).status == 0)
        #expect(FileManager.default.fileExists(atPath: path("env.sqlite")) && !FileManager.default.fileExists(atPath: path("file.sqlite")))
        #expect(try otpkit("verifier", "import", try seeds(), "--config", config).status == 0)
        #expect(FileManager.default.fileExists(atPath: path("file.sqlite")))
        let badEnvironment = try otpkit(["verifier", "list", "--config", config], environment: ["OTPKIT_DATABASE_POOL_SIZE": "lots"])
        #expect(badEnvironment.status == 64)
        #expect(badEnvironment.stderr == "otpkit: error: OTPKIT_DATABASE_POOL_SIZE (database.pool_size): must be a whole number from 1 to 1000\n")
    }

    /// A wrong file stops `serve` and `import` before they open or create anything.
    @Test func aWrongFileStartsNothing() throws {
        defer { try? FileManager.default.removeItem(at: folder) }
        let config = try write("verifier.yaml", "database:\n  location: \(path("v.sqlite"))\nradius:\n  listen: [0.0.0.0]\n")
        for arguments in [["serve"], ["import", try seeds()], ["list"]] {
            let refused = try otpkit(["verifier"] + arguments + ["--config", config])
            #expect(refused.status == 64, "\(arguments): \(refused.stderr)")
            #expect(refused.stderr == "otpkit: error: \(config):4: radius.listen: expected text, found a list\n", "\(refused.stderr)")
            #expect(!FileManager.default.fileExists(atPath: path("v.sqlite")) && !FileManager.default.fileExists(atPath: path("v.sqlite.key")))
        }
        let serveOnly = try write("serve.yaml", "database:\n  location: \(path("v.sqlite"))\nlockout:\n  after_failures: 0\n")
        let refused = try otpkit("verifier", "serve", "--config", serveOnly)
        #expect(refused.status == 64 && refused.stderr.contains(":4: lockout.after_failures: must be a whole number from 1 to 1000000"), "\(refused.stderr)")
        #expect(!FileManager.default.fileExists(atPath: path("v.sqlite")))
    }

    /// `serve --config FILE` and nothing else: the database, key, listener, audit log and ready file all from the file.
    @Test func serveWithOnlyTheFileAnswersHealth() throws {
        defer { try? FileManager.default.removeItem(at: folder) }
        let config = try write("verifier.yaml", """
            database:
              location: \(path("v.sqlite"))
            master_key_file: \(path("master.key"))
            http:
              listen: 127.0.0.1:0
              idle_timeout: 30
            lockout:
              after_failures: 3
            audit_log: \(path("audit.log"))
            ready_file: \(path("ready.json"))
            """)
        let server = try ServiceProcess(name: "otpkit verifier serve", executable: ProjectPaths.otpkit.path,
                                        arguments: ["verifier", "serve", "--config", config])
        defer { server.stop() }
        let line = try server.waitForLine(containing: "listening on 127.0.0.1:")
        let port = try #require(line.split(separator: ":").last.flatMap { Int($0) })
        let health = try HTTPTestClient(port: port).send("GET", "/healthz")
        #expect(health.status == 200 && health.body.contains("ready"), "\(health.body)")
        #expect(FileManager.default.fileExists(atPath: path("master.key")) && FileManager.default.fileExists(atPath: path("audit.log")))
        #expect(try String(contentsOfFile: path("ready.json"), encoding: .utf8).contains("127.0.0.1:\(port)"))
    }

    /// `serve`'s own settings follow the same order: the ready file named by the flag, else the environment's, else
    /// the file's.
    @Test func serveSettingsFollowTheSameOrder() throws {
        defer { try? FileManager.default.removeItem(at: folder) }
        let config = try write("verifier.yaml", "database:\n  location: \(path("v.sqlite"))\nhttp:\n  listen: 127.0.0.1:0\nready_file: \(path("file.json"))\n")
        let runs: [(arguments: [String], environment: [String: String], expected: String)] = [
            ([], [:], "file.json"),
            ([], ["OTPKIT_READY_FILE": path("env.json")], "env.json"),
            (["--ready-file", path("flag.json")], ["OTPKIT_READY_FILE": path("env.json")], "flag.json"),
        ]
        for run in runs {
            for name in ["file.json", "env.json", "flag.json"] { try? FileManager.default.removeItem(atPath: path(name)) }
            let server = try ServiceProcess(name: "otpkit verifier serve", executable: ProjectPaths.otpkit.path,
                                            arguments: ["verifier", "serve", "--config", config] + run.arguments, environment: run.environment)
            try server.waitForLine(containing: "listening on 127.0.0.1:")
            server.stop()
            let written = ["file.json", "env.json", "flag.json"].filter { FileManager.default.fileExists(atPath: path($0)) }
            #expect(written == [run.expected], "\(run.arguments) \(run.environment): \(server.output)")
        }
    }
}
