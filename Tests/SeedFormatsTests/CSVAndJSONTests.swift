import Foundation
import OTPCore
import SeedFormats
import Testing

@Suite struct CSVAndJSONTests {
    @Test func yubicoCSVReadsAndRefusesBadLines() throws {
        let csv = """
        # serial,public id,moving factor,secret hex,access code,timestamp
        4711,,0,3132333435363738393031323334353637383930,,2026-11-28T10:00:00,
        4712,vvcccbhbnctf,16,000102030405060708090a0b0c0d0e0f10111213,000000000000,2026-11-28T10:00:01,
        """
        let records = try SeedFile.read(Array(csv.utf8))
        #expect(records.map(\.serial) == ["4711", "4712"])
        #expect(records[0].secret.bytes == Array("12345678901234567890".utf8))
        #expect(records[1].counter == 16)
        #expect(throws: SeedFormatError.badCSV(line: 2, reason: "the secret is not hex (invalid hex character at position 3)")) {
            try YubicoCSV.parse("1,,0,3132\n2,,0,31zz,,x,\n")
        }
        #expect(throws: SeedFormatError.badCSV(line: 1, reason: "the moving factor is not a number")) { try YubicoCSV.parse("1,,x,3132,,,") }
        let written = YubicoCSV.write(records, timestamp: "2026-11-28T10:00:00")
        #expect(try YubicoCSV.parse(written) == records.map { var copy = $0; copy.issuer = "Yubico"; copy.family = "YubiKey"; return copy })
    }

    @Test func seedJSONSingleOrArray() throws {
        let one = #"{"serial":"9","slot":1,"digits":8,"counter":3,"secretBase32":"GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"}"#
        let records = try SeedFile.read(Array(one.utf8))
        #expect(records.count == 1 && records[0].tokenID == "9-1" && records[0].digits == 8 && records[0].counter == 3)
        #expect(try SeedFile.read(Array("[\(one),\(one)]".utf8)).count == 2)
        #expect(throws: SeedFormatError.badJSON("missing secretBase32")) { try SeedFile.read(Array(#"{"serial":"9"}"#.utf8)) }
        #expect(throws: SeedFormatError.unrecognised) { try SeedFile.read(Array("hello".utf8)) }
    }
}
