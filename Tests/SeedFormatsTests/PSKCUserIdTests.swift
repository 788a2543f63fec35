import Foundation
import OTPCore
import SeedFormats
import Testing

/// Issue 12: a PSKC `<UserId>` names the user a key is handed to (RFC 6030: in `<Key>`, and in `<DeviceInfo>` for
/// the device), so that importing assigns the token. RFC 6030 writes it as a distinguished name.
@Suite struct PSKCUserIdTests {
    /// RFC 6030 figure 3: the device's UserId names the bank, the key's the user jsmith.
    static let figure3 = """
    <?xml version="1.0" encoding="UTF-8"?>
    <KeyContainer Version="1.0" Id="exampleID1" xmlns="urn:ietf:params:xml:ns:keyprov:pskc">
      <KeyPackage>
        <DeviceInfo>
          <Manufacturer>Manufacturer</Manufacturer>
          <SerialNo>987654321</SerialNo>
          <UserId>DC=example-bank,DC=net</UserId>
        </DeviceInfo>
        <CryptoModuleInfo><Id>CM_ID_001</Id></CryptoModuleInfo>
        <Key Id="12345678" Algorithm="urn:ietf:params:xml:ns:keyprov:pskc:hotp">
          <Issuer>Issuer</Issuer>
          <AlgorithmParameters><ResponseFormat Length="8" Encoding="DECIMAL"/></AlgorithmParameters>
          <Data>
            <Secret><PlainValue>MTIzNDU2Nzg5MDEyMzQ1Njc4OTA=</PlainValue></Secret>
            <Counter><PlainValue>0</PlainValue></Counter>
          </Data>
          <UserId>UID=jsmith,DC=example-bank,DC=net</UserId>
        </Key>
      </KeyPackage>
    </KeyContainer>
    """

    /// One HOTP key on device `serial`, with the given UserId elements (nil: none).
    static func file(deviceUser: String? = nil, keyUser: String? = nil) -> String {
        """
        <?xml version="1.0" encoding="UTF-8"?>
        <KeyContainer Version="1.0" xmlns="urn:ietf:params:xml:ns:keyprov:pskc"><KeyPackage>
        <DeviceInfo><SerialNo>555</SerialNo>\(deviceUser.map { "<UserId>\($0)</UserId>" } ?? "")</DeviceInfo>
        <Key Id="1" Algorithm="urn:ietf:params:xml:ns:keyprov:pskc:hotp">
        <AlgorithmParameters><ResponseFormat Length="6" Encoding="DECIMAL"/></AlgorithmParameters>
        <Data><Secret><PlainValue>MTIzNDU2Nzg5MDEyMzQ1Njc4OTA=</PlainValue></Secret></Data>
        \(keyUser.map { "<UserId>\($0)</UserId>" } ?? "")</Key></KeyPackage></KeyContainer>
        """
    }

    static func user(_ text: String) throws -> String? {
        try SeedFile.read(Array(text.utf8))[0].user
    }

    @Test func figure3KeyUserIdNamesTheUserByUID() throws {
        let records = try SeedFile.read(Array(Self.figure3.utf8))
        #expect(records.count == 1 && records[0].tokenID == "987654321")
        #expect(records[0].user == "jsmith", "the key's UserId wins over the device's, and its UID is the name")
    }

    @Test func whereTheUserIdStands() throws {
        #expect(try Self.user(Self.file()) == nil, "no UserId: nobody")
        #expect(try Self.user(Self.file(keyUser: "alice")) == "alice", "a plain name is taken as written")
        #expect(try Self.user(Self.file(deviceUser: "UID=bob,DC=example,DC=net")) == "bob", "the device's, when the key has none")
        #expect(try Self.user(Self.file(deviceUser: "bob", keyUser: "carol")) == "carol")
        #expect(try Self.user(Self.file(keyUser: "  ")) == nil, "an empty UserId names nobody")
        #expect(try Self.user(Self.file(keyUser: "  dave  ")) == "dave")
        #expect(try Self.user(Self.file(keyUser: "CN=Dave Smith, UID=dsmith")) == "dsmith", "spaces after a comma, as people write")
        #expect(try Self.user(Self.file(keyUser: "DC=example,DC=net")) == "DC=example,DC=net", "a DN without a UID is kept whole")
        #expect(try Self.user(Self.file(keyUser: "UID=a,UID=b")) == "UID=a,UID=b", "two UIDs: ambiguous, kept whole")
    }

    @Test func distinguishedNamesAreUnescapedAsRFC4514Says() {
        #expect(PSKCUserIdProbe.uid(#"UID=smith\, john,DC=x"#) == "smith, john")
        #expect(PSKCUserIdProbe.uid(#"uid=J\C3\A9r\C3\B4me"#) == "Jérôme", "hex pairs are UTF-8 bytes; the type is case-insensitive")
        #expect(PSKCUserIdProbe.uid("0.9.2342.19200300.100.1.1=oid") == "oid", "the UID attribute by its OID")
        #expect(PSKCUserIdProbe.uid("UID=#04024869") == nil, "the BER hex form names no user")
        #expect(PSKCUserIdProbe.uid(#"UID="quoted""#) == nil)
        #expect(PSKCUserIdProbe.uid(#"UID=trailing\"#) == nil)
        #expect(PSKCUserIdProbe.uid("not a dn") == nil)
        #expect(PSKCUserIdProbe.uid("UID=") == nil)
        #expect(PSKCUserIdProbe.uid(#"UID=x\ "#) == "x ", "an escaped trailing space stays")
    }

    /// Export writes the user back (as `UID=NAME`, escaped), and importing the export gives each name exactly.
    @Test func exportRoundTripsEveryName() throws {
        let secret = try Secret(hex: "3132333435363738393031323334353637383930")
        let names = ["alice", "alice@corp", "smith, john", #"a+b"c\d;e<f>g=h"#, " lead", "trail ", "#hash", "Jérôme", "UID=tricky,DC=x"]
        let records = names.enumerated().map { SeedRecord(serial: "S\($0.offset)", user: $0.element, secret: secret) }
        for protection in [PSKC.Protection.none, .password("pw", iterations: 1000)] {
            let written = try PSKC.write(records + [SeedRecord(serial: "nobody", secret: secret)], protection: protection)
            #expect(written.contains("<pskc:UserId>UID=alice</pskc:UserId>"))
            let read = try SeedFile.read(Array(written.utf8), credentials: .init(password: "pw"))
            #expect(read.map(\.user) == names + [nil])
        }
    }
}

/// The DN reader, reached the way an import reaches it: through a file whose key's UserId is the DN.
enum PSKCUserIdProbe {
    static func uid(_ dn: String) -> String? {
        let escaped = dn.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: "\"", with: "&quot;")
        guard let user = try? PSKCUserIdTests.user(PSKCUserIdTests.file(keyUser: escaped)) else { return nil }
        return user == dn.trimmingCharacters(in: .whitespaces) ? nil : user
    }
}
