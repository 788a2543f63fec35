import Foundation
import TestSupport
import Testing

/// Issue 12 part 1 through the built `otpkit` binary: users own tokens (`assign`, `unassign`, `list --user`), logins
/// by user name (`verify --user`), PINs (`set-pin`), RADIUS clients (`radius-clients`), and PSKC UserId on import.
@Suite struct VerifierUsersCLITests {
    /// A database in a temporary folder holding HOTP tokens t0, t1, ... (RFC 4226 key); `owners` assign on import.
    final class Store {
        let folder: URL
        var database: String { folder.appendingPathComponent("verifier.sqlite").path }

        init(tokens: Int = 2, owners: [Int: String] = [:]) throws {
            folder = FileManager.default.temporaryDirectory.appendingPathComponent("otpkit-users-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            let seeds = (0..<tokens).map { index in
                "{\"serial\":\"t\(index)\",\"secretHex\":\"\(VerifierServerFixture.rfcHex)\"" + (owners[index].map { ",\"user\":\"\($0)\"" } ?? "") + "}"
            }
            let imported = try run(["verifier", "import", try file("seeds.json", "[\(seeds.joined(separator: ","))]"), "--json"])
            guard imported.status == 0 else { throw VerifierServerFixture.Failure(text: imported.stderr) }
            importReport = try imported.json()
        }

        private(set) var importReport: CLIOutput.Import?

        deinit { try? FileManager.default.removeItem(at: folder) }

        /// A file only its owner may read (as a secret's file should be), unless `mode` says otherwise.
        func file(_ name: String, _ text: String, mode: Int = 0o600) throws -> String {
            let path = folder.appendingPathComponent(name).path
            try Data(text.utf8).write(to: URL(fileURLWithPath: path))
            try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: path)
            return path
        }

        @discardableResult
        func run(_ arguments: [String], input: String? = nil) throws -> ProcessResult {
            try otpkit(arguments + ["--db", database], input: input)
        }

        /// `verifier list --json`, with `arguments` (`--user NAME`).
        func tokens(_ arguments: [String] = []) throws -> [CLIOutput.Token] {
            try run(["verifier", "list", "--json"] + arguments).json()
        }

        /// Every byte the database keeps on disk (the file, its WAL and shared memory).
        func databaseBytes() throws -> Data {
            try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasPrefix("verifier.sqlite") && !$0.hasSuffix(".key") }
                .reduce(into: Data()) { $0 += try Data(contentsOf: folder.appendingPathComponent($1)) }
        }
    }

    static func code(_ counter: UInt64) -> String { VerifierServerFixture.code(counter) }

    @Test func assignUnassignAndListByUser() throws {
        let store = try Store(tokens: 3, owners: [2: "bob"])
        #expect(store.importReport?.assigned == ["t2": "bob"], "a seed JSON user assigns on import: \(String(describing: store.importReport))")
        for token in ["t0", "t1"] {
            let assigned = try store.run(["verifier", "assign", "--token", token, "--user", "alice"])
            #expect(assigned.status == 0 && assigned.stdout.contains("Token \(token) belongs to user alice"), "\(assigned.stderr)")
        }
        // The text list: a token's user in its last column.
        let alice = try store.run(["verifier", "list", "--user", "alice"]).stdout
        let lines = alice.split(separator: "\n")
        #expect(lines.count == 2 && lines.allSatisfy { $0.hasSuffix("user alice") } && !alice.contains("t2"), "\(alice)")

        let summaries = try store.tokens(["--user", "alice"])
        #expect(summaries.map(\.id).sorted() == ["t0", "t1"] && summaries.allSatisfy { $0.user == "alice" }, "\(summaries)")

        let unassigned = try store.run(["verifier", "unassign", "--token", "t1"])
        #expect(unassigned.status == 0 && unassigned.stdout.contains("belongs to no user"))
        let all = try store.tokens()
        #expect(all.map(\.id) == ["t0", "t1", "t2"] && all.map(\.user) == ["alice", nil, "bob"], "\(all)")
        #expect(try store.tokens(["--user", "alice"]).map(\.id) == ["t0"])
        let nobody = try store.run(["verifier", "list", "--user", "nobody"])
        #expect(nobody.status == 0 && nobody.stdout.contains("owns no token"))
        #expect(try store.tokens(["--user", "nobody"]).isEmpty)

        // Names are compared after NFC: "é" typed as e + combining accent is the same user as the precomposed one.
        #expect(try store.run(["verifier", "assign", "--token", "t1", "--user", "e\u{301}ve"]).status == 0)
        #expect(try store.tokens(["--user", "\u{e9}ve"]).map(\.id) == ["t1"])

        let unknown = try store.run(["verifier", "assign", "--token", "nope", "--user", "alice"])
        #expect(unknown.status == 1 && unknown.stderr.contains("no token nope"), "\(unknown.stderr)")
        let empty = try store.run(["verifier", "assign", "--token", "t0", "--user", ""])
        #expect(empty.status == 64 && empty.stderr.contains("user name"), "\(empty.stderr)")
        #expect(try store.run(["verifier", "assign", "--token", "t0"]).status == 64, "--user is required")
    }

    @Test func verifyByUserAcceptsOnceAndRefusalsLookAlike() throws {
        let store = try Store(owners: [0: "alice"])
        let accepted = try store.run(["verifier", "verify", "--user", "alice", Self.code(0)])
        #expect(accepted.status == 0 && accepted.stdout == "accepted (token t0, counter 0)\n", "\(accepted.stdout) \(accepted.stderr)")
        let replay = try store.run(["verifier", "verify", "--user", "alice", Self.code(0)])
        let wrong = try store.run(["verifier", "verify", "--user", "alice", "000000"])
        let unknown = try store.run(["verifier", "verify", "--user", "mallory", Self.code(1)])
        for refusal in [replay, wrong, unknown] {
            #expect(refusal.status == 1 && refusal.stdout == "refused\n" && refusal.stderr.isEmpty, "\(refusal)")
        }
        #expect((wrong.stdout, wrong.stderr, wrong.status) == (unknown.stdout, unknown.stderr, unknown.status),
                "an unknown user looks like a wrong code")
        // In JSON too: a refused login has no reason.
        let refusals = try [Self.code(0), "000000"].map { try store.run(["verifier", "verify", "--user", "alice", $0, "--json"]) }
            + [try store.run(["verifier", "verify", "--user", "mallory", Self.code(1), "--json"])]
        for refusal in refusals {
            #expect(try refusal.status == 1 && refusal.json(CLIOutput.Decision.self) == .init(accepted: false) && refusal.stderr.isEmpty, "\(refusal)")
        }
        #expect(Set(refusals.map(\.stdout)).count == 1, "\(refusals)")

        // The code from standard input keeps it (and a PIN) out of the process list.
        let fromStdin = try store.run(["verifier", "verify", "--user", "alice", "-", "--json"], input: Self.code(1) + "\n")
        #expect(try fromStdin.status == 0 && fromStdin.json(CLIOutput.Decision.self) == .init(accepted: true, token: "t0", counter: 1),
                "\(fromStdin.stdout)\(fromStdin.stderr)")

        // A user with two tokens: the code of either is accepted, naming the one that matched.
        #expect(try store.run(["verifier", "assign", "--token", "t1", "--user", "alice"]).status == 0)
        let second = try store.run(["verifier", "verify", "--user", "alice", Self.code(0), "--json"])
        #expect(try second.status == 0 && second.json(CLIOutput.Decision.self) == .init(accepted: true, token: "t1", counter: 0),
                "t1 is still at counter 0: \(second.stdout)")

        let both = try store.run(["verifier", "verify", "--user", "alice", "--token", "t0", Self.code(2)])
        #expect(both.status == 64 && both.stderr.contains("exactly one of --token ID and --user NAME"), "\(both.stderr)")
        #expect(try store.run(["verifier", "verify", Self.code(2)]).status == 64)
        #expect(try store.run(["verifier", "verify", "--token", "t0", Self.code(2)]).status == 0, "nothing above used t0's code 2")
    }

    /// `verify --stdin` answers each line as it comes; with --json, a decision a line, a refusal by token with its reason.
    @Test func verifyReadsOneCodeALineFromStandardInput() throws {
        let store = try Store(tokens: 1)
        let text = try store.run(["verifier", "verify", "--token", "t0", "--stdin"], input: [Self.code(0), Self.code(0), "000000", Self.code(1)]
            .joined(separator: "\n") + "\n")
        #expect(text.status == 0 && text.stdout == "accepted\nrefused\nrefused\naccepted\n", "\(text.stdout)\(text.stderr)")
        let json = try store.run(["verifier", "verify", "--token", "t0", "--stdin", "--json"], input: "\(Self.code(2))\n\(Self.code(2))\n000000\n")
        #expect(json.status == 0, "\(json.stderr)")
        #expect(try json.jsonLines(CLIOutput.Decision.self)
                == [.init(accepted: true, counter: 2), .init(accepted: false, reason: "replay"), .init(accepted: false, reason: "wrong_code")],
                "\(json.stdout)")
        let refused = try store.run(["verifier", "verify", "--token", "t0", "000000", "--json"])
        #expect(try refused.status == 1 && refused.json(CLIOutput.Decision.self) == .init(accepted: false, reason: "wrong_code"), "\(refused.stdout)")
    }

    @Test func pinThenCodeIsThePassword() throws {
        let store = try Store(owners: [0: "alice"])
        let pin = "Zq4711pin"
        let set = try store.run(["verifier", "set-pin", "--user", "alice", "--pin-file", try store.file("pin.txt", pin + "\n")])
        #expect(set.status == 0 && set.stdout.contains("PIN set for user alice"), "\(set.stderr)")

        let login = { (password: String) throws -> ProcessResult in try store.run(["verifier", "verify", "--user", "alice", "-"], input: password + "\n") }
        #expect(try login(pin + Self.code(0)).status == 0, "PIN followed by the code")
        let codeAlone = try login(Self.code(1))
        #expect(codeAlone.status == 1 && codeAlone.stdout == "refused\n", "the code alone is refused once a PIN is set")
        let wrongPIN = try login("Zq4712pin" + Self.code(1))
        #expect(wrongPIN.status == 1 && wrongPIN.stdout == "refused\n", "a wrong PIN looks like a wrong code")
        #expect(try login(pin + Self.code(1)).status == 0, "refusals did not use the code")
        // Issue 20, item 2: alice's token by id wants her PIN too.
        let byID = { (password: String) throws -> ProcessResult in try store.run(["verifier", "verify", "--token", "t0", "-"], input: password + "\n") }
        let bare = try store.run(["verifier", "verify", "--token", "t0", "-", "--json"], input: Self.code(2) + "\n")
        #expect(try bare.status == 1 && bare.json(CLIOutput.Decision.self).accepted == false, "by id, the code alone: \(bare.stdout)")
        let withPIN = try byID(pin + Self.code(2))
        #expect(withPIN.status == 0, "by id, PIN and code: \(withPIN.stdout) \(withPIN.stderr)")
        #expect(!(try store.databaseBytes()).contains(Data(pin.utf8)), "the PIN is stored hashed only")

        // Never from the command line.
        for arguments in [["set-pin", "--user", "alice", "1234"], ["set-pin", "--user", "alice", "--pin", "1234"]] {
            let refused = try store.run(["verifier"] + arguments)
            #expect(refused.status == 64, "\(arguments): \(refused.stderr)")
        }
        let noTerminal = try store.run(["verifier", "set-pin", "--user", "alice"])
        #expect(noTerminal.status == 64 && noTerminal.stderr.contains("--pin-file"), "\(noTerminal.stderr)")
        #expect(try login(pin + Self.code(3)).status == 0, "the refused set-pin calls changed nothing")

        let noToken = try store.run(["verifier", "set-pin", "--user", "nobody", "--pin-file", try store.file("pin2.txt", "1234")])
        #expect(noToken.status == 1 && noToken.stderr.contains("otpkit verifier assign"), "\(noToken.stderr)")

        let fromStdin = try store.run(["verifier", "set-pin", "--user", "alice", "--pin-file", "-"], input: "999\n")
        #expect(fromStdin.status == 0, "\(fromStdin.stderr)")
        #expect(try login("999" + Self.code(4)).status == 0)
        #expect(try store.run(["verifier", "set-pin", "--user", "alice", "--remove"]).status == 0)
        #expect(try login(Self.code(5)).status == 0, "without a PIN the code alone is the password again")
    }

    /// Runs `set-pin` on a pseudo-terminal (Python's pty module), answering its two prompts as they appear; returns
    /// what the terminal showed and the exit status.
    static func setPINAtTerminal(_ store: Store, first: String, second: String) throws -> ProcessResult {
        let python = try #require(Subprocess.which("python3"), "python3 is missing (Debian package python3)")
        let driver = """
        import os, pty, sys
        pid, fd = pty.fork()
        if pid == 0:
            os.execv(sys.argv[3], sys.argv[3:])
        seen = b""
        def read_until(marker):
            global seen
            while marker not in seen:
                try: chunk = os.read(fd, 1024)
                except OSError: chunk = b""
                if not chunk: return
                seen += chunk
        read_until(b"New PIN for alice: ")
        os.write(fd, sys.argv[1].encode() + b"\\n")
        read_until(b"The same PIN again: ")
        os.write(fd, sys.argv[2].encode() + b"\\n")
        while True:
            try: chunk = os.read(fd, 1024)
            except OSError: break
            if not chunk: break
            seen += chunk
        _, status = os.waitpid(pid, 0)
        sys.stdout.write(seen.decode(errors="replace"))
        sys.exit(os.waitstatus_to_exitcode(status))
        """
        return try Subprocess.run(python, ["-c", driver, first, second, ProjectPaths.otpkit.path,
                                           "verifier", "set-pin", "--user", "alice", "--db", store.database])
    }

    @Test func setPINAsksTwiceAtTheTerminalWithoutEcho() throws {
        let store = try Store(owners: [0: "alice"])
        let differ = try Self.setPINAtTerminal(store, first: "Tq5813", second: "Tq5814")
        #expect(differ.status == 64 && differ.stdout.contains("the two PINs differ"), "\(differ.stdout) \(differ.stderr)")
        let set = try Self.setPINAtTerminal(store, first: "Tq5813", second: "Tq5813")
        #expect(set.status == 0 && set.stdout.contains("PIN set for user alice"), "\(set.stdout)")
        #expect(!set.stdout.contains("Tq5813") && !differ.stdout.contains("Tq581"), "the typed PIN is not echoed")
        let login = try store.run(["verifier", "verify", "--user", "alice", "-"], input: "Tq5813" + Self.code(0) + "\n")
        #expect(login.status == 0, "\(login.stdout)")
    }

    @Test func radiusClientsAreAddedListedAndRemovedWithoutShowingTheSecret() throws {
        let store = try Store(tokens: 0)
        let secret = "s3cret-shared-0123456789abcdef"
        let secretFile = try store.file("vpn.secret", secret + "\n")
        let added = try store.run(["verifier", "radius-clients", "add", "--name", "vpn", "--address", "192.0.2.10", "--secret-file", secretFile])
        #expect(added.status == 0 && added.stdout.contains("required") && added.stderr.isEmpty, "\(added.stderr)")
        let pam = try store.run(["verifier", "radius-clients", "add", "--name", "pam", "--address", "10.1.0.0/16", "--secret-file", secretFile,
                                 "--no-message-authenticator"])
        #expect(pam.status == 0, "\(pam.stderr)")
        for warning in ["BlastRADIUS", "CVE-2024-3596", "pam_radius_auth 2.0"] { #expect(pam.stderr.contains(warning), "\(pam.stderr)") }
        let short = try store.run(["verifier", "radius-clients", "add", "--name", "old-nas", "--address", "2001:db8::/32",
                                   "--secret-file", try store.file("short.secret", "tenbytes!!")])
        #expect(short.status == 0 && short.stderr.contains("at least 16"), "\(short.stderr)")
        let open = try store.run(["verifier", "radius-clients", "add", "--name", "wifi", "--address", "192.0.2.20",
                                  "--secret-file", try store.file("open.secret", secret, mode: 0o644)])
        #expect(open.status == 0 && open.stderr.contains("can be read by other users") && open.stderr.contains("chmod 600"), "\(open.stderr)")

        let duplicate = try store.run(["verifier", "radius-clients", "add", "--name", "vpn", "--address", "192.0.2.11", "--secret-file", secretFile])
        #expect(duplicate.status == 1 && duplicate.stderr.contains("exists already"), "\(duplicate.stderr)")
        let badAddresses = ["192.0.2.256", "10.0.0.0/33", "::1/129", "vpn.example.com", "10.0.0.1/8", "fe80::1%eth0", "10.0.0.0/", "1.2.3", "", "10.0.0.0/-1"]
        for address in badAddresses {
            let refused = try store.run(["verifier", "radius-clients", "add", "--name", "bad", "--address", address, "--secret-file", secretFile])
            #expect(refused.status == 64, "\(address): \(refused.stderr)")
        }
        let hostBits = try store.run(["verifier", "radius-clients", "add", "--name", "bad", "--address", "10.0.0.1/8", "--secret-file", secretFile])
        #expect(hostBits.stderr.contains("10.0.0.0/8"), "says which network was meant: \(hostBits.stderr)")
        let tooShort = try store.run(["verifier", "radius-clients", "add", "--name", "bad", "--address", "192.0.2.1",
                                      "--secret-file", try store.file("tiny.secret", "abc")])
        #expect(tooShort.status == 64 && tooShort.stderr.contains("8 to 128 bytes"), "\(tooShort.stderr)")

        let list = try store.run(["verifier", "radius-clients", "list"])
        #expect(list.status == 0, "\(list.stderr)")
        let lines = list.stdout.split(separator: "\n")
        #expect(lines.contains { $0.hasPrefix("vpn  192.0.2.10  Message-Authenticator required  created 20") }, "\(list.stdout)")
        #expect(lines.contains { $0.hasPrefix("pam  10.1.0.0/16  Message-Authenticator NOT SENT") }, "\(list.stdout)")
        let json = try store.run(["verifier", "radius-clients", "list", "--json"])
        let clients = try json.json([CLIOutput.RADIUSClient].self)
        #expect(clients.map(\.name).sorted() == ["old-nas", "pam", "vpn", "wifi"], "none of the refused ones: \(json.stdout)")
        let pamClient = try #require(clients.first { $0.name == "pam" })
        #expect(pamClient.address == "10.1.0.0/16" && pamClient.messageAuthenticator == "not_sent", "\(json.stdout)")
        #expect(clients.first { $0.name == "vpn" }?.messageAuthenticator == "required" && clients.allSatisfy { $0.created.hasPrefix("20") })
        for output in [list.stdout, list.stderr, json.stdout, added.stdout, pam.stderr] {
            #expect(!output.contains(secret) && !output.contains("s3cret"), "the secret is never printed")
        }
        #expect(!(try store.databaseBytes()).contains(Data("s3cret-shared".utf8)), "the secret is sealed in the database")

        #expect(try store.run(["verifier", "radius-clients", "remove", "--name", "vpn"]).status == 0)
        #expect(try store.run(["verifier", "radius-clients", "list", "--json"]).json([CLIOutput.RADIUSClient].self).map(\.name).sorted()
                == ["old-nas", "pam", "wifi"])
        let again = try store.run(["verifier", "radius-clients", "remove", "--name", "vpn"])
        #expect(again.status == 1 && again.stderr.contains("no RADIUS client vpn"), "\(again.stderr)")
    }

    /// A PSKC file whose key names its user (RFC 6030 figure 3's DN) is imported, then verified by that user.
    @Test func pskcUserIdAssignsOnImport() throws {
        let store = try Store(tokens: 0)
        let pskc = """
        <?xml version="1.0" encoding="UTF-8"?>
        <KeyContainer Version="1.0" xmlns="urn:ietf:params:xml:ns:keyprov:pskc"><KeyPackage>
        <DeviceInfo><Manufacturer>Manufacturer</Manufacturer><SerialNo>987654321</SerialNo><UserId>DC=example-bank,DC=net</UserId></DeviceInfo>
        <Key Id="12345678" Algorithm="urn:ietf:params:xml:ns:keyprov:pskc:hotp"><Issuer>Issuer</Issuer>
        <AlgorithmParameters><ResponseFormat Length="8" Encoding="DECIMAL"/></AlgorithmParameters>
        <Data><Secret><PlainValue>MTIzNDU2Nzg5MDEyMzQ1Njc4OTA=</PlainValue></Secret><Counter><PlainValue>0</PlainValue></Counter></Data>
        <UserId>UID=jsmith,DC=example-bank,DC=net</UserId></Key></KeyPackage></KeyContainer>
        """
        let imported = try store.run(["verifier", "import", try store.file("figure3.pskc", pskc), "--json"])
        #expect(imported.status == 0, "\(imported.stderr)")
        let report = try imported.json(CLIOutput.Import.self)
        #expect(report.imported == ["987654321"] && report.assigned == ["987654321": "jsmith"] && report.skipped.isEmpty, "\(imported.stdout)")
        let login = try store.run(["verifier", "verify", "--user", "jsmith", "-", "--json"], input: "84755224\n")
        #expect(try login.status == 0 && login.json(CLIOutput.Decision.self) == .init(accepted: true, token: "987654321", counter: 0),
                "\(login.stdout) \(login.stderr)")

        // Exported PSKC carries the user, so another verifier assigns it too.
        let exported = store.folder.appendingPathComponent("export.pskc").path
        #expect(try store.run(["verifier", "export", "--out", exported, "--password-file", try store.file("pw", "pw\n")]).status == 0)
        #expect(try String(contentsOfFile: exported, encoding: .utf8).contains("<pskc:UserId>UID=jsmith</pskc:UserId>"))
    }
}
