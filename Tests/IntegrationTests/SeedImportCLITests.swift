import Foundation
import TestSupport
import Testing

/// `otpkit verifier import` with hostile, damaged and unusual seed files (issue 11): it never crashes, imports
/// nothing from a damaged file, imports what RFC 6030's examples hold, and words its refusals in its own options.
@Suite struct SeedImportCLITests {
    /// A fresh database folder; `import` and `list` run against its SQLite file.
    final class Store {
        let folder: URL
        var database: String { folder.appendingPathComponent("verifier.sqlite").path }

        init() throws {
            folder = FileManager.default.temporaryDirectory.appendingPathComponent("otpkit-seed-import-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        }

        deinit { try? FileManager.default.removeItem(at: folder) }

        func file(_ name: String, _ text: String) throws -> String {
            let path = folder.appendingPathComponent(name).path
            try Data(text.utf8).write(to: URL(fileURLWithPath: path))
            return path
        }

        func importing(_ path: String, _ extra: [String] = [], environment: [String: String] = [:]) throws -> ProcessResult {
            try otpkit(["verifier", "import", path, "--db", database] + extra, environment: environment)
        }

        /// `import --json`'s report, once the import succeeded.
        func imported(_ path: String, _ extra: [String] = [], environment: [String: String] = [:]) throws -> CLIOutput.Import {
            let result = try importing(path, extra + ["--json"], environment: environment)
            try #require(result.status == 0, "\(result.stdout)\(result.stderr)")
            return try result.json()
        }

        /// The ids `verifier list --json` shows; none before an import created the database.
        func tokenIDs() throws -> [String] {
            guard FileManager.default.fileExists(atPath: database) else { return [] }
            return try otpkit("verifier", "list", "--db", database, "--json").json([CLIOutput.Token].self).map(\.id)
        }
    }

    static let rfcSecretBase64 = "MTIzNDU2Nzg5MDEyMzQ1Njc4OTA="

    static func hotpPackage(_ serial: String, counter: Int) -> String {
        """
         <KeyPackage><DeviceInfo><SerialNo>\(serial)</SerialNo></DeviceInfo>
          <Key Id="\(serial)" Algorithm="urn:ietf:params:xml:ns:keyprov:pskc:hotp">
           <AlgorithmParameters><ResponseFormat Length="6" Encoding="DECIMAL"/></AlgorithmParameters>
           <Data><Secret><PlainValue>\(rfcSecretBase64)</PlainValue></Secret><Counter><PlainValue>\(counter)</PlainValue></Counter></Data>
          </Key>
         </KeyPackage>
        """
    }

    static func container(_ packages: [String]) -> String {
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<KeyContainer Version=\"1.0\" xmlns=\"urn:ietf:params:xml:ns:keyprov:pskc\">\n"
            + packages.joined(separator: "\n") + "\n</KeyContainer>\n"
    }

    /// Item 1: 50,000 nested elements are refused as bad PSKC (exit 64), not a crash.
    @Test func deeplyNestedFileIsRefusedNotACrash() throws {
        let store = try Store()
        let bomb = "<KeyContainer>" + String(repeating: "<a>", count: 50_000) + String(repeating: "</a>", count: 50_000) + "</KeyContainer>"
        let result = try store.importing(try store.file("bomb.pskc", bomb))
        #expect(result.status == 64, "\(result.stderr)")
        #expect(result.stderr.contains("nested deeper than 32"))
    }

    /// Item 14: a file over the 8 MiB limit is refused by name, from a file or standard input.
    @Test func oversizedFileIsRefusedByItsLimit() throws {
        let store = try Store()
        let big = String(repeating: " ", count: 8 << 20) + Self.container([Self.hotpPackage("BIG1", counter: 0)])
        let path = try store.file("big.pskc", big)
        for result in [try store.importing(path), try otpkit(["verifier", "import", "-", "--db", store.database], input: big)] {
            #expect(result.status == 64)
            #expect(result.stderr.contains("larger than the 8 MiB limit"), "\(result.stderr)")
        }
    }

    /// Item 3: a file cut inside key 7 of 10 imports nothing; the whole file then imports all ten.
    @Test func cutShortFileImportsNothing() throws {
        let store = try Store()
        let whole = Self.container((1...10).map { Self.hotpPackage("CUT\($0)", counter: 123_456) })
        let cutAt = try #require(whole.range(of: "CUT7</SerialNo>")).upperBound
        let cut = try store.importing(try store.file("cut.pskc", String(whole[..<cutAt])))
        #expect(cut.status == 64 && cut.stderr.contains("cut short"), "\(cut.stderr)")
        let inCounter = try #require(whole.range(of: "<PlainValue>123", options: .backwards)).upperBound
        #expect(try store.importing(try store.file("cut2.pskc", String(whole[..<inCounter]))).status == 64)
        #expect(try store.importing(try store.file("tail.pskc", whole + "<KeyContainer/>")).status == 64)
        #expect(try store.tokenIDs().isEmpty)
        let imported = try store.imported(try store.file("whole.pskc", whole))
        #expect(imported.imported == (1...10).map { "CUT\($0)" } && imported.skipped.isEmpty, "\(imported)")
        #expect(try store.tokenIDs().sorted() == imported.imported.sorted())
    }

    /// Item 9: RFC 6030 figure 10 (two keys on one device) imports into an empty database, and figure 5 imports its
    /// HOTP key and says it skipped the PIN key.
    @Test func rfc6030ExamplesImport() throws {
        let store = try Store()
        let figure10 = Self.container([
            Self.hotpPackage("654321", counter: 0), Self.hotpPackage("123456", counter: 0),
            Self.hotpPackage("9999999", counter: 0).replacingOccurrences(of: "Id=\"9999999\"", with: "Id=\"3\""),
            Self.hotpPackage("9999999", counter: 0).replacingOccurrences(of: "Id=\"9999999\"", with: "Id=\"4\""),
        ])
        let bulk = try store.imported(try store.file("figure10.pskc", figure10))
        #expect(bulk.imported == ["654321", "123456", "9999999-3", "9999999-4"], "\(bulk)")

        let pinKey = """
         <KeyPackage><DeviceInfo><SerialNo>987654321</SerialNo></DeviceInfo>
          <Key Id="123456781" Algorithm="urn:ietf:params:xml:ns:keyprov:pskc:pin">
           <Data><Secret><PlainValue>MTIzNA==</PlainValue></Secret></Data>
          </Key>
         </KeyPackage>
        """
        let withPIN = try store.imported(try store.file("figure5.pskc", Self.container([Self.hotpPackage("987654321", counter: 0), pinKey])))
        #expect(withPIN.imported == ["987654321"] && withPIN.assigned.isEmpty, "\(withPIN)")
        #expect(withPIN.skipped == ["key 123456781: its algorithm urn:ietf:params:xml:ns:keyprov:pskc:pin is not HOTP or TOTP"], "\(withPIN)")
    }

    /// Items 8 and 19: an encrypted file without a MAC (written by python-pskc, MAC removed) needs
    /// --allow-missing-mac; a password file without a password names the options that exist.
    @Test func encryptedFilesNameTheRightOptions() throws {
        let store = try Store()
        let psk = "12345678901234567890123456789012"
        let noMAC = store.folder.appendingPathComponent("nomac.pskc").path
        let withPassword = store.folder.appendingPathComponent("password.pskc").path
        let script = """
        import re, sys, pskc
        p = pskc.PSKC()
        p.add_key(id='1', serial='NOMAC1', secret=b'12345678901234567890', counter=3,
                  algorithm='urn:ietf:params:xml:ns:keyprov:pskc:hotp', response_length=6)
        p.encryption.setup_preshared_key(key=bytes.fromhex(sys.argv[2]))
        p.write(sys.argv[1])
        text = open(sys.argv[1]).read()
        text = re.sub(r'<pskc:MACMethod.*?</pskc:MACMethod>', '', text, flags=re.S)
        text = re.sub(r'<pskc:ValueMAC>.*?</pskc:ValueMAC>', '', text, flags=re.S)
        open(sys.argv[1], 'w').write(text)
        q = pskc.PSKC()
        q.add_key(id='1', serial='PW1', secret=b'12345678901234567890', algorithm='urn:ietf:params:xml:ns:keyprov:pskc:hotp')
        q.encryption.setup_pbkdf2('correct horse', iterations=1000)
        q.write(sys.argv[3])
        """
        let written = try Subprocess.run("/usr/bin/python3", ["-c", script, noMAC, psk, withPassword])
        try #require(written.status == 0, "\(written.stderr)")

        let refused = try store.importing(noMAC, ["--psk", psk])
        #expect(refused.status == 64)
        #expect(refused.stderr.contains("without a MAC") && refused.stderr.contains("--allow-missing-mac"), "\(refused.stderr)")
        #expect(try store.imported(noMAC, ["--psk", psk, "--allow-missing-mac"]).imported == ["NOMAC1"])

        let needsPassword = try store.importing(withPassword, environment: ["OTPKIT_PSKC_PASSWORD": ""])
        #expect(needsPassword.status == 64)
        #expect(needsPassword.stderr.contains("--password-file") && needsPassword.stderr.contains("OTPKIT_PSKC_PASSWORD"))
        #expect(!needsPassword.stderr.contains("--password)") && !needsPassword.stderr.contains("--password "))
        #expect(try store.imported(withPassword, environment: ["OTPKIT_PSKC_PASSWORD": "correct horse"]).imported == ["PW1"])
    }

    /// Items 7 and 19: a CSV of static passwords imports nothing and says why; bad seed JSON names the bad field.
    @Test func nothingImportableAndBadJSONAreExplained() throws {
        let store = try Store()
        let statics = try store.importing(try store.file("static.csv", "\u{FEFF}4711,,,6162636465666768696a6b6c6d6e6f70,,2026-11-28T10:00:00,\n"))
        #expect(statics.status == 64)
        #expect(statics.stderr.contains("nothing to import") && statics.stderr.contains("static password"), "\(statics.stderr)")
        let json = try store.importing(try store.file("bad.json", #"{"serial":"J1","secretHex":"zz"}"#))
        #expect(json.status == 64)
        #expect(json.stderr.contains("bad seed JSON: bad value at secretHex") && !json.stderr.contains("OTPError"), "\(json.stderr)")
    }
}
