import Foundation
import OTPCore
import SeedFormats
import Testing

/// Issue 11 item 9: files as RFC 6030 shows them import their HOTP/TOTP keys and say what they skipped.
@Suite struct RFC6030FileTests {
    static let rfcKey = Array("12345678901234567890".utf8)

    /// Figure 5: the HOTP key is imported, its PIN key skipped with a note.
    @Test func figure5ImportsTheHOTPKeyAndSkipsThePINKey() throws {
        let contents = try SeedFile.readContents(Array(RFC6030Figures.figure5.utf8))
        #expect(contents.records.count == 1)
        let record = try #require(contents.records.first)
        #expect(record.tokenID == "987654321" && record.secret.bytes == Self.rfcKey && record.digits == 8 && record.counter == 0)
        #expect(record.issuer == "Issuer" && record.period == nil)
        #expect(contents.skipped == ["key 123456781: its algorithm urn:ietf:params:xml:ns:keyprov:pskc:pin is not HOTP or TOTP"])
        // The records-only convenience gives the same keys.
        #expect(try SeedFile.read(Array(RFC6030Figures.figure5.utf8)) == contents.records)
    }

    /// Figure 10: four keys, two on device 9999999; every key gets its own token id.
    @Test func figure10GivesKeysOnOneDeviceDistinctIDs() throws {
        let contents = try SeedFile.readContents(Array(RFC6030Figures.figure10.utf8))
        #expect(contents.records.map(\.tokenID) == ["654321", "123456", "9999999-3", "9999999-4"])
        #expect(Set(contents.records.map(\.tokenID)).count == 4)
        #expect(contents.skipped.isEmpty)
        #expect(contents.records.allSatisfy { $0.secret.bytes == Self.rfcKey && $0.digits == 8 })
    }

    /// python-pskc reads the same keys from the RFC's figures (and sees the shared serial otpkit disambiguates).
    @Test func pythonPSKCReadsTheSameKeys() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("otpkit-figure10-\(UUID().uuidString).pskcxml").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try RFC6030Figures.figure10.write(toFile: path, atomically: true, encoding: .utf8)
        let keys = try PythonPSKC.readKeys(path: path)
        #expect(keys.map { $0["serial"] } == ["654321", "123456", "9999999", "9999999"])
        let ours = try SeedFile.read(Array(RFC6030Figures.figure10.utf8))
        #expect(keys.map { $0["secret"] } == ours.map { Hex.encode($0.secret.bytes) })
        #expect(keys.map { $0["digits"] } == ours.map { String($0.digits) })
    }

    /// Keys without an Id on one device are numbered in file order.
    @Test func keysWithoutIDsOnOneDeviceAreNumbered() throws {
        let text = RFC6030Figures.figure10.replacingOccurrences(of: "<Key Id=\"3\"", with: "<Key")
            .replacingOccurrences(of: "<Key Id=\"4\"", with: "<Key")
        #expect(try SeedFile.read(Array(text.utf8)).map(\.tokenID) == ["654321", "123456", "9999999-1", "9999999-2"])
    }

    /// CDATA text is text: a serial in CDATA stays the serial (it used to vanish, leaving the key's Id).
    @Test func cdataTextIsKept() throws {
        let text = RFC6030Figures.figure5.replacingOccurrences(of: "<SerialNo>987654321</SerialNo>",
                                                                with: "<SerialNo><![CDATA[SN<42>]]></SerialNo>")
        let records = try SeedFile.read(Array(text.utf8))
        #expect(records.map(\.tokenID) == ["SN<42>"])
        let secretInCDATA = RFC6030Figures.figure10.replacingOccurrences(of: "MTIzNDU2Nzg5MDEyMzQ1Njc4OTA=",
                                                                         with: "<![CDATA[MTIzNDU2Nzg5MDEyMzQ1Njc4OTA=]]>")
        #expect(try SeedFile.read(Array(secretInCDATA.utf8)).allSatisfy { $0.secret.bytes == Self.rfcKey })
    }

    /// A key whose codes end in a Luhn check digit would never verify: it is skipped, clearly, and the others import.
    @Test(arguments: ["CheckDigits=\"true\"", "CheckDigits=\"1\"", "CheckDigit=\"TRUE\""])
    func checkDigitKeysAreSkipped(attribute: String) throws {
        let text = RFC6030Figures.figure10.replacingOccurrences(
            of: "<Key Id=\"2\"\n        Algorithm=\"urn:ietf:params:xml:ns:keyprov:pskc:hotp\">\n            <Issuer>Issuer</Issuer>\n            <AlgorithmParameters>\n                <ResponseFormat Length=\"8\" Encoding=\"DECIMAL\"/>",
            with: "<Key Id=\"2\"\n        Algorithm=\"urn:ietf:params:xml:ns:keyprov:pskc:hotp\">\n            <Issuer>Issuer</Issuer>\n            <AlgorithmParameters>\n                <ResponseFormat Length=\"8\" Encoding=\"DECIMAL\" \(attribute)/>")
        #expect(text != RFC6030Figures.figure10)
        let contents = try SeedFile.readContents(Array(text.utf8))
        #expect(contents.records.map(\.tokenID) == ["654321", "9999999-3", "9999999-4"])
        #expect(contents.skipped == ["key 2: its codes end in a Luhn check digit, which otpkit does not verify"])
        // CheckDigits="false" changes nothing.
        let off = text.replacingOccurrences(of: attribute, with: "CheckDigits=\"false\"")
        #expect(try SeedFile.read(Array(off.utf8)).count == 4)
    }

    /// A file with nothing importable is refused, naming what it skipped.
    @Test func aFileOfOnlySkippedKeysIsRefused() {
        let pinOnly = RFC6030Figures.figure5.replacingOccurrences(of: "keyprov:pskc:hotp", with: "keyprov:pskc:pin")
        #expect(throws: SeedFormatError.self) { try SeedFile.read(Array(pinOnly.utf8)) }
        do {
            _ = try SeedFile.read(Array(pinOnly.utf8))
        } catch {
            #expect(error.description.contains("key 12345678") && error.description.contains("key 123456781"))
        }
    }
}
