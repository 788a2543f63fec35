import OTPCore
import Testing

/// The batch paths (`values`, `firstMatch`) against codes computed one by one, over every hash function and length.
@Suite struct HOTPBatchTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let algorithm: OTPAlgorithm
        let digits: Int
        var testDescription: String { "\(algorithm.rawValue), \(digits) digits" }
    }

    static let cases: [Case] = OTPAlgorithm.allCases.flatMap { algorithm in
        OTPDigits.allowed.map { Case(algorithm: algorithm, digits: $0) }
    }

    @Test(arguments: cases)
    func valuesAgreeWithOneByOne(_ row: Case) throws {
        for keyLength in [1, 20, 64, 65, 129] {
            let hotp = try HOTP(secret: Secret.random(byteCount: keyLength), algorithm: row.algorithm, digits: row.digits)
            let start = UInt64.random(in: 0...(1 << 40))
            let batch = hotp.values(from: start, count: 300)
            #expect(batch.count == 300)
            #expect(batch == (0..<300).map { hotp.value(counter: start + UInt64($0)) }, "key of \(keyLength) bytes")
            #expect(batch.allSatisfy { String($0).count <= row.digits })
            #expect(batch.enumerated().allSatisfy { UInt64(hotp.code(counter: start + UInt64($0.offset))) == $0.element })
        }
    }

    @Test(arguments: cases)
    func firstMatchFindsTheFirstCounterOfAValue(_ row: Case) throws {
        let hotp = try HOTP(secret: Secret.random(), algorithm: row.algorithm, digits: row.digits)
        let start: UInt64 = 1_000
        let window = hotp.values(from: start, count: 1_000)
        for position in [0, 1, 500, 998, 999] {
            let expected = start + UInt64(window.firstIndex(of: window[position])!)
            #expect(hotp.firstMatch(window[position], from: start, count: 1_000) == expected)
            let earlier = window[..<position].firstIndex(of: window[position]).map { start + UInt64($0) }
            #expect(hotp.firstMatch(window[position], from: start, count: position) == earlier)
        }
        #expect(hotp.firstMatch(.max, from: start, count: 1_000) == nil)
    }

    /// With 6 digits, 20,000 codes all but surely repeat a value: the search must name the earlier counter.
    @Test func firstMatchPrefersTheEarlierOfTwoEqualCodes() throws {
        let hotp = try HOTP(secret: Secret.random(), digits: 6)
        let codes = hotp.values(from: 0, count: 20_000)
        var seen: [UInt64: Int] = [:]
        guard let later = codes.indices.first(where: { index in seen.updateValue(index, forKey: codes[index]) != nil }) else {
            Issue.record("no repeated code among 20,000 (chance about 1e-87)")
            return
        }
        let earlier = codes.firstIndex(of: codes[later])!
        #expect(earlier < later)
        #expect(hotp.firstMatch(codes[later], from: 0, count: later + 1) == UInt64(earlier))
    }

    @Test func rangesStopBelowTheLastCounterAndIgnoreNegativeCounts() throws {
        let hotp = try HOTP(secret: HOTPVectorTests.rfc4226Key)
        #expect(hotp.values(from: .max - 3, count: 10).count == 3)
        #expect(hotp.values(from: .max - 3, count: 10) == [hotp.value(counter: .max - 3), hotp.value(counter: .max - 2), hotp.value(counter: .max - 1)])
        #expect(hotp.values(from: .max, count: 10).isEmpty)
        #expect(hotp.values(from: 0, count: -5).isEmpty)
        #expect(hotp.values(from: 0, count: 0).isEmpty)
        #expect(hotp.firstMatch(hotp.value(counter: 0), from: 0, count: -1) == nil)
        #expect(hotp.firstMatch(hotp.value(counter: .max - 1), from: .max - 1, count: 5) == UInt64.max - 1)
    }

    /// RFC 4226 Appendix D through the batch: the ten codes of the test key in one run, and each found at its counter.
    @Test func rfc4226AppendixDInOneBatch() throws {
        let expected: [UInt64] = [755224, 287082, 359152, 969429, 338314, 254676, 287922, 162583, 399871, 520489]
        let hotp = try HOTP(secret: HOTPVectorTests.rfc4226Key)
        #expect(hotp.values(from: 0, count: 10) == expected)
        for (counter, code) in expected.enumerated() {
            #expect(hotp.firstMatch(code, from: 0, count: 10) == UInt64(counter))
        }
    }
}
