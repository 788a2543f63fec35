import Foundation
import OTPCore
import SeedFormats
import TestSupport
import Testing

@Suite(.serialized) struct PSKCTests {
    static let rfcKey = Array("12345678901234567890".utf8)
    static let psk = "12345678901234567890123456789012"

    static func temporary(_ name: String) -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("otpkit-\(UUID().uuidString)-\(name)").path
    }

    /// python-pskc writes a plain, a pre-shared-key and a password file; otpkit reads each with the same keys.
    @Test(arguments: ["plain", "psk", "password"])
    func filesWrittenByPythonPSKCImport(protection: String) throws {
        let path = Self.temporary("\(protection).pskcxml")
        defer { try? FileManager.default.removeItem(atPath: path) }
        _ = try PythonPSKC.run("""
        import sys, pskc
        p = pskc.PSKC()
        p.add_key(id='1', serial='987654321', secret=b'12345678901234567890', counter=42, issuer='Acme',
                  algorithm='urn:ietf:params:xml:ns:keyprov:pskc:hotp', response_length=8)
        p.add_key(id='2', serial='123', secret=bytes(range(32)), algorithm='urn:ietf:params:xml:ns:keyprov:pskc:totp',
                  response_length=6, time_interval=60, algorithm_suite='HMAC-SHA256')
        if sys.argv[2] == 'psk': p.encryption.setup_preshared_key(key=bytes.fromhex(sys.argv[3]))
        if sys.argv[2] == 'password': p.encryption.setup_pbkdf2('correct horse', iterations=2000)
        p.write(sys.argv[1])
        """, arguments: [path, protection, Self.psk])
        let data = Array(try Data(contentsOf: URL(fileURLWithPath: path)))
        let credentials = SeedFile.Credentials(preSharedKey: protection == "psk" ? try Hex.decode(Self.psk) : nil,
                                               password: protection == "password" ? "correct horse" : nil)
        let records = try SeedFile.read(data, credentials: credentials)
        #expect(records.count == 2)
        #expect(records[0].serial == "987654321")
        #expect(records[0].secret.bytes == Self.rfcKey)
        #expect(records[0].counter == 42 && records[0].digits == 8 && records[0].algorithm == .sha1 && records[0].issuer == "Acme")
        #expect(records[0].period == nil)
        #expect(records[1].serial == "123" && records[1].secret.bytes == Array(0..<32))
        #expect(records[1].period == 60 && records[1].algorithm == .sha256 && records[1].digits == 6)
        if protection != "plain" {
            #expect(throws: SeedFormatError.self) { try SeedFile.read(data) }
        }
    }

    /// otpkit writes plain, pre-shared-key and password files; python-pskc reads the same secrets and counters.
    @Test(arguments: ["plain", "psk", "password"])
    func filesWrittenByOtpkitReadInPythonPSKC(protection: String) throws {
        let records = [
            SeedRecord(serial: "10000001", slot: 0, family: "OpenHOTP", issuer: "otpkit", digits: 6, counter: 7,
                       secret: try Secret(bytes: Self.rfcKey)),
            SeedRecord(serial: "abc", algorithm: .sha512, digits: 8, period: 30, secret: try Secret(bytes: Array(0..<64))),
        ]
        let choice: PSKC.Protection = switch protection {
        case "psk": .preSharedKey(try Hex.decode(Self.psk))
        case "password": .password("s3cret pass", iterations: 1000)
        default: .none
        }
        let path = Self.temporary("out.pskcxml")
        defer { try? FileManager.default.removeItem(atPath: path) }
        try PSKC.write(records, protection: choice).write(toFile: path, atomically: true, encoding: .utf8)
        let keys = try PythonPSKC.readKeys(path: path, psk: protection == "psk" ? Self.psk : nil,
                                           password: protection == "password" ? "s3cret pass" : nil)
        #expect(keys.count == 2)
        #expect(keys[0]["serial"] == "10000001-0" && keys[0]["secret"] == Hex.encode(Self.rfcKey) && keys[0]["counter"] == "7")
        #expect(keys[0]["issuer"] == "otpkit" && keys[0]["digits"] == "6")
        #expect(keys[1]["secret"] == Hex.encode(Array(0..<64)) && keys[1]["period"] == "30" && keys[1]["digits"] == "8")
        #expect(keys[1]["suite"] == "HMAC-SHA512")
        // And otpkit reads its own file back.
        let back = try PSKC.read(Array(try Data(contentsOf: URL(fileURLWithPath: path))), credentials: .init(
            preSharedKey: protection == "psk" ? try Hex.decode(Self.psk) : nil, password: protection == "password" ? "s3cret pass" : nil))
        #expect(back.records.map(\.secret) == records.map(\.secret))
    }

    @Test func wrongPasswordOrKeyAndTamperedMACAreRefused() throws {
        let records = [SeedRecord(serial: "1", secret: try Secret(bytes: Self.rfcKey))]
        let text = try PSKC.write(records, protection: .password("right", iterations: 1000))
        #expect(throws: SeedFormatError.needsKey(.password)) { try PSKC.read(Array(text.utf8)) }
        #expect(throws: SeedFormatError.self) { try PSKC.read(Array(text.utf8), credentials: .init(password: "wrong")) }

        let psk = try Hex.decode(Self.psk)
        let sealed = try PSKC.write(records, protection: .preSharedKey(psk))
        var other = psk
        other[0] ^= 1
        #expect(throws: SeedFormatError.self) { try PSKC.read(Array(sealed.utf8), credentials: .init(preSharedKey: other)) }
        // Change the MAC of the secret: the right key must now refuse it.
        let macLine = try #require(sealed.split(separator: "\n").first { $0.contains("ValueMAC") })
        let tampered = sealed.replacingOccurrences(of: String(macLine), with: "     <pskc:ValueMAC>AAAAAAAAAAAAAAAAAAAAAAAAAAA=</pskc:ValueMAC>")
        #expect(throws: SeedFormatError.badMAC(key: "1")) { try PSKC.read(Array(tampered.utf8), credentials: .init(preSharedKey: psk)) }
    }

    /// Issue 11 item 8: an encrypted secret without a MAC is refused unless the caller says the sender's files have
    /// none; without the check, about one wrong key in 256 decrypted to a garbage secret that was imported.
    @Test func encryptedSecretsWithoutMACNeedExplicitConsent() throws {
        let psk = try Hex.decode(Self.psk)
        let sealed = try PSKC.write([SeedRecord(serial: "1", secret: try Secret(bytes: Self.rfcKey))], protection: .preSharedKey(psk))
        var lines = sealed.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let macStart = try #require(lines.firstIndex { $0.contains("<pskc:MACMethod") })
        let macEnd = try #require(lines.firstIndex { $0.contains("</pskc:MACMethod>") })
        lines.removeSubrange(macStart...macEnd)
        lines.removeAll { $0.contains("ValueMAC") }
        let unauthenticated = Array(lines.joined(separator: "\n").utf8)

        #expect(throws: SeedFormatError.missingMAC(key: "1")) { try PSKC.read(unauthenticated, credentials: .init(preSharedKey: psk)) }
        let allowed = try PSKC.read(unauthenticated, credentials: .init(preSharedKey: psk, allowMissingMAC: true))
        #expect(allowed.records.map(\.secret.bytes) == [Self.rfcKey])
        // Without consent no wrong key ever imports anything (before, about 1 in 256 did).
        var imported = 0
        for _ in 0..<1024 {
            let wrong = Secret.random(byteCount: 16).bytes
            if (try? PSKC.read(unauthenticated, credentials: .init(preSharedKey: wrong))) != nil { imported += 1 }
        }
        #expect(imported == 0)
        // The refusal words the way out in the caller's terms.
        let wording = SeedFormatError.Wording(password: "P", preSharedKey: "K", allowMissingMAC: "pass --allow-missing-mac")
        #expect(SeedFormatError.missingMAC(key: "1").message(naming: wording).hasSuffix("pass --allow-missing-mac"))
        #expect(SeedFormatError.missingMAC(key: "1").code == "missing_mac")
    }

    /// Issue 11 item 19: the library names no command-line option; each front end words what is missing.
    @Test func refusalsAreWordedByTheFrontEnd() {
        for error in [SeedFormatError.needsKey(.password), .needsKey(.preSharedKey), .missingMAC(key: "7")] {
            #expect(!error.description.contains("--"), "\(error.description)")
        }
        let http = SeedFormatError.Wording(password: "the X-PSKC-Password header", preSharedKey: "the X-PSKC-Key header",
                                           allowMissingMAC: "send X-PSKC-Allow-Missing-MAC: true")
        #expect(SeedFormatError.needsKey(.password).message(naming: http) == "the PSKC file is encrypted under a password: give the X-PSKC-Password header")
        #expect(SeedFormatError.needsKey(.preSharedKey).message(naming: http).hasSuffix("give the X-PSKC-Key header"))
    }

    @Test func dtdsEntitiesAndJunkAreRefused() {
        let bomb = """
        <?xml version="1.0"?>
        <!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>
        <KeyContainer xmlns="urn:ietf:params:xml:ns:keyprov:pskc">&lol2;</KeyContainer>
        """
        #expect(throws: SeedFormatError.forbiddenXML("the file declares a DTD or entities")) { try PSKC.read(Array(bomb.utf8)) }
        let external = """
        <?xml version="1.0"?><!DOCTYPE x SYSTEM "file:///etc/passwd"><KeyContainer>&x;</KeyContainer>
        """
        #expect(throws: SeedFormatError.forbiddenXML("the file declares a DTD or entities")) { try PSKC.read(Array(external.utf8)) }
        #expect(throws: SeedFormatError.self) { try PSKC.read(Array("<KeyContainer><KeyPackage>".utf8)) }
        #expect(throws: SeedFormatError.badPSKC("the root element is Other, not KeyContainer")) { try PSKC.read(Array("<Other/>".utf8)) }
        #expect(throws: SeedFormatError.badPSKC("no keys in the file")) {
            try PSKC.read(Array("<KeyContainer xmlns=\"urn:ietf:params:xml:ns:keyprov:pskc\"/>".utf8))
        }
    }
}
