import Foundation
import Testing
import TokenEmulator

/// What only one Nitrokey model answers, fed as libnitrokey lays it out (its `DeviceResponse`, with the report id
/// byte in front: report byte N is libnitrokey's byte N + 1).
@Suite struct NitrokeyModelCommandTests {
    typealias Tests = NitrokeyFirmwareTests
    static let wrongPassword: UInt8 = 4, unknownCommand: UInt8 = 9

    @Test func eachModelReportsItsFirmwareVersion() {
        var pro = NitrokeyFirmware(state: NitrokeyState(serial: 0x141), model: .pro)
        var storage = NitrokeyFirmware(state: NitrokeyState(serial: 0x141), model: .storage)
        #expect(Array(Tests.send(&pro, Tests.request(0x00, [])).1[0..<2]) == [12, 0], "GET_STATUS: minor, major")
        #expect(Array(Tests.send(&storage, Tests.request(0x00, [])).1[0..<2]) == [57, 0])
    }

    /// GET_DEVICE_STATUS: libnitrokey reads the storage status at byte 21 of its response and the
    /// `DeviceConfigurationResponsePacket` from byte 26: version at 34..37, retry counters at 48 and 49, the smart
    /// card id (the serial it shows) at 50..53.
    @Test func theStorageDeviceStatusIsWhereLibnitrokeyReadsIt() {
        var storage = NitrokeyFirmware(state: NitrokeyState(serial: 0x0001_0141), model: .storage)
        _ = Tests.send(&storage, Tests.request(0x07, Tests.field("00000000", 25) + Tests.temporary))  // a wrong admin PIN: 2 left
        storage.receive(Tests.request(0x2E, [])) { _ in true }
        let response = [0] + storage.currentReport()  // libnitrokey's count: the report id first
        #expect(response[22] == 0x2E && response[23] == 1, "storage status: command GET_DEVICE_STATUS, ok")
        #expect(Array(response[34...37]) == [0, 57, 0, 0], "firmware 0.57, a release build")
        #expect(response[48] == 3 && response[49] == 2, "user and admin PIN retries")
        #expect(Array(response[50...53]) == [0x41, 0x01, 0x01, 0x00], "the smart card id is the serial")
    }

    @Test func aModelRefusesTheOtherModelsCommands() {
        var pro = NitrokeyFirmware(state: NitrokeyState(serial: 1), model: .pro)
        var storage = NitrokeyFirmware(state: NitrokeyState(serial: 1), model: .storage)
        #expect(Tests.send(&pro, Tests.request(0x2E, [])).0 == Self.unknownCommand)
        #expect(Tests.send(&pro, Tests.request(0x24, [UInt8(ascii: "P")] + Tests.field("12345678", 20))).0 == Self.unknownCommand)
        #expect(Tests.send(&storage, Tests.request(0x19, Tests.field("12345678", 20))).0 == Self.unknownCommand)
    }

    /// A wrong update password is refused as each model refuses it (the Pro in its command status, the Storage in
    /// its storage status, 3); the right one sends the key to its bootloader once the host has read the answer.
    @Test func theUpdatePasswordIsCheckedAndChanged() {
        var pro = NitrokeyFirmware(state: NitrokeyState(serial: 1), model: .pro)
        #expect(Tests.send(&pro, Tests.request(0x19, Tests.field("wrong-pass", 20))).0 == Self.wrongPassword)
        #expect(!pro.leavesForBootloader)
        #expect(Tests.send(&pro, Tests.request(0x1A, Tests.field("12345678", 20) + Tests.field("new-update", 20))).0 == 0)
        #expect(pro.state.updatePassword == "new-update")
        #expect(Tests.send(&pro, Tests.request(0x19, Tests.field("12345678", 20))).0 == Self.wrongPassword)
        #expect(Tests.send(&pro, Tests.request(0x19, Tests.field("new-update", 20))).0 == 0)
        #expect(pro.leavesForBootloader)

        var storage = NitrokeyFirmware(state: NitrokeyState(serial: 1), model: .storage)
        storage.receive(Tests.request(0x24, [UInt8(ascii: "P")] + Tests.field("wrong-pass", 20))) { _ in true }
        #expect(storage.currentReport()[22] == 3, "stick20 wrong_password")
        #expect(!storage.leavesForBootloader)
        storage.receive(Tests.request(0x24, [UInt8(ascii: "P")] + Tests.field("12345678", 20))) { _ in true }
        #expect(storage.currentReport()[22] == 1 && storage.leavesForBootloader)
    }

    /// A state file from before the update password was kept loads with the factory one.
    @Test func anOlderStateFileHasTheFactoryUpdatePassword() throws {
        var object = try #require(try JSONSerialization.jsonObject(with: JSONEncoder().encode(NitrokeyState(serial: 5))) as? [String: Any])
        object["updatePassword"] = nil
        let state = try JSONDecoder().decode(NitrokeyState.self, from: JSONSerialization.data(withJSONObject: object))
        #expect(state.updatePassword == "12345678" && state.serial == 5)
    }
}
