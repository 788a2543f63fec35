import Foundation
import OTPCore
import TestSupport
import Testing
import TokenDrivers
import TokenEmulator
@testable import USBTransport
import USBIP
import USBProtocol

/// The emulator's USB/IP server driven by otpkit's own user-space client.
@Suite(.serialized) struct USBIPServerTests {
    @Test func listsEveryTokenWithItsBusID() async throws {
        let fixture = try await EmulatorServerFixture(count: 3)
        let devices = try USBIPClient.listDevices(host: "127.0.0.1", port: fixture.port)
        #expect(devices.map(\.busID) == ["1-1", "1-2", "1-3"])
        #expect(devices.allSatisfy { $0.vendorID == 0x1209 && $0.productID == 0x0001 && $0.speed == .full })
        #expect(devices.allSatisfy { $0.interfaces == [.init(interfaceClass: 3, subclass: 0, interfaceProtocol: 0)] })
    }

    @Test func importedTokenAnswersTheDriver() async throws {
        let fixture = try await EmulatorServerFixture()
        let connection = try USBIPClient.importDevice(host: "127.0.0.1", port: fixture.port, busID: "1-2")
        defer { connection.close() }
        let driver = OpenHOTPDriver(channel: HIDFeatureReportChannel(device: connection))
        #expect(try driver.info().serial == 1001)
        try driver.writeSlot(1, OpenHOTPSlotConfiguration(secret: try Secret(bytes: Array("12345678901234567890".utf8))))
        #expect(try driver.generate(1).code == "755224")
        #expect(fixture.tokens[1].state.slots[1]?.counter == 1, "the token behind 1-2 changed")
        #expect(fixture.tokens[0].state.slots[1] == nil)
        let descriptor = try connection.controlTransfer(USBSetupPacket(requestType: 0x80, request: 6, value: 0x0100, index: 0, length: 18))
        #expect(descriptor.count == 18)
        #expect(throws: TransportError.self) {
            try connection.controlTransfer(USBSetupPacket(requestType: 0x80, request: 6, value: 0x0600, index: 0, length: 10))
        }
        #expect(try driver.readCounter(1) == 1, "the connection survives a STALL")
    }

    @Test func unknownBusIDIsRefusedCleanly() async throws {
        let fixture = try await EmulatorServerFixture()
        #expect(throws: TransportError.notFound("the USB/IP server at 127.0.0.1:\(fixture.port) has no device 9-9 (see `otpkit devices`)")) {
            try USBIPClient.importDevice(host: "127.0.0.1", port: fixture.port, busID: "9-9")
        }
    }

    @Test func aTokenServesOneImporterAtATimeAndIsFreedOnClose() async throws {
        let fixture = try await EmulatorServerFixture()
        let first = try USBIPClient.importDevice(host: "127.0.0.1", port: fixture.port, busID: "1-1")
        #expect(throws: TransportError.busy("usbip://127.0.0.1:\(fixture.port)/1-1 is in use by another client")) {
            try USBIPClient.importDevice(host: "127.0.0.1", port: fixture.port, busID: "1-1")
        }
        let other = try USBIPClient.importDevice(host: "127.0.0.1", port: fixture.port, busID: "1-2")
        other.close()
        first.close()
        #expect(eventually { (try? USBIPClient.importDevice(host: "127.0.0.1", port: fixture.port, busID: "1-1"))?.close() != nil })
    }

    @Test func manyClientsAtOnce() async throws {
        let fixture = try await EmulatorServerFixture(count: 4)
        let port = fixture.port
        try await withThrowingTaskGroup(of: UInt32.self) { group in
            for index in 0..<4 {
                group.addTask {
                    let connection = try USBIPClient.importDevice(host: "127.0.0.1", port: port, busID: "1-\(index + 1)")
                    defer { connection.close() }
                    let driver = OpenHOTPDriver(channel: HIDFeatureReportChannel(device: connection))
                    for _ in 0..<20 { _ = try driver.info() }
                    return try driver.info().serial
                }
                group.addTask { UInt32(try USBIPClient.listDevices(host: "127.0.0.1", port: port).count) }
            }
            var serials: Set<UInt32> = []
            for try await value in group where value >= 1000 { serials.insert(value) }
            #expect(serials == [1000, 1001, 1002, 1003])
        }
    }

    @Test func interruptURBsStayPendingUntilUnlinked() async throws {
        let fixture = try await EmulatorServerFixture()
        let socket = try TCPConnection(host: "127.0.0.1", port: fixture.port, timeout: 2)
        try socket.send(USBIPOperation.encodeRequest(.importDevice(busID: "1-1")))
        #expect(try socket.receive(8 + 312)[4..<8] == [0, 0, 0, 0])
        let interrupt = USBIPURB.Submit(sequence: 40, deviceID: 0x10002, directionIn: true, endpoint: 1, bufferLength: 64)
        try socket.send(USBIPURB.encodeCommand(.submit(interrupt)))
        try socket.send(USBIPURB.encodeCommand(.unlink(sequence: 41, target: 40)))
        let first = try USBIPURB.parseReplyHeader(try socket.receive(48))
        #expect(first.command == USBIPURB.retUnlink && first.sequence == 41 && first.status == -104,
                "the pending URB is unlinked and never completes")
        try socket.send(USBIPURB.encodeCommand(.unlink(sequence: 42, target: 40)))
        let second = try USBIPURB.parseReplyHeader(try socket.receive(48))
        #expect(second.sequence == 42 && second.status == 0, "unlinking a finished URB answers 0")
    }

    @Test func interruptURBsForAMissingEndpointStall() async throws {
        let fixture = try await EmulatorServerFixture()
        let socket = try TCPConnection(host: "127.0.0.1", port: fixture.port, timeout: 2)
        try socket.send(USBIPOperation.encodeRequest(.importDevice(busID: "1-1")))
        _ = try socket.receive(8 + 312)
        for (sequence, endpoint) in [(1, 2), (2, 15), (3, 0x7fff_ffff)] as [(UInt32, UInt32)] {
            let submit = USBIPURB.Submit(sequence: sequence, deviceID: 0x10002, directionIn: true, endpoint: endpoint, bufferLength: 64)
            try socket.send(USBIPURB.encodeCommand(.submit(submit)))
            let reply = try USBIPURB.parseReplyHeader(try socket.receive(48))
            #expect(reply.command == USBIPURB.retSubmit && reply.sequence == sequence && reply.status == USBIPURB.statusStall,
                    "endpoint \(endpoint) IN does not exist: STALL, not parked")
        }
    }

    @Test func aConnectionThatFloodsInterruptURBsIsClosed() async throws {
        let fixture = try await EmulatorServerFixture()
        let socket = try TCPConnection(host: "127.0.0.1", port: fixture.port, timeout: 2)
        try socket.send(USBIPOperation.encodeRequest(.importDevice(busID: "1-1")))
        _ = try socket.receive(8 + 312)
        let limit = 16
        for sequence in 1...UInt32(limit) {
            try socket.send(USBIPURB.encodeCommand(.submit(.init(sequence: sequence, deviceID: 0x10002, directionIn: true, endpoint: 1, bufferLength: 8))))
        }
        try socket.send(USBIPURB.encodeCommand(.unlink(sequence: 100, target: UInt32(limit))))
        let unlinked = try USBIPURB.parseReplyHeader(try socket.receive(48))
        #expect(unlinked.sequence == 100 && unlinked.status == USBIPURB.statusUnlinked, "up to the cap, interrupt URBs wait")
        // The unlink freed one place: two more go beyond the cap.
        for sequence in 200...201 as ClosedRange<UInt32> {
            try socket.send(USBIPURB.encodeCommand(.submit(.init(sequence: sequence, deviceID: 0x10002, directionIn: true, endpoint: 1, bufferLength: 8))))
        }
        do {
            let answer = try socket.receive(48)
            Issue.record("expected the flooding connection to be closed, got \(answer)")
        } catch {
            guard case .disconnected = error else { Issue.record("expected a closed connection (not a timeout), got \(error)"); return }
        }
        #expect(eventually { (try? USBIPClient.importDevice(host: "127.0.0.1", port: fixture.port, busID: "1-1"))?.close() != nil })
    }

    @Test func garbageAndHalfMessagesCloseOnlyThatConnection() async throws {
        let fixture = try await EmulatorServerFixture()
        let garbage = try TCPConnection(host: "127.0.0.1", port: fixture.port, timeout: 2)
        try garbage.send((0..<64).map { _ in UInt8.random(in: 0...255) } + [0x01, 0x11, 0x12, 0x34, 0, 0, 0, 0])
        #expect(throws: TransportError.self) { try garbage.receive(8) }

        let halfway = try TCPConnection(host: "127.0.0.1", port: fixture.port, timeout: 2)
        try halfway.send(USBIPOperation.encodeRequest(.importDevice(busID: "1-1")))
        _ = try halfway.receive(8 + 312)
        let submit = USBIPURB.Submit(sequence: 1, deviceID: 0x10002, directionIn: false, endpoint: 0, bufferLength: 64,
                                     setup: HIDRequest.setFeatureReport(interface: 0, length: 64).bytes,
                                     data: [UInt8](repeating: 0x06, count: 64))
        try halfway.send(Array(USBIPURB.encodeCommand(.submit(submit)).prefix(70)))
        halfway.close()

        let stateBefore = fixture.tokens[0].state
        #expect(eventually { (try? USBIPClient.importDevice(host: "127.0.0.1", port: fixture.port, busID: "1-1")) != nil })
        #expect(fixture.tokens[0].state == stateBefore, "a half-sent URB reaches no device")
        #expect(try USBIPClient.listDevices(host: "127.0.0.1", port: fixture.port).count == 2)
    }

    @Test func aServerThatDiesMidReplyGivesAClearClientError() async throws {
        let fixture = try await EmulatorServerFixture()
        let connection = try USBIPClient.importDevice(host: "127.0.0.1", port: fixture.port, busID: "1-1")
        await fixture.server.stop()
        let driver = OpenHOTPDriver(channel: HIDFeatureReportChannel(device: connection))
        do {
            _ = try driver.info()
            Issue.record("expected a transport error")
        } catch OpenHOTPError.transport(let error) {
            guard case .disconnected = error else { Issue.record("expected disconnected, got \(error)"); return }
        }
        #expect(throws: TransportError.self) { try USBIPClient.listDevices(host: "127.0.0.1", port: fixture.port) }
    }
}
