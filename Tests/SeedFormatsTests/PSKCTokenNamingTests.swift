import Foundation
import OTPCore
import SeedFormats
import Testing

/// How PSKC keys become token ids, and what is said when they cannot: a key with no name at all, two keys under
/// one id, and a MAC that has no MAC key to be checked with (issue 20 item 11b).
@Suite struct PSKCTokenNamingTests {
    static let secret = "MTIzNDU2Nzg5MDEyMzQ1Njc4OTA="

    /// A file in the manner of python-pskc's `misc/policy.pskcxml` (RFC 6030 figure 5 with policies): HOTP keys with
    /// a Policy and a PINPolicy naming a PIN key, and the PIN key itself; `ids` gives each HOTP key's Id attribute
    /// (nil: none, as in python-pskc's sample).
    static func policyFile(ids: [String?]) -> String {
        let keys = ids.map { id in
            """
              <KeyPackage>
                <Key\(id.map { " Id=\"\($0)\"" } ?? "") Algorithm="urn:ietf:params:xml:ns:keyprov:pskc:hotp">
                  <AlgorithmParameters><ResponseFormat Length="6" Encoding="DECIMAL"/></AlgorithmParameters>
                  <Data><Secret><PlainValue>\(secret)</PlainValue></Secret></Data>
                  <Policy>
                    <StartDate>2020-01-01T00:00:00Z</StartDate>
                    <ExpiryDate>2040-12-31T00:00:00Z</ExpiryDate>
                    <KeyUsage>OTP</KeyUsage>
                    <PINPolicy MinLength="4" MaxLength="8" PINKeyId="PIN-1" PINEncoding="DECIMAL" PINUsageMode="Local"/>
                  </Policy>
                </Key>
              </KeyPackage>
            """
        }
        return """
            <?xml version="1.0" encoding="UTF-8"?>
            <KeyContainer Version="1.0" xmlns="urn:ietf:params:xml:ns:keyprov:pskc">
            \(keys.joined(separator: "\n"))
              <KeyPackage>
                <Key Id="PIN-1" Algorithm="urn:ietf:params:xml:ns:keyprov:pskc#pin">
                  <AlgorithmParameters><ResponseFormat Length="4" Encoding="DECIMAL"/></AlgorithmParameters>
                  <Data><Secret><PlainValue>MTIzNA==</PlainValue></Secret></Data>
                </Key>
              </KeyPackage>
            </KeyContainer>
            """
    }

    @Test func keysWithoutAnyNameAreRefusedSayingSo() {
        #expect {
            try PSKC.read(Array(Self.policyFile(ids: [nil, nil, nil]).utf8))
        } throws: { error in
            "\(error)" == "bad PSKC file: key number 1 in the file has no Id and its KeyPackage no DeviceInfo/SerialNo, so its "
                + "token has no name; give each Key an Id attribute or each device a SerialNo"
        }
    }

    @Test func keysWithIdsAreNamedByThemAndThePolicyIsNoObstacle() throws {
        let contents = try PSKC.read(Array(Self.policyFile(ids: ["OTP-1", "OTP-2"]).utf8))
        #expect(contents.records.map(\.tokenID) == ["OTP-1", "OTP-2"])
        #expect(contents.skipped.count == 1 && contents.skipped[0].contains("key PIN-1"), "the PIN key is skipped: \(contents.skipped)")
    }

    @Test func twoKeysUnderOneIdAreNamed() {
        #expect(throws: SeedFormatError.badPSKC("the file names token OTP-1 twice (keys OTP-1 and OTP-1); a token id must be unique")) {
            try PSKC.read(Array(Self.policyFile(ids: ["OTP-1", "OTP-2", "OTP-1"]).utf8))
        }
        // Two devices of one serial, each with a key of the same Id.
        let sameDevice = """
            <KeyContainer Version="1.0" xmlns="urn:ietf:params:xml:ns:keyprov:pskc">
              <KeyPackage><DeviceInfo><SerialNo>987654321</SerialNo></DeviceInfo>
                <Key Id="A"><Data><Secret><PlainValue>\(Self.secret)</PlainValue></Secret></Data></Key></KeyPackage>
              <KeyPackage><DeviceInfo><SerialNo>987654321</SerialNo></DeviceInfo>
                <Key Id="A"><Data><Secret><PlainValue>\(Self.secret)</PlainValue></Secret></Data></Key></KeyPackage>
            </KeyContainer>
            """
        #expect(throws: SeedFormatError.badPSKC("the file names token 987654321-A twice (keys A and A); a token id must be unique")) {
            try PSKC.read(Array(sameDevice.utf8))
        }
    }

    /// An encrypted file whose values carry a MAC but whose MACMethod (and so its MAC key) was removed: it says that,
    /// not that the MAC does not match.
    @Test func aMACWithoutAMACKeyIsSaidAsSuch() throws {
        let psk = Array(repeating: UInt8(7), count: 16)
        let sealed = try PSKC.write([SeedRecord(serial: "1", secret: try Secret(bytes: Array("12345678901234567890".utf8)))],
                                    protection: .preSharedKey(psk))
        var lines = sealed.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let macStart = try #require(lines.firstIndex { $0.contains("<pskc:MACMethod") })
        let macEnd = try #require(lines.firstIndex { $0.contains("</pskc:MACMethod>") })
        lines.removeSubrange(macStart...macEnd)
        #expect {
            try PSKC.read(Array(lines.joined(separator: "\n").utf8), credentials: .init(preSharedKey: psk))
        } throws: { error in
            let text = "\(error)"
            return text.contains("has a MAC (ValueMAC) but the file has no MAC key") && !text.contains("does not match")
        }
    }
}
