import Checksums
import Foundation
import OTPCore
import TestSupport
import Testing
import TokenEmulator

/// The emulator's firmware against Firmware-spec/OpenHOTP/vectors.json: each request must give exactly the
/// vector's reply bytes, and the token must end in the vector's state.
@Suite struct OpenHOTPFirmwareVectorTests {
    static let vectors = try! OpenHOTPVectorFile.load().vectors

    @Test func thereAreVectors() {
        #expect(Self.vectors.count >= 30)
    }

    @Test(arguments: vectors.map(\.name))
    func firmwareMatchesVector(name: String) throws {
        let vector = try #require(Self.vectors.first { $0.name == name })
        var firmware = OpenHOTPFirmware(state: try OpenHOTPTokenState(vector: vector.state), adminSession: vector.state.adminSession)
        let now = Date()
        for (index, step) in vector.steps.enumerated() {
            if let request = step.request {
                firmware.receive(bytes(fromHex: request), now: now) { _ in true }
            } else {
                _ = firmware.pressButton(now: now) { _ in true }
            }
            let reply = firmware.currentReply(now: now)
            #expect(reply == bytes(fromHex: step.reply), "step \(index + 1): \(hex(reply))")
        }
        #expect(try firmware.state.matches(vector.finalState), "final state \(firmware.state)")
        #expect(firmware.adminSession == vector.finalState.adminSession)
    }

    @Test func beforeAnyRequestTheReplyIsNoReply() {
        var firmware = OpenHOTPFirmware(state: OpenHOTPTokenState(serial: 1))
        let reply = firmware.currentReply(now: Date())
        #expect(reply[0] == 0 && reply[1] == 0 && reply[2] == 0x0D)
    }

    @Test func aTouchRequestTimesOutAfterFifteenSeconds() throws {
        let vector = try #require(Self.vectors.first { $0.name == "generate-touch" })
        var firmware = OpenHOTPFirmware(state: try OpenHOTPTokenState(vector: vector.state))
        let start = Date()
        firmware.receive(bytes(fromHex: vector.steps[0].request!), now: start) { _ in true }
        #expect(firmware.currentReply(now: start.addingTimeInterval(14))[2] == 0x0B)
        #expect(firmware.currentReply(now: start.addingTimeInterval(16))[2] == 0x0C)
        #expect(firmware.pressButton(now: start.addingTimeInterval(17)) { _ in true } == .presented(slot: 0, code: "338314"))
        #expect(firmware.state.slots[0]?.counter == 5, "only the later press advanced the counter")
    }

    @Test func aFailedStoreKeepsTheOldStateAndSaysSo() throws {
        let vector = try #require(Self.vectors.first { $0.name == "generate-one" })
        let initial = try OpenHOTPTokenState(vector: vector.state)
        var firmware = OpenHOTPFirmware(state: initial)
        firmware.receive(bytes(fromHex: vector.steps[0].request!), now: Date()) { _ in false }
        #expect(firmware.currentReply(now: Date())[2] == 0x0F)
        #expect(firmware.state == initial)
    }

    private func hex(_ bytes: [UInt8]) -> String { bytes.map { String(format: "%02x", $0) }.joined() }
}

/// Rules of the spec that the vectors do not reach.
@Suite struct OpenHOTPFirmwareRuleTests {
    static func request(_ command: UInt8, _ payload: [UInt8], sequence: UInt8 = 1) -> [UInt8] {
        var frame = [command, sequence, 0, UInt8(payload.count)] + payload
        frame += [UInt8](repeating: 0, count: 60 - frame.count)
        let crc = Checksums.CRC32.checksum(frame)
        return frame + [UInt8(crc & 0xff), UInt8(crc >> 8 & 0xff), UInt8(crc >> 16 & 0xff), UInt8(crc >> 24)]
    }

    static func tokenWithTouchSlot() throws -> OpenHOTPTokenState {
        var state = OpenHOTPTokenState(serial: 1)
        state.slots[0] = .init(secret: try Secret(bytes: Array("12345678901234567890".utf8)), algorithm: .sha1, digits: 6,
                               counter: 0, name: "", touch: true)
        return state
    }

    @Test func aPressAfterTheTimeoutDoesNotAnswerTheExpiredRequest() throws {
        var firmware = OpenHOTPFirmware(state: try Self.tokenWithTouchSlot())
        let start = Date()
        firmware.receive(Self.request(0x06, [0]), now: start) { _ in true }
        #expect(firmware.pressButton(now: start.addingTimeInterval(16)) { _ in true } == .presented(slot: 0, code: "755224"))
        #expect(firmware.currentReply(now: start.addingTimeInterval(16))[2] == 0x0C, "the request timed out")
    }

    @Test func aFailedFactoryResetKeepsTheSession() throws {
        var state = OpenHOTPTokenState(serial: 1)
        state.pin = .init(pin: Array("123456".utf8))
        var firmware = OpenHOTPFirmware(state: state, adminSession: true)
        firmware.receive(Self.request(0x0A, Array("RSET".utf8)), now: Date()) { _ in false }
        #expect(firmware.currentReply(now: Date())[2] == 0x0F)
        #expect(firmware.adminSession && firmware.state == state)
    }

    @Test func setPINOnALockedTokenSaysLockedWhateverThePayload() {
        var state = OpenHOTPTokenState(serial: 1)
        state.pin = .init(pin: Array("123456".utf8))
        state.pinRetries = 0
        var firmware = OpenHOTPFirmware(state: state)
        firmware.receive(Self.request(0x08, [9]), now: Date()) { _ in true }
        #expect(firmware.currentReply(now: Date())[2] == 0x09)
    }
}
