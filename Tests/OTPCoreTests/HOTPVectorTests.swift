import Crypto
import OTPCore
import Testing

@Suite struct HOTPVectorTests {
    static let rfc4226Key = try! Secret(bytes: Array("12345678901234567890".utf8))

    /// RFC 4226 Appendix D: HOTP values for counters 0-9 with the test key.
    @Test func rfc4226AppendixD() throws {
        let expected = ["755224", "287082", "359152", "969429", "338314", "254676", "287922", "162583", "399871", "520489"]
        let hotp = try HOTP(secret: Self.rfc4226Key)
        for (counter, code) in expected.enumerated() {
            #expect(hotp.code(counter: UInt64(counter)) == code, "counter \(counter)")
        }
    }

    /// RFC 4226 Appendix D also lists the truncated decimal values; digits beyond 6 must come from the same number.
    @Test func longerCodesKeepTheTruncatedValue() throws {
        let truncated: [UInt64] = [1284755224, 1094287082, 137359152, 1726969429, 1640338314, 868254676, 1918287922, 82162583, 673399871, 645520489]
        for digits in 6...10 {
            let hotp = try HOTP(secret: Self.rfc4226Key, digits: digits)
            for (counter, value) in truncated.enumerated() {
                var modulus: UInt64 = 1
                for _ in 0..<digits { modulus *= 10 }
                let code = hotp.code(counter: UInt64(counter))
                #expect(code.count == digits)
                #expect(UInt64(code) == value % modulus)
            }
        }
    }

    @Test func digitsOutsideSixToTenAreRefused() {
        #expect(throws: OTPError.digitsOutOfRange(5)) { try HOTP(secret: Self.rfc4226Key, digits: 5) }
        #expect(throws: OTPError.digitsOutOfRange(11)) { try HOTP(secret: Self.rfc4226Key, digits: 11) }
    }
}

@Suite struct TOTPVectorTests {
    struct Row: Sendable {
        let time: Int64
        let code: String
        let algorithm: OTPAlgorithm
    }

    /// RFC 6238 Appendix B, all 18 rows (8 digits, 30-second steps, the algorithm-specific seeds).
    static let rows: [Row] = [
        Row(time: 59, code: "94287082", algorithm: .sha1), Row(time: 59, code: "46119246", algorithm: .sha256),
        Row(time: 59, code: "90693936", algorithm: .sha512),
        Row(time: 1111111109, code: "07081804", algorithm: .sha1), Row(time: 1111111109, code: "68084774", algorithm: .sha256),
        Row(time: 1111111109, code: "25091201", algorithm: .sha512),
        Row(time: 1111111111, code: "14050471", algorithm: .sha1), Row(time: 1111111111, code: "67062674", algorithm: .sha256),
        Row(time: 1111111111, code: "99943326", algorithm: .sha512),
        Row(time: 1234567890, code: "89005924", algorithm: .sha1), Row(time: 1234567890, code: "91819424", algorithm: .sha256),
        Row(time: 1234567890, code: "93441116", algorithm: .sha512),
        Row(time: 2000000000, code: "69279037", algorithm: .sha1), Row(time: 2000000000, code: "90698825", algorithm: .sha256),
        Row(time: 2000000000, code: "38618901", algorithm: .sha512),
        Row(time: 20000000000, code: "65353130", algorithm: .sha1), Row(time: 20000000000, code: "77737706", algorithm: .sha256),
        Row(time: 20000000000, code: "47863826", algorithm: .sha512),
    ]

    static func seed(_ algorithm: OTPAlgorithm) -> Secret {
        let base = Array("1234567890".utf8)
        return try! Secret(bytes: Array((0..<algorithm.macLength).map { base[$0 % 10] }))
    }

    @Test(arguments: rows)
    func rfc6238AppendixB(row: Row) throws {
        let totp = try TOTP(secret: Self.seed(row.algorithm), algorithm: row.algorithm, digits: 8)
        #expect(totp.code(unixTime: row.time) == row.code)
    }

    @Test func timeStepsAndPeriod() throws {
        let totp = try TOTP(secret: Self.seed(.sha1), period: 30)
        #expect(totp.timeStep(unixTime: 59) == 1)
        #expect(totp.timeStep(unixTime: 60) == 2)
        #expect(throws: OTPError.invalidPeriod(0)) { try TOTP(secret: Self.seed(.sha1), period: 0) }
    }
}
