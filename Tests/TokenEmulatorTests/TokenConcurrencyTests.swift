import Checksums
import Foundation
import OTPCore
import Synchronization
import Testing
import TokenEmulator
import USBProtocol

/// The tokens are `Sendable` and used from several threads at once (event loops, umockdev's worker, the control
/// channel): presses never share a counter, state writes land in order, and observers may call back into their
/// token (they run outside its lock).
@Suite struct TokenConcurrencyTests {
    static let rfcSecret = Array("12345678901234567890".utf8)

    /// What observers saw, from whichever thread called them.
    final class Seen<Value: Sendable>: Sendable {
        private let values = Mutex<[Value]>([])
        func add(_ value: Value) { values.withLock { $0.append(value) } }
        var all: [Value] { values.withLock { $0 } }
    }

    @Test func concurrentPressesEachTakeTheirOwnCounterAndTheFileKeepsTheLast() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("otpkit-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("token.json")
        var state = OpenHOTPTokenState(serial: 31)
        state.slots[0] = .init(secret: try Secret(bytes: Self.rfcSecret), algorithm: .sha1, digits: 6, counter: 0, name: "", touch: false)
        try AtomicFileStore<OpenHOTPTokenState>(url: file).save(state)
        let token = try OpenHOTPToken(serial: 31, stateFile: file)

        let presses = 48
        let codes = await withTaskGroup(of: String?.self) { group in
            for _ in 0..<presses {
                group.addTask {
                    if case .presented(_, let code) = token.pressButton() { code } else { nil }
                }
            }
            return await group.reduce(into: [String?]()) { $0.append($1) }
        }
        let hotp = try HOTP(secret: Secret(bytes: Self.rfcSecret))
        #expect(Set(codes.compactMap { $0 }) == Set((0..<UInt64(presses)).map { hotp.code(counter: $0) }),
                "every press types the code of a counter of its own")
        #expect(token.state.slots[0]?.counter == UInt64(presses))
        #expect(try OpenHOTPToken(serial: 1, stateFile: file).state.slots[0]?.counter == UInt64(presses),
                "the last write on file is the last press")
    }

    @Test func theButtonObserverMayReadItsTokenAndSeesThePressDone() throws {
        var state = OpenHOTPTokenState(serial: 32)
        state.slots[0] = .init(secret: try Secret(bytes: Self.rfcSecret), algorithm: .sha1, digits: 6, counter: 5, name: "", touch: false)
        let token = OpenHOTPToken(state: state)
        let seen = Seen<UInt64>()
        token.onButtonPress = { [unowned token] _ in seen.add(token.state.slots[0]?.counter ?? 0) }
        token.pressButton()
        token.pressButton()
        #expect(seen.all == [6, 7])
    }

    @Test func frameAndInterruptObserversMayCallBackIntoTheYubiKey() throws {
        let key = try YubiKeyToken(serial: 33)
        let sequences = Seen<UInt8>(), typed = Seen<[UInt8]>()
        key.onFrame = { [unowned key] frame in
            #expect(frame.count == 70)
            sequences.add(key.state.programmingSequence)
        }
        // The listener takes what the touch typed right away, from inside the notification.
        key.usbDevice.onInterruptData = { [unowned key] in
            while let report = key.interruptIn(endpoint: 0x81) { typed.add(report) }
        }
        for report in Self.configureSlot1Reports() {
            while let status = key.getReport(type: HIDRequest.featureReportType, id: 0, interface: 0, length: 8), status[7] & 0x80 != 0 {}
            #expect(key.setReport(type: HIDRequest.featureReportType, id: 0, interface: 0, data: report))
        }
        #expect(sequences.all == [1], "the observer ran once, after the key took the frame")
        #expect(key.touch(slot: 1) == .typed("755224"))
        #expect(HIDKeyboard.text(of: typed.all) == "755224")
    }

    /// SLOT_CONFIG (command 1) for slot 1: OATH-HOTP, RFC 4226's key, no access code, in ten 8-byte reports.
    static func configureSlot1Reports() -> [[UInt8]] {
        var configuration = [UInt8](repeating: 0, count: 16) + Array(rfcSecret[16..<20]) + [0, 0]
        configuration += Array(rfcSecret[0..<16]) + [0, 0, 0, 0, 0, 0] + [0, 0x04, 0x40, 0x00, 0, 0]
        let configurationCRC = ~CRC16.checksum(configuration)
        let payload = configuration + [UInt8(configurationCRC & 0xff), UInt8(configurationCRC >> 8)] + [0, 0, 0, 0, 0, 0]
        let padded = payload + [UInt8](repeating: 0, count: 64 - payload.count)
        let crc = CRC16.checksum(padded)
        let frame = padded + [0x01, UInt8(crc & 0xff), UInt8(crc >> 8), 0, 0, 0]
        return (0..<10).map { Array(frame[($0 * 7)..<($0 * 7 + 7)]) + [0x80 | UInt8($0)] }
    }
}
