import OTPCore
import Testing

@Suite struct Base32Tests {
    /// RFC 4648 section 10.
    static let vectors: [(String, String)] = [
        ("", ""), ("f", "MY======"), ("fo", "MZXQ===="), ("foo", "MZXW6==="), ("foob", "MZXW6YQ="),
        ("fooba", "MZXW6YTB"), ("foobar", "MZXW6YTBOI======"),
    ]

    @Test func rfc4648Vectors() throws {
        for (plain, encoded) in Self.vectors {
            #expect(Base32.encode(Array(plain.utf8)) == encoded)
            #expect(try Base32.decode(encoded) == Array(plain.utf8))
            let unpadded = String(encoded.prefix { $0 != "=" })
            #expect(Base32.encode(Array(plain.utf8), padding: false) == unpadded)
            #expect(try Base32.decode(unpadded) == Array(plain.utf8))
            #expect(try Base32.decode(unpadded.lowercased()) == Array(plain.utf8))
        }
    }

    @Test func groupedSecretsDecode() throws {
        #expect(try Base32.decode("mzxw 6ytb-oi") == Array("foobar".utf8))
    }

    @Test func invalidInputIsRefusedWithItsPosition() {
        #expect(throws: OTPError.invalidBase32Character(position: 2)) { try Base32.decode("MZ1W") }
        #expect(throws: OTPError.invalidBase32Character(position: 4)) { try Base32.decode("MY==M") }
        #expect(throws: OTPError.invalidBase32Length(1)) { try Base32.decode("M") }
        #expect(throws: OTPError.invalidBase32Length(3)) { try Base32.decode("MZX") }
        #expect(throws: OTPError.invalidBase32Length(6)) { try Base32.decode("MZXW6Y") }
    }

    @Test func hexDecodesAndRefuses() throws {
        #expect(try Hex.decode("DEad:be ef") == [0xde, 0xad, 0xbe, 0xef])
        #expect(Hex.encode([0x00, 0xff]) == "00ff")
        #expect(throws: OTPError.oddHexLength) { try Hex.decode("abc") }
        #expect(throws: OTPError.invalidHexCharacter(position: 1)) { try Hex.decode("ag") }
    }
}
