import Foundation
import TestSupport
import Testing

/// `otpkit verifier import` of files whose keys cannot be told apart says why, as a bad input (64), before the
/// store is touched: never "a token ? exists already".
@Suite struct SeedImportNamingCLITests {
    /// Keys in the manner of python-pskc's `misc/policy.pskcxml`: no Id, no device serial, a policy each.
    static let unnamedKeys = """
        <?xml version="1.0" encoding="UTF-8"?>
        <KeyContainer Version="1.0" xmlns="urn:ietf:params:xml:ns:keyprov:pskc">
          <KeyPackage><Key Algorithm="urn:ietf:params:xml:ns:keyprov:pskc:hotp">
            <Data><Secret><PlainValue>MTIzNDU2Nzg5MDEyMzQ1Njc4OTA=</PlainValue></Secret></Data>
            <Policy><KeyUsage>OTP</KeyUsage><PINPolicy MinLength="4" MaxLength="4" PINKeyId="PIN" PINEncoding="DECIMAL"/></Policy>
          </Key></KeyPackage>
          <KeyPackage><Key Algorithm="urn:ietf:params:xml:ns:keyprov:pskc:hotp">
            <Data><Secret><PlainValue>MTIzNDU2Nzg5MDEyMzQ1Njc4OTA=</PlainValue></Secret></Data>
          </Key></KeyPackage>
        </KeyContainer>
        """

    @Test func unnamedKeysAndATokenNamedTwiceAreBadInput() throws {
        let store = try SeedImportCLITests.Store()
        let unnamed = try store.importing(try store.file("policy.pskcxml", Self.unnamedKeys))
        #expect(unnamed.status == 64, "\(unnamed.stdout)\(unnamed.stderr)")
        #expect(unnamed.stderr.contains("key number 1 in the file has no Id and its KeyPackage no DeviceInfo/SerialNo"), "\(unnamed.stderr)")
        #expect(!unnamed.stderr.contains("exists already"))

        let twice = #"[{"serial": "T-1", "secretHex": "3132333435363738393031323334353637383930"}, "#
            + #"{"serial": "T-1", "secretHex": "3132333435363738393031323334353637383931"}]"#
        let named = try store.importing(try store.file("twice.json", twice))
        #expect(named.status == 64 && named.stderr.contains("the file names token T-1 twice; nothing was imported"), "\(named.stderr)")
        #expect(try store.tokenIDs().contains("T-1") == false)
    }
}
