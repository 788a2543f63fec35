import Foundation
import OTPCore
import SeedFormats
import Testing

/// `SeedExport`: each format written privately and read back as the same seeds; what a format cannot hold is refused.
@Suite struct SeedExportTests {
    static let seeds = [
        SeedRecord(serial: "100", slot: 0, family: "OpenHOTP", secret: Secret.random(byteCount: 20)),
        SeedRecord(serial: "101", slot: 1, family: "YubiKey", counter: 32, secret: Secret.random(byteCount: 20)),
    ]

    func temporaryPath(_ name: String) -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("otpkit-export-\(UUID().uuidString)-\(name)").path
    }

    @Test func everyFormatReadsBackAsTheSameSeedsFromAPrivateFile() throws {
        for format in SeedExportFormat.allCases {
            let path = temporaryPath(format.rawValue)
            defer { try? FileManager.default.removeItem(atPath: path) }
            let credentials = SeedFile.Credentials(password: format == .pskc ? "correct horse" : nil)
            try SeedExport.write(Self.seeds, as: format, credentials: credentials, to: path)
            let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
            #expect(mode == 0o600, "\(format)")
            let read = try SeedFile.read(Array(try Data(contentsOf: URL(fileURLWithPath: path))), credentials: credentials)
            #expect(read.map(\.secret) == Self.seeds.map(\.secret), "\(format)")
            #expect(read.map(\.counter) == [0, 32], "\(format)")
        }
    }

    @Test func whatAFormatCannotHoldIsRefusedBeforeAnythingIsWritten() throws {
        #expect(throws: SeedExportError.pskcNeedsProtection) { try SeedExport.check(.pskc, credentials: .init()) }
        let eightDigits = [SeedRecord(serial: "7", digits: 8, secret: Secret.random(byteCount: 20))]
        let path = temporaryPath("csv")
        #expect(throws: SeedExportError.unfitForCSV(["7"])) {
            try SeedExport.write(eightDigits, as: .csv, credentials: .init(), to: path)
        }
        #expect(!FileManager.default.fileExists(atPath: path))
        #expect(throws: SeedExportError.self) {
            try SeedExport.write(Self.seeds, as: .json, credentials: .init(), to: "/proc/otpkit-no-such-folder/seeds.json")
        }
    }
}
