import Testing
import VerifierConfiguration

/// The configuration file's checks: what it accepts, and each kind of mistake refused with its key and line, every
/// problem at once, never the value of a secret written where it does not belong.
@Suite struct ConfigurationFileTests {
    static func parse(_ text: String) throws(VerifierConfigurationError) -> ConfigurationFile {
        try ConfigurationFile(parsing: Array(text.utf8), path: "verifier.yaml")
    }

    /// The problems `text` has (failing the test when it has none).
    static func problems(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) -> [ConfigurationProblem] {
        do {
            _ = try parse(text)
            Issue.record("accepted:\n\(text)", sourceLocation: sourceLocation)
            return []
        } catch {
            return error.problems
        }
    }

    @Test func readsSectionsAndTopLevelKeysWithTheirLines() throws {
        let file = try Self.parse("""
            # a comment
            database:
              location: /var/lib/otpkit/verifier.sqlite
              pool_size: 8
            master_key_file: "/var/lib/otpkit/verifier.key"
            http: {listen: "[::1]:8400", idle_timeout: 2.5}
            radius:
              strip_realm: yes
              listen: 0.0.0.0
            tls:
            """)
        #expect(file.entries[.databaseLocation] == ConfigurationFile.Entry(text: "/var/lib/otpkit/verifier.sqlite", line: 3))
        #expect(file.value(.databasePoolSize) == .integer(8))
        #expect(file.value(.masterKeyFile) == .text("/var/lib/otpkit/verifier.key"))
        #expect(file.value(.httpListen) == .text("[::1]:8400"))
        #expect(file.value(.httpIdleTimeout) == .number(2.5))
        #expect(file.value(.radiusStripRealm) == .boolean(true))
        #expect(file.entries[.radiusListen]?.line == 9)
        #expect(file.entries.count == 7, "the empty tls section sets nothing")
    }

    @Test(arguments: ["", "# nothing but comments\n", "---\n", "~\n"])
    func anEmptyFileSetsNothing(_ text: String) throws {
        #expect(try Self.parse(text).entries.isEmpty)
    }

    @Test func anUnknownKeyIsNamedWithItsLineAndWhatWasMeant() {
        let problems = Self.problems("""
            http:
              lisen: 127.0.0.1:8400
            listen: 127.0.0.1:8400
            db_pool_size: 4
            colour: blue
            """)
        #expect(problems.map(\.kind) == [.unknownKey, .unknownKey, .unknownKey, .unknownKey])
        #expect(problems.map(\.key) == ["http.lisen", "listen", "db_pool_size", "colour"])
        #expect(problems.map(\.line) == [2, 3, 4, 5])
        #expect(problems[0].description == "verifier.yaml:2: http.lisen: unknown key; did you mean http.listen?")
        #expect(problems[1].description.hasSuffix("did you mean http.listen?"))
        #expect(problems[2].description.hasSuffix("did you mean database.pool_size?"))
        #expect(problems[3].description.contains("the file takes: database, master_key_file, http,"), "\(problems[3])")
    }

    @Test func aWrongTypeNamesTheKeyTheLineAndBothTypes() {
        let problems = Self.problems("""
            http: 8400
            database:
              pool_size: "4"
              timeout: [1, 2]
            radius:
              strip_realm: 1
              listen: 1812
            lockout: {after_failures: 2.5}
            verbose:
            [a]: 1
            """)
        #expect(problems.allSatisfy { $0.kind == .wrongType }, "\(problems)")
        #expect(problems.map(\.description) == [
            "verifier.yaml:1: http: is a section: expected its keys indented under it (listen, idle_timeout, max_connections, rate_limit), found a whole number",
            "verifier.yaml:3: database.pool_size: expected a whole number, found text",
            "verifier.yaml:4: database.timeout: expected a number, found a list",
            "verifier.yaml:6: radius.strip_realm: expected true or false, found a whole number",
            "verifier.yaml:7: radius.listen: expected text, found a whole number (quote it to make it text)",
            "verifier.yaml:8: lockout.after_failures: expected a whole number, found a decimal number",
            "verifier.yaml:9: verbose: has no value: leave the key out (or comment it out) to keep the default",
            "verifier.yaml:10: a key must be a name, found a list",
        ])
    }

    @Test func aBadValueNamesTheKeyTheLineAndWhatItMustBe() {
        let problems = Self.problems("""
            http:
              idle_timeout: 0
              listen: 127.0.0.1
              max_connections: 0
            metrics: {listen: "host:99999"}
            database: {pool_size: 0x10, timeout: 1e9}
            radius: {listen: "a b"}
            audit_log: "-----BEGIN PRIVATE KEY-----"
            """)
        #expect(problems.allSatisfy { $0.kind == .badValue }, "\(problems)")
        #expect(problems.map(\.line) == [2, 3, 4, 5, 6, 6, 7, 8])
        #expect(problems[0].description == "verifier.yaml:2: http.idle_timeout: must be a number of seconds above 0 and at most 86400")
        #expect(problems[1].description == "verifier.yaml:3: http.listen: must be HOST:PORT (port 0 to 65535)")
        #expect(problems[4].description == "verifier.yaml:6: database.pool_size: must be a whole number from 1 to 1000")
        #expect(problems[7].description.hasSuffix("audit_log: must be the path of a file (not its contents)"))
    }

    @Test(arguments: [
        ("db_password: hunter2", "db_password", "database.password_file (--db-password-file)"),
        ("database:\n  password: hunter2", "database.password", "database.password_file (--db-password-file)"),
        ("master_key: aHVudGVyMg==", "master_key", "master_key_file (--key-file)"),
        ("tls:\n  key: hunter2", "tls.key", "tls.key_file (--tls-key)"),
        ("radius:\n  secret: hunter2", "radius.secret", "never from here"),
        ("database:\n  location: postgres://otpkit:hunter2@db:5432/otpkit", "database.location", "database.password_file (--db-password-file)"),
    ])
    func aSecretWrittenInlineIsRefusedWithoutShowingIt(_ text: String, _ key: String, _ advice: String) {
        let problems = Self.problems(text)
        #expect(problems.count == 1)
        #expect(problems.first?.kind == .inlineSecret)
        #expect(problems.first?.key == key)
        #expect(problems.first?.line == text.split(separator: "\n").count)
        #expect(problems.first?.description.contains(advice) == true, "\(problems)")
        #expect(problems.first?.description.contains("a secret is never written in the configuration file") == true
                || problems.first?.description.contains("a password in the URL is never written") == true, "\(problems)")
        #expect(problems.first?.description.contains("hunter2") == false)
    }

    @Test func aKeyWrittenTwiceIsRefusedWithItsLine() {
        let problems = Self.problems("http:\n  listen: 127.0.0.1:1\n  listen: 127.0.0.1:2\n")
        #expect(problems.map(\.kind) == [.duplicateKey])
        #expect(problems.first?.line == 2)
        #expect(problems.first?.description.contains("listen is written twice") == true, "\(problems)")
    }

    @Test func notYAMLIsRefusedWithItsLineAndWithoutQuotingTheFile() {
        let problems = Self.problems("http:\n  listen: \"127.0.0.1:1\n database: {password: 'hunter2\n")
        #expect(problems.map(\.kind) == [.notYAML])
        #expect(problems.first?.line != nil)
        #expect(problems.first?.description.contains("is not valid YAML") == true)
        #expect(problems.first?.description.contains("hunter2") == false, "\(problems)")
    }

    @Test func aFileOverOneMebibyteIsRefusedUnparsed() {
        let text = "# " + String(repeating: "x", count: ConfigurationFile.maximumSize) + "\n"
        #expect(Self.problems(text).map(\.kind) == [.tooLarge])
        #expect(throws: VerifierConfigurationError.self) { try ConfigurationFile(parsing: [0x6B, 0x3A, 0xFF], path: "x") }
    }

    /// Aliases used as keys would make Yams hash an exponential tree: anchors with aliases are refused before it reads.
    @Test func anchorsWithAliasesAreRefusedBeforeTheParserRuns() throws {
        var text = "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
        for level in 1...20 { text += "l\(level): &l\(level) [\(Array(repeating: level == 1 ? "*a" : "*l\(level - 1)", count: 10).joined(separator: ", "))]\n" }
        text += "? *l20\n: 1\n? *l19\n: 2\n"
        let problems = Self.problems(text)
        #expect(problems.map(\.kind) == [.notYAML])
        #expect(problems.first?.line == 2)
        #expect(try Self.parse("http: {listen: \"127.0.0.1:8400\"}\n# an anchor & in a comment alone is fine\n").entries.count == 1)
    }

    @Test func everyProblemIsListed() {
        let problems = Self.problems("lisen: x\nhttp: {idle_timeout: -1}\ndb_password: x\n")
        #expect(problems.map(\.kind) == [.unknownKey, .badValue, .inlineSecret])
    }

    @Test func aFileOfMistakesListsTwentyAndCountsTheRest() {
        let problems = Self.problems((1...30).map { "unknown\($0): x\n" }.joined())
        #expect(problems.count == 21)
        #expect(problems.last?.description == "verifier.yaml: 10 more problems not listed")
    }

    /// libyaml refuses more than 1000 levels of nesting, so Yams' recursive reading stays shallow.
    @Test func deepNestingIsRefusedByTheParser() {
        let problems = Self.problems("verbose: " + String(repeating: "[", count: 100_000))
        #expect(problems.map(\.kind) == [.notYAML])
        #expect(problems.first?.description.contains("Maximum nesting level reached") == true, "\(problems)")
    }
}
