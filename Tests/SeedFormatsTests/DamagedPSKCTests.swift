import Foundation
import OTPCore
import SeedFormats
import Testing

/// Hostile and damaged PSKC files: they are refused whole, never half read, and never crash the reader.
@Suite struct DamagedPSKCTests {
    static let secret = Array("12345678901234567890".utf8)

    /// Ten HOTP keys with six-digit counters, as otpkit writes them.
    static func tenKeys() throws -> String {
        let records = try (1...10).map { SeedRecord(serial: "SN\($0)", counter: 123_456, secret: try Secret(bytes: secret)) }
        return try PSKC.write(records)
    }

    /// Issue 11 item 1: 50,000 nested elements used to overflow the stack when the tree was freed.
    @Test func deepNestingIsRefusedWithoutCrashing() {
        let depth = 50_000
        let bomb = "<KeyContainer xmlns=\"urn:ietf:params:xml:ns:keyprov:pskc\">" + String(repeating: "<a>", count: depth)
            + String(repeating: "</a>", count: depth) + "</KeyContainer>"
        #expect(throws: SeedFormatError.badPSKC("elements nested deeper than 32 levels")) { try PSKC.read(Array(bomb.utf8)) }
        #expect(SeedFormatError.badPSKC("").code == "bad_pskc")
    }

    /// Millions of empty elements would be millions of tree nodes: the count is capped well above real files.
    @Test func tooManyElementsAreRefused() {
        let flood = "<KeyContainer>" + String(repeating: "<a/>", count: 500_000) + "</KeyContainer>"
        #expect(throws: SeedFormatError.badPSKC("more than 500000 elements")) { try PSKC.read(Array(flood.utf8)) }
    }

    /// Nesting up to the limit is fine (an extension inside a key package), one level more is not.
    @Test func nestingUpToTheLimitIsRead() throws {
        let valid = try Self.tenKeys()
        func nested(_ levels: Int) -> [UInt8] {
            // KeyContainer and KeyPackage are two levels already.
            let extra = String(repeating: "<x>", count: levels - 2) + String(repeating: "</x>", count: levels - 2)
            return Array(valid.replacingOccurrences(of: " <pskc:KeyPackage>\n  <pskc:DeviceInfo>",
                                                    with: " <pskc:KeyPackage>\(extra)\n  <pskc:DeviceInfo>").utf8)
        }
        #expect(try PSKC.read(nested(32)).records.count == 10)
        #expect(throws: SeedFormatError.badPSKC("elements nested deeper than 32 levels")) { try PSKC.read(nested(33)) }
    }

    /// Issue 11 item 3: every proper prefix of a valid file (cut in key 7, inside a secret, inside a counter...) is
    /// refused; only the whole document reads.
    @Test func everyCutShortFileIsRefused() throws {
        let text = try Self.tenKeys()
        let bytes = Array(text.utf8)
        let end = try #require(text.range(of: "</pskc:KeyContainer>")).upperBound.utf16Offset(in: text)
        var accepted: [Int] = []
        for length in 0..<end {
            if (try? PSKC.read(Array(bytes[..<length]))) != nil { accepted.append(length) }
        }
        #expect(accepted.isEmpty, "prefixes read as whole files: \(accepted.prefix(10))")
        let whole = try PSKC.read(Array(bytes[..<end])).records
        #expect(whole.count == 10 && whole.allSatisfy { $0.counter == 123_456 && $0.secret.bytes == Self.secret })
        // The message says what happened.
        let cut = Array(bytes[..<(bytes.count / 2)])
        #expect(throws: SeedFormatError.badPSKC("the file ends before the document does (cut short?)")) { try PSKC.read(cut) }
    }

    /// Nothing but whitespace and comments may follow the root element.
    @Test func contentAfterTheRootIsRefused() throws {
        let text = try Self.tenKeys()
        #expect(throws: SeedFormatError.self) { try PSKC.read(Array((text + "garbage").utf8)) }
        #expect(throws: SeedFormatError.self) { try PSKC.read(Array((text + "<KeyContainer/>").utf8)) }
        #expect(throws: SeedFormatError.self) { try PSKC.read(Array((text + "</pskc:KeyContainer>").utf8)) }
        #expect(throws: SeedFormatError.self) { try PSKC.read(Array(("garbage" + text).utf8)) }
        #expect(try PSKC.read(Array((text + "<!-- a comment -->\n  \n").utf8)).records.count == 10)
        // Non-ASCII text on the root's last line does not shift where the check starts.
        let oneLine = text.replacingOccurrences(of: "\n", with: "").replacingOccurrences(of: "SN10", with: "SN-ÄÖ€😀")
        #expect(try PSKC.read(Array((oneLine + "<!-- ü -->").utf8)).records.last?.serial == "SN-ÄÖ€😀")
        #expect(throws: SeedFormatError.badPSKC("something other than comments follows the root element")) {
            try PSKC.read(Array((oneLine + "x").utf8))
        }
        #expect(throws: SeedFormatError.self) { try PSKC.read(Array((oneLine + "<!-- open").utf8)) }
        // Windows and old Mac line ends count lines as the parser does.
        let half = text.index(text.startIndex, offsetBy: text.count / 2)
        let mixed = text[..<half].replacingOccurrences(of: "\n", with: "\r") + text[half...]
        let mixedBack = String(text[..<half]) + text[half...].replacingOccurrences(of: "\n", with: "\r")
        for (lineEnd, converted) in [("\r\n", text.replacingOccurrences(of: "\n", with: "\r\n")),
                                     ("\r", text.replacingOccurrences(of: "\n", with: "\r")), ("\n", mixed), ("\r", mixedBack)] {
            #expect(try PSKC.read(Array((converted + "<!-- end -->" + lineEnd).utf8)).records.count == 10)
            #expect(throws: SeedFormatError.self) { try PSKC.read(Array((converted + "garbage" + lineEnd).utf8)) }
            #expect(throws: SeedFormatError.self) { try PSKC.read(Array((converted + "<KeyContainer/>").utf8)) }
        }
    }

    /// A processing instruction without data crashed FoundationXML inside its own callback (found by fuzzing,
    /// Fuzz/regressions/pskc): no processing instruction but the leading XML declaration reaches the parser.
    @Test func processingInstructionsAreRefusedBeforeTheParser() throws {
        let text = try Self.tenKeys()
        let refusal = SeedFormatError.badPSKC("the file holds a processing instruction (only the XML declaration is allowed)")
        #expect(throws: refusal) { try PSKC.read(Array(#"<?xml version="1.0"?><?pi?><KeyContainer/>"#.utf8)) }
        #expect(throws: refusal) { try PSKC.read(Array(("<?pi?>" + text).utf8)) }
        #expect(throws: refusal) { try PSKC.read(Array((text + "<?done yes?>").utf8)) }
        #expect(text.hasPrefix("<?xml "))
        #expect(try PSKC.read(Array(text.utf8)).records.count == 10)
        #expect(try PSKC.read([0xEF, 0xBB, 0xBF] + Array(text.utf8)).records.count == 10)
    }

    /// Issue 11 item 14: the documented size limit is the real one. A file of keys just under it is read; one byte
    /// more is refused with a message naming the limit (no longer "not well-formed XML" from the parser's own limit).
    @Test func theSizeLimitIsTheDocumentedOne() throws {
        let limit = SeedFile.maximumSize
        #expect(limit == 8 << 20)
        // Fixed-width serials and counters make the keys (nearly) the same size, so the count that fits is known.
        func record(_ index: Int) throws -> SeedRecord {
            SeedRecord(serial: "S\(100_000 + index)", counter: UInt64(100_000 + index), secret: try Secret(bytes: Self.secret))
        }
        let one = try PSKC.write([record(0)]).utf8.count
        let perKey = try PSKC.write([record(0), record(1)]).utf8.count - one
        var records = try (0..<((limit - one) / perKey)).map(record)
        var text = try PSKC.write(records)
        // Key Ids grow a digit now and then: drop what overflows.
        while text.utf8.count > limit {
            records.removeLast((text.utf8.count - limit) / perKey + 1)
            text = try PSKC.write(records)
        }
        #expect(records.count > 10_000 && text.utf8.count <= limit)
        text += String(repeating: " ", count: limit - text.utf8.count)
        #expect(text.utf8.count == limit)
        #expect(try SeedFile.read(Array(text.utf8)).count == records.count)
        let over = Array((text + " ").utf8)
        #expect(throws: SeedFormatError.tooLarge(limit: limit)) { try SeedFile.read(over) }
        #expect(throws: SeedFormatError.tooLarge(limit: limit)) { try PSKC.read(over) }
        #expect(SeedFormatError.tooLarge(limit: limit).description.contains("8 MiB"))
    }
}
