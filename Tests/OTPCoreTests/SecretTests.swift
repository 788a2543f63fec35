import Foundation
import OTPCore
import Testing

@Suite struct SecretTests {
    static let bytes: [UInt8] = Array("12345678901234567890".utf8)

    @Test func textFormsNeverShowTheBytes() throws {
        let secret = try Secret(bytes: Self.bytes)
        var dumped = ""
        dump(secret, to: &dumped)
        let record = SeedRecord(serial: "1", slot: 0, family: "OpenHOTP", algorithm: .sha1, digits: 6, counter: 0, secret: secret)
        for text in [secret.description, secret.debugDescription, "\(secret)", String(reflecting: secret), dumped,
                     "\(record)", "\(OTPAuthURI(kind: .hotp(counter: 0), secret: secret, account: "a"))"] {
            #expect(!text.contains(secret.hex), "\(text)")
            #expect(!text.contains(secret.base32), "\(text)")
            #expect(!text.contains("1234567890"), "\(text)")
        }
        #expect(secret.description == "Secret(20 bytes)")
    }

    @Test func parsingPicksHexOrBase32() throws {
        #expect(try Secret(parsing: "3132333435363738393031323334353637383930").bytes == Self.bytes)
        #expect(try Secret(parsing: "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ").bytes == Self.bytes)
        #expect(try Secret(parsing: "base32:gezdgnbvgy3tqojqgezdgnbvgy3tqojq").bytes == Self.bytes)
        #expect(try Secret(parsing: "hex:31 32").bytes == [0x31, 0x32])
        #expect(throws: OTPError.emptySecret) { try Secret(parsing: "") }
        #expect(throws: OTPError.invalidBase32Character(position: 4)) { try Secret(parsing: "ABCD!") }
    }

    @Test func equalityComparesContent() throws {
        #expect(try Secret(bytes: [1, 2, 3]) == Secret(bytes: [1, 2, 3]))
        #expect(try Secret(bytes: [1, 2, 3]) != Secret(bytes: [1, 2, 4]))
        #expect(try Secret(bytes: [1, 2, 3]) != Secret(bytes: [1, 2, 3, 0]))
        #expect(Secret.random().count == 20)
        #expect(Secret.random() != Secret.random())
    }

    @Test func otpauthRoundTrip() throws {
        let secret = try Secret(bytes: Self.bytes)
        let uri = OTPAuthURI(kind: .hotp(counter: 42), secret: secret, account: "alice@example.org", issuer: "Example Co",
                             algorithm: .sha256, digits: 8)
        let parsed = try OTPAuthURI(parsing: uri.uriString)
        #expect(parsed == uri)
        #expect(uri.uriString.hasPrefix("otpauth://hotp/Example%20Co:alice@example.org?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"))
        let totp = try OTPAuthURI(parsing: "otpauth://totp/Acme:bob?secret=GEZDGNBV&period=60")
        #expect(totp.kind == .totp(period: 60))
        #expect(totp.issuer == "Acme")
        #expect(totp.account == "bob")
    }

    @Test func otpauthErrors() {
        #expect(throws: OTPError.invalidURI("it must start with otpauth://")) { try OTPAuthURI(parsing: "https://x") }
        #expect(throws: OTPError.invalidURI("the secret parameter is missing")) { try OTPAuthURI(parsing: "otpauth://hotp/a?counter=1") }
        #expect(throws: OTPError.invalidURI("an hotp URI needs a counter parameter")) { try OTPAuthURI(parsing: "otpauth://hotp/a?secret=MY") }
        #expect(throws: OTPError.invalidURI("digits must be 6 to 10")) { try OTPAuthURI(parsing: "otpauth://hotp/a?secret=MY&counter=1&digits=4") }
        #expect(throws: OTPError.invalidURI("unknown algorithm MD5")) { try OTPAuthURI(parsing: "otpauth://hotp/a?secret=MY&counter=1&algorithm=MD5") }
    }

    @Test func seedRecordJSONCarriesTheSecretForTheVerifier() throws {
        let record = SeedRecord(serial: "00000042", slot: 1, family: "OpenHOTP", algorithm: .sha1, digits: 6, counter: 5,
                                secret: try Secret(bytes: Self.bytes))
        let data = try JSONEncoder().encode(record)
        #expect(try JSONDecoder().decode(SeedRecord.self, from: data) == record)
        #expect(String(decoding: data, as: UTF8.self).contains("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"))
    }
}
