import Foundation
import OTPCore
import SeedFormats
import Testing

/// Issue 11 item 10: a TOTP token's clock drift (PSKC `TimeDrift`, in time steps) survives import, seed JSON and
/// export.
@Suite struct TimeDriftTests {
    static let key = Array("12345678901234567890".utf8)

    static func totpFile(drift: String) -> String {
        """
        <?xml version="1.0" encoding="UTF-8"?>
        <KeyContainer Version="1.0" xmlns="urn:ietf:params:xml:ns:keyprov:pskc">
          <KeyPackage>
            <DeviceInfo><SerialNo>TOTP1</SerialNo></DeviceInfo>
            <Key Id="1" Algorithm="urn:ietf:params:xml:ns:keyprov:pskc:totp">
              <AlgorithmParameters><ResponseFormat Length="6" Encoding="DECIMAL"/></AlgorithmParameters>
              <Data>
                <Secret><PlainValue>MTIzNDU2Nzg5MDEyMzQ1Njc4OTA=</PlainValue></Secret>
                <TimeInterval><PlainValue>30</PlainValue></TimeInterval>
                <TimeDrift><PlainValue>\(drift)</PlainValue></TimeDrift>
              </Data>
            </Key>
          </KeyPackage>
        </KeyContainer>
        """
    }

    @Test func pskcTimeDriftIsRead() throws {
        let records = try SeedFile.read(Array(Self.totpFile(drift: "-2").utf8))
        #expect(records.count == 1 && records[0].period == 30 && records[0].timeDrift == -2)
        #expect(try SeedFile.read(Array(Self.totpFile(drift: "3").utf8))[0].timeDrift == 3)
        #expect(throws: SeedFormatError.self) { try SeedFile.read(Array(Self.totpFile(drift: "soon").utf8)) }
        #expect(throws: SeedFormatError.self) { try SeedFile.read(Array(Self.totpFile(drift: "99999999999").utf8)) }
    }

    @Test func seedJSONCarriesTheDrift() throws {
        let record = SeedRecord(serial: "T", period: 30, timeDrift: -4, secret: try Secret(bytes: Self.key))
        let json = try JSONEncoder().encode(record)
        #expect(String(decoding: json, as: UTF8.self).contains("\"timeDrift\":-4"))
        #expect(try SeedFile.read(Array(json)) == [record])
        let withoutDrift = try JSONEncoder().encode(SeedRecord(serial: "T", period: 30, secret: try Secret(bytes: Self.key)))
        #expect(!String(decoding: withoutDrift, as: UTF8.self).contains("timeDrift"))
    }

    /// otpkit's PSKC export writes the drift; otpkit and python-pskc read it back, in clear and encrypted files.
    @Test(arguments: [false, true])
    func pskcExportWritesTheDrift(encrypted: Bool) throws {
        let records = [SeedRecord(serial: "T", period: 30, timeDrift: -2, secret: try Secret(bytes: Self.key)),
                       SeedRecord(serial: "H", counter: 5, secret: try Secret(bytes: Self.key))]
        let psk = Secret.random(byteCount: 16).bytes
        let text = try PSKC.write(records, protection: encrypted ? .preSharedKey(psk) : .none)
        let back = try PSKC.read(Array(text.utf8), credentials: .init(preSharedKey: encrypted ? psk : nil)).records
        #expect(back.map(\.timeDrift) == [-2, nil])
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("otpkit-drift-\(UUID().uuidString).pskcxml").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        let drift = try PythonPSKC.run("""
        import sys, pskc
        p = pskc.PSKC(sys.argv[1])
        if sys.argv[2]: p.encryption.key = bytes.fromhex(sys.argv[2])
        print(p.keys[0].time_drift)
        """, arguments: [path, encrypted ? Hex.encode(psk) : ""])
        #expect(drift.trimmingCharacters(in: .whitespacesAndNewlines) == "-2")
    }
}
