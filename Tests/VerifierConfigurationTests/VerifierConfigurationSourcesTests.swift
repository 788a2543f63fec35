import Testing
import VerifierConfiguration

/// The layering: the file, then the `OTPKIT_*` environment, then the command line, the later winning, for a setting
/// of each kind; each source's mistakes named by where they were written; settings that go together.
@Suite struct VerifierConfigurationSourcesTests {
    static let file = try! ConfigurationFile(parsing: Array("""
        database:
          location: /from/file.sqlite
          pool_size: 2
        master_key_file: /from/file.key
        http:
          listen: 127.0.0.1:1111
          idle_timeout: 11
        radius:
          listen: 127.0.0.1
          strip_realm: true
        lockout:
          unlock_after: 60
        """.utf8), path: "verifier.yaml")

    static func sources(environment: [String: String] = [:], commandLine: [VerifierSetting: String] = [:]) -> VerifierConfigurationSources {
        VerifierConfigurationSources(file: file, environment: environment, commandLine: commandLine)
    }

    @Test func theFileAloneSetsWhatItSets() throws {
        let serve = try Self.sources().serve()
        #expect(serve.listen == "127.0.0.1:1111")
        #expect(serve.idleTimeout == 11)
        #expect(serve.stripRealm)
        #expect(serve.unlockAfter == 60)
        #expect(serve.lockoutAfterFailures == 10, "a setting the file leaves out keeps its default")
        let database = try Self.sources().database()
        #expect(database.location == "/from/file.sqlite" && database.poolSize == 2 && database.masterKeyFile == "/from/file.key")
    }

    @Test func theEnvironmentWinsOverTheFile() throws {
        let environment = ["OTPKIT_HTTP_LISTEN": "127.0.0.1:2222", "OTPKIT_HTTP_IDLE_TIMEOUT": "22", "OTPKIT_RADIUS_STRIP_REALM": "false",
                           "OTPKIT_LOCKOUT_UNLOCK_AFTER": "120", "OTPKIT_DATABASE_POOL_SIZE": "3", "OTPKIT_MASTER_KEY_FILE": "/from/env.key"]
        let serve = try Self.sources(environment: environment).serve()
        #expect(serve.listen == "127.0.0.1:2222" && serve.idleTimeout == 22 && !serve.stripRealm && serve.unlockAfter == 120)
        let database = try Self.sources(environment: environment).database()
        #expect(database.poolSize == 3 && database.masterKeyFile == "/from/env.key" && database.location == "/from/file.sqlite")
    }

    @Test func theCommandLineWinsOverBoth() throws {
        let environment = ["OTPKIT_HTTP_LISTEN": "127.0.0.1:2222", "OTPKIT_HTTP_IDLE_TIMEOUT": "22", "OTPKIT_RADIUS_STRIP_REALM": "false",
                           "OTPKIT_DATABASE_POOL_SIZE": "3", "OTPKIT_DATABASE_LOCATION": "/from/env.sqlite"]
        let flags: [VerifierSetting: String] = [.httpListen: "127.0.0.1:3333", .httpIdleTimeout: "33.0", .radiusStripRealm: "true",
                                                .databasePoolSize: "5", .databaseLocation: "/from/flag.sqlite", .lockoutUnlockAfter: "0"]
        let serve = try Self.sources(environment: environment, commandLine: flags).serve()
        #expect(serve.listen == "127.0.0.1:3333" && serve.idleTimeout == 33 && serve.stripRealm && serve.unlockAfter == 0)
        let database = try Self.sources(environment: environment, commandLine: flags).database()
        #expect(database.poolSize == 5 && database.location == "/from/flag.sqlite")
    }

    /// `OTPKIT_VERIFIER_DB`, the older name, still works: above the file, below `OTPKIT_DATABASE_LOCATION`.
    @Test func theOlderDatabaseVariableSitsBelowTheNewOne() throws {
        #expect(try Self.sources(environment: ["OTPKIT_VERIFIER_DB": "/old.sqlite"]).database().location == "/old.sqlite")
        #expect(try Self.sources(environment: ["OTPKIT_VERIFIER_DB": "/old.sqlite", "OTPKIT_DATABASE_LOCATION": "/new.sqlite"]).database().location == "/new.sqlite")
        #expect(try Self.sources(environment: ["OTPKIT_VERIFIER_DB": ""]).database().location == "/from/file.sqlite", "empty counts as unset")
        let none = VerifierConfigurationSources(file: nil, environment: [:])
        #expect(try none.database() == VerifierDatabaseSettings())
        #expect(try none.serve() == VerifierServeSettings())
    }

    @Test func aBadValueNamesTheVariableOrTheFlag() {
        #expect(throws: VerifierConfigurationError([
            ConfigurationProblem(.badValue, source: .environment("OTPKIT_HTTP_IDLE_TIMEOUT"), key: "http.idle_timeout",
                                 message: "must be a number of seconds above 0 and at most 86400"),
            ConfigurationProblem(.badValue, source: .commandLine("--max-connections"), key: nil, message: "must be a whole number from 1 to 1000000"),
        ])) {
            try Self.sources(environment: ["OTPKIT_HTTP_IDLE_TIMEOUT": "0"], commandLine: [.httpMaxConnections: "0"]).serve()
        }
        do {
            _ = try Self.sources(environment: ["OTPKIT_RADIUS_STRIP_REALM": "maybe"]).serve()
            Issue.record("accepted")
        } catch {
            #expect(error.description == "OTPKIT_RADIUS_STRIP_REALM (radius.strip_realm): must be true or false")
        }
    }

    @Test func settingsThatGoTogetherAreCheckedWhereverTheyCameFrom() {
        do {
            _ = try Self.sources(environment: ["OTPKIT_TLS_CERT_FILE": "/c.pem"]).serve()
            Issue.record("accepted")
        } catch {
            #expect(error.problems.map(\.kind) == [.conflict])
            #expect(error.description.contains("tls.cert_file (--tls-cert) and tls.key_file (--tls-key) go together"))
        }
        let noRADIUS = VerifierConfigurationSources(file: nil, environment: [:], commandLine: [.radiusStripRealm: "true"])
        #expect(throws: VerifierConfigurationError.self) { try noRADIUS.serve() }
    }

    /// The defaults the documentation and `packaging/verifier.yaml` show are the ones the settings take.
    @Test func documentedDefaultsAreTheDefaults() throws {
        let written = Dictionary(uniqueKeysWithValues: VerifierSetting.allCases.compactMap { setting in setting.defaultValue.map { (setting, $0) } })
        let sources = VerifierConfigurationSources(file: nil, environment: [:], commandLine: written)
        #expect(try sources.serve() == VerifierServeSettings())
        #expect(try sources.database() == VerifierDatabaseSettings())
        for setting in VerifierSetting.allCases {
            #expect(setting.environmentVariable.hasPrefix("OTPKIT_") && setting.flag.hasPrefix("--") && !setting.summary.isEmpty)
            if let value = setting.defaultValue { #expect(setting.kind.parse(value) != nil, "\(setting)") }
        }
    }
}
