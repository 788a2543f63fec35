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

    /// Issue 11 item 7: the Personalization Tool's "Yubico" layout. Only OATH-HOTP lines are imported; a static
    /// password (no moving factor) and a Yubico OTP line (private id, even all digits, with a 16-byte AES key) are
    /// skipped with a note instead of becoming HOTP tokens with a made-up counter.
    @Test func yubicoLayoutImportsOnlyOATHHOTP() throws {
        let csv = """
        4711,cccccccccccb,32,3132333435363738393031323334353637383930,,2026-11-28T10:00:00,
        4712,vvcccbhbnctf,123456789012,000102030405060708090a0b0c0d0e0f,,2026-11-28T10:00:01,
        4713,vvcccbhbnctg,a1b2c3d4e5f6,000102030405060708090a0b0c0d0e0f,,2026-11-28T10:00:02,
        4714,,,6162636465666768696a6b6c6d6e6f70,,2026-11-28T10:00:03,
        4715,,0,3132333435363738393031323334353637383930,,2026-11-28T10:00:04,
        """
        let contents = try SeedFile.readContents(Array(csv.utf8))
        #expect(contents.records.map(\.serial) == ["4711", "4715"])
        #expect(contents.records.map(\.counter) == [32, 0])
        #expect(contents.skipped == [
            "line 2: a Yubico OTP configuration (private id and AES key), not OATH-HOTP",
            "line 3: a Yubico OTP configuration (private id and AES key), not OATH-HOTP",
            "line 4: a static password or challenge-response configuration (no moving factor), not OATH-HOTP",
        ])
    }

    /// The "Traditional" layout: a LOGGING START line, then event type, local time, slot, public id, private id,
    /// secret, access codes, modhex flags, HOTP digits, moving factor and option flags.
    @Test func traditionalLayoutImportsOnlyOATHHOTP() throws {
        let csv = """
        LOGGING START,11/28/26 10:00 AM
        OATH-HOTP,11/28/26 10:00 AM,2,cccccccccccb,,3132333435363738393031323334353637383930,,,0,0,0,8,16,0,0,0,0,0
        Yubico OTP,11/28/26 10:01 AM,1,vvcccbhbnctf,123456789012,000102030405060708090a0b0c0d0e0f,,,0,0,0,0,0,0,0,0,0,0
        Static Password: Scan Code,11/28/26 10:02 AM,1,,,000102030405060708090a0b0c0d0e0f,,,0,0,0,0,0,1,0,0,0,0
        OATH-HOTP,"Sat, Nov 28, 2026",1,cccccccccccc,,000102030405060708090a0b0c0d0e0f10111213,,,0,0,0,6,0,0,0,0,0,0
        """
        #expect(SeedFile.detect(Array(csv.utf8)) == .csv)
        let contents = try SeedFile.readContents(Array(csv.utf8))
        #expect(contents.records.map(\.tokenID) == ["cccccccccccb-2", "cccccccccccc-1"])
        #expect(contents.records.map(\.digits) == [8, 6] && contents.records.map(\.counter) == [16, 0])
        #expect(contents.records[0].secret.bytes == Array("12345678901234567890".utf8))
        #expect(contents.skipped == ["line 3: a Yubico OTP configuration, not OATH-HOTP",
                                     "line 4: a Static Password: Scan Code configuration, not OATH-HOTP"])
        #expect(throws: SeedFormatError.self) { try YubicoCSV.parse("OATH-HOTP,x,2,,,3132,,,0,0,0,6,0,0,0,0,0,0") }
        #expect(throws: SeedFormatError.self) { try YubicoCSV.parse("Something else,1,2,3") }
    }

    /// A CSV saved by a spreadsheet starts with a UTF-8 byte-order mark; it reads like any other.
    @Test func csvWithAByteOrderMarkIsRead() throws {
        let csv = "\u{FEFF}4711,,5,3132333435363738393031323334353637383930,,2026-11-28T10:00:00,\n"
        #expect(Array(csv.utf8).prefix(3) == [0xEF, 0xBB, 0xBF])
        let records = try SeedFile.read(Array(csv.utf8))
        #expect(records.map(\.serial) == ["4711"] && records[0].counter == 5)
    }

    /// Issue 11 item 19: a bad secret in seed JSON says which field is wrong (never the value), not "OTPError".
    @Test func seedJSONErrorsSayWhatIsWrong() {
        let badHex = #"{"serial":"9","secretHex":"31zz3233"}"#
        #expect(throws: SeedFormatError.badJSON("bad value at secretHex (invalid hex character at position 3)")) {
            try SeedFile.read(Array(badHex.utf8))
        }
        let badBase32 = #"[{"serial":"9","secretBase32":"GEZDG!!!"}]"#
        do {
            _ = try SeedFile.read(Array(badBase32.utf8))
            Issue.record("a bad base32 secret was accepted")
        } catch {
            #expect(error.description.contains("secretBase32") && !error.description.contains("GEZDG"))
            #expect(!error.description.contains("OTPError"))
        }
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
