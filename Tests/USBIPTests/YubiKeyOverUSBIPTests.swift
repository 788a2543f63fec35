import EmulatorServer
import Foundation
import OTPCore
import TestSupport
import Testing
import TokenDrivers
import TokenEmulator
import USBIP
@testable import USBTransport

/// otpkit's YubiKey driver against the emulated YubiKey, over the USB/IP server and client.
@Suite(.serialized) struct YubiKeyOverUSBIPTests {
    static let rfcKey = try! Secret(bytes: Array("12345678901234567890".utf8))

    func withYubiKey(_ body: (YubiKeyDriver, YubiKeyToken) throws -> Void) async throws {
        let token = try YubiKeyToken(serial: 7_654_321)
        let server = USBIPServer(devices: [token.usbDevice])
        let port = try await server.start(host: "127.0.0.1", port: 0)
        defer { server.stopWithoutWaiting() }
        let records = try USBIPClient.listDevices(host: "127.0.0.1", port: port)
        #expect(records.first?.vendorID == 0x1050 && records.first?.interfaces.first?.interfaceProtocol == 1, "a boot keyboard")
        let connection = try USBIPClient.importDevice(host: "127.0.0.1", port: port, busID: "1-1")
        defer { connection.close() }
        try body(YubiKeyDriver(channel: HIDFeatureReportChannel(device: connection)), token)
    }

    @Test func programReadSerialTouchDeleteAndSwap() async throws {
        try await withYubiKey { driver, token in
            #expect(try driver.serial() == 7_654_321)
            #expect(try driver.status().firmware == "2.4.3")
            try driver.program(slot: 1, YubiKeyOATHConfiguration(secret: Self.rfcKey, movingFactor: 32))
            let expected = try HOTP(secret: Self.rfcKey).code(counter: 32)
            #expect(token.touch(slot: 1) == .typed(expected))
            try driver.swapSlots()
            #expect(try driver.status().slot2Programmed)
            try driver.delete(slot: 2)
            #expect(try !driver.status().slot2Programmed)
        }
    }

    @Test func accessCodesAreEnforcedAndReported() async throws {
        try await withYubiKey { driver, token in
            var configuration = YubiKeyOATHConfiguration(secret: Self.rfcKey, digits: 8)
            configuration.newAccessCode = [1, 2, 3, 4, 5, 6]
            try driver.program(slot: 2, configuration)
            #expect(throws: YubiKeyDriver.YubiKeyError.notConfirmed(slot: 2)) { try driver.delete(slot: 2) }
            #expect(token.state.slots[1] != nil, "still programmed")
            try driver.delete(slot: 2, accessCode: [1, 2, 3, 4, 5, 6])
            #expect(token.state.slots[1] == nil)
        }
    }
}

/// A touch makes the emulated YubiKey type its code as keyboard reports on the interrupt endpoint, which a
/// transfer submitted before the touch receives.
@Suite struct YubiKeyTypingTests {
    @Test func aTouchTypesTheCodeOnTheKeyboardEndpoint() async throws {
        let token = try YubiKeyToken(serial: 1)
        let server = USBIPServer(devices: [token.usbDevice])
        let port = try await server.start(host: "127.0.0.1", port: 0)
        defer { server.stopWithoutWaiting() }
        let connection = try USBIPClient.importDevice(host: "127.0.0.1", port: port, busID: "1-1")
        let driver = YubiKeyDriver(channel: HIDFeatureReportChannel(device: connection))
        var configuration = YubiKeyOATHConfiguration(secret: try Secret(bytes: Array("12345678901234567890".utf8)))
        configuration.appendEnter = true
        try driver.program(slot: 1, configuration)
        connection.close()

        // The first connection's release reaches the server a moment after close(): retry the import briefly.
        var imported: TCPConnection?
        _ = try eventually {
            let candidate = try TCPConnection(host: "127.0.0.1", port: port, timeout: 5)
            try candidate.send(USBIPOperation.encodeRequest(.importDevice(busID: "1-1")))
            if (try? candidate.receive(8 + 312)) != nil { imported = candidate }
            return imported != nil
        }
        let socket = try #require(imported)
        var reports: [[UInt8]] = []
        // Interrupt IN transfers wait; the touch completes them one report at a time (press, release, ...).
        for sequence in UInt32(1)...14 {
            let submit = USBIPURB.Submit(sequence: sequence, deviceID: 0x10002, directionIn: true, endpoint: 1, bufferLength: 8)
            try socket.send(USBIPURB.encodeCommand(.submit(submit)))
            if sequence == 1 { #expect(token.touch(slot: 1) == .typed("755224")) }
            let header = try USBIPURB.parseReplyHeader(try socket.receive(48))
            #expect(header.sequence == sequence && header.status == 0 && header.actualLength == 8)
            reports.append(try socket.receive(8))
        }
        #expect(HIDKeyboard.text(of: reports) == "755224\n")
    }
}

/// otpkit's Nitrokey driver against the emulated Nitrokey Pro, over the USB/IP server and client.
@Suite struct NitrokeyOverUSBIPTests {
    @Test func writeReadCodeEraseAndWrongPIN() async throws {
        let token = try NitrokeyToken(model: .pro, serial: 99)
        let server = USBIPServer(devices: [token.usbDevice])
        let port = try await server.start(host: "127.0.0.1", port: 0)
        defer { server.stopWithoutWaiting() }
        let connection = try USBIPClient.importDevice(host: "127.0.0.1", port: port, busID: "1-1")
        defer { connection.close() }
        let driver = NitrokeyDriver(channel: HIDFeatureReportChannel(device: connection))
        let status = try driver.status()
        #expect(status.firmware == "0.12" && status.serial == 99)
        #expect(throws: NitrokeyDriver.NitrokeyError.wrongPIN(retriesLeft: 2)) { try driver.authenticateAdmin(pin: "00000000") }
        let temporary = try driver.authenticateAdmin(pin: "12345678")
        let secret = try Secret(bytes: Array("12345678901234567890".utf8))
        try driver.writeHOTPSlot(0, name: "vpn", secret: secret, counter: 1, digits: 8, temporaryPassword: temporary)
        let slot = try #require(try driver.readHOTPSlot(0))
        #expect(slot.name == "vpn" && slot.digits == 8 && slot.counter == 1)
        #expect(try driver.code(0) == (try HOTP(secret: secret, digits: 8).code(counter: 1)))
        #expect(try driver.readHOTPSlot(0)?.counter == 2)
        try driver.eraseHOTPSlot(0, temporaryPassword: temporary)
        #expect(try driver.readHOTPSlot(0) == nil)
        #expect(throws: NitrokeyDriver.NitrokeyError.self) { try driver.eraseHOTPSlot(1, temporaryPassword: Array(repeating: 1, count: 25)) }
    }
}
