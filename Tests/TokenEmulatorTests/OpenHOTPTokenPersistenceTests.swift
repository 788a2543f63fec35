import Checksums
import Foundation
import OTPCore
import Testing
import TokenEmulator
import USBProtocol

/// The emulated token's flash: a state file replaced by write-then-rename.
@Suite struct OpenHOTPTokenPersistenceTests {
    static func temporaryFolder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("otpkit-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// GENERATE on slot 0 with a valid CRC, built by the test (no driver involved).
    static func generateRequest(sequence: UInt8) -> [UInt8] {
        var frame = [0x06, sequence, 0, 1, 0] + [UInt8](repeating: 0, count: 55)
        let crc = Checksums.CRC32.checksum(frame)
        frame += [UInt8(crc & 0xff), UInt8(crc >> 8 & 0xff), UInt8(crc >> 16 & 0xff), UInt8(crc >> 24)]
        return frame
    }

    @Test func aRestartedTokenKeepsSlotsAndCounters() throws {
        let folder = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("token-1.json")
        var state = OpenHOTPTokenState(serial: 777)
        state.slots[0] = .init(secret: try Secret(bytes: Array("12345678901234567890".utf8)), algorithm: .sha1, digits: 6,
                               counter: 0, name: "kept", touch: false)
        try AtomicFileStore<OpenHOTPTokenState>(url: file).save(state)

        let token = try OpenHOTPToken(serial: 1, stateFile: file)
        #expect(token.serial == 777, "an existing file wins over the serial argument")
        for sequence in 1...3 {
            #expect(token.setReport(type: 3, id: 0, interface: 0, data: Self.generateRequest(sequence: UInt8(sequence))))
        }
        let restarted = try OpenHOTPToken(serial: 1, stateFile: file)
        #expect(restarted.state.slots[0]?.counter == 3)
        #expect(restarted.state.slots[0]?.name == "kept")
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: folder.path)
        #expect(leftovers == ["token-1.json"], "no temporary files may stay behind")
        let attributes = try FileManager.default.attributesOfItem(atPath: file.path)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
    }

    @Test func aFailedWriteLeavesFileAndMemoryUnchanged() throws {
        let folder = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("token-1.json")
        var state = OpenHOTPTokenState(serial: 9)
        state.slots[0] = .init(secret: Secret.random(), algorithm: .sha1, digits: 6, counter: 41, name: "", touch: false)
        try AtomicFileStore<OpenHOTPTokenState>(url: file).save(state)
        let before = try Data(contentsOf: file)

        let token = try OpenHOTPToken(serial: 9, stateFile: file)
        token.failStorage = true
        _ = token.setReport(type: 3, id: 0, interface: 0, data: Self.generateRequest(sequence: 1))
        let reply = try #require(token.getReport(type: 3, id: 0, interface: 0, length: 64))
        #expect(reply[2] == 0x0F, "STORAGE_ERROR")
        #expect(token.state.slots[0]?.counter == 41)
        #expect(try Data(contentsOf: file) == before)
    }

    @Test func anUnwritableFolderIsAStorageError() throws {
        let store = AtomicFileStore<OpenHOTPTokenState>(url: URL(fileURLWithPath: "/proc/otpkit-no-such-folder/token.json"))
        #expect(throws: AtomicFileStore<OpenHOTPTokenState>.StoreError.self) { try store.save(OpenHOTPTokenState(serial: 1)) }
    }

    @Test func aCorruptStateFileIsReportedNotReplaced() throws {
        let folder = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("token-1.json")
        try Data("{ not json".utf8).write(to: file)
        #expect(throws: AtomicFileStore<OpenHOTPTokenState>.StoreError.self) { try OpenHOTPToken(serial: 1, stateFile: file) }
        #expect(try Data(contentsOf: file) == Data("{ not json".utf8))
    }

    @Test func stateDescriptionsHideSecrets() throws {
        var state = OpenHOTPTokenState(serial: 1)
        let secret = Secret.random()
        state.slots[1] = .init(secret: secret, algorithm: .sha1, digits: 6, counter: 0, name: "", touch: false)
        #expect(!"\(state)".contains(secret.hex))
    }
}
