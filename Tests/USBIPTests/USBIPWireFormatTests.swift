import Testing
import USBIP

/// The wire format against the layout in the kernel's usbip_protocol.rst.
@Suite struct USBIPWireFormatTests {
    static let record = USBIPDeviceRecord(path: "/sys/devices/x/usb1/1-1", busID: "1-1", busNumber: 1, deviceNumber: 2,
                                          speed: .full, vendorID: 0x1209, productID: 0x0001, deviceVersion: 0x0100,
                                          interfaces: [.init(interfaceClass: 3, subclass: 0, interfaceProtocol: 0)])

    @Test func operationRequestsRoundTrip() throws {
        let list = USBIPOperation.encodeRequest(.deviceList)
        #expect(list == [0x01, 0x11, 0x80, 0x05, 0, 0, 0, 0])
        #expect(try USBIPOperation.parseRequest(list)?.0 == .deviceList)
        let importRequest = USBIPOperation.encodeRequest(.importDevice(busID: "1-2"))
        #expect(importRequest.count == 40)
        #expect(try USBIPOperation.parseRequest(importRequest)?.0 == .importDevice(busID: "1-2"))
        #expect(try USBIPOperation.parseRequest(Array(importRequest.prefix(20))) == nil, "incomplete: wait for more")
    }

    @Test func badOperationsAreRefused() {
        #expect(throws: USBIPError.unsupportedVersion(0x0106)) { try USBIPOperation.parseRequest([0x01, 0x06, 0x80, 0x05, 0, 0, 0, 0]) }
        #expect(throws: USBIPError.unknownOperation(0x8001)) { try USBIPOperation.parseRequest([0x01, 0x11, 0x80, 0x01, 0, 0, 0, 0]) }
    }

    @Test func deviceListLayout() throws {
        let bytes = USBIPOperation.encodeDeviceList([Self.record])
        #expect(bytes.count == 8 + 4 + 312 + 4)
        #expect(Array(bytes[8..<12]) == [0, 0, 0, 1])
        #expect(bytes[12 + 256] == UInt8(ascii: "1"), "busid follows the 256-byte path")
        #expect(Array(bytes[12 + 288 + 8..<12 + 288 + 12]) == [0, 0, 0, 2], "speed full = 2")
        #expect(Array(bytes[12 + 300..<12 + 302]) == [0x12, 0x09], "idVendor big-endian")
        #expect(bytes[12 + 311] == 1, "bNumInterfaces")
        #expect(Array(bytes[12 + 312..<12 + 316]) == [3, 0, 0, 0])
        var reader = ByteReader(bytes[12...])
        #expect(try USBIPDeviceRecord.read(from: &reader, withInterfaces: true) == Self.record)
        let importReply = USBIPOperation.encodeImportReply(Self.record, status: .ok)
        #expect(importReply.count == 8 + 312, "an import reply has no interface records")
        #expect(USBIPOperation.encodeImportReply(nil, status: .noDevice) == [0x01, 0x11, 0x00, 0x03, 0, 0, 0, 4])
    }

    @Test func submitAndUnlinkLayout() throws {
        let setup: [UInt8] = [0x21, 0x09, 0x00, 0x03, 0, 0, 64, 0]
        let submit = USBIPURB.Submit(sequence: 7, deviceID: 0x0001_0002, directionIn: false, endpoint: 0, bufferLength: 4,
                                     setup: setup, data: [1, 2, 3, 4])
        let bytes = USBIPURB.encodeCommand(.submit(submit))
        #expect(bytes.count == 48 + 4)
        #expect(Array(bytes[0..<4]) == [0, 0, 0, 1])
        #expect(Array(bytes[40..<48]) == setup, "setup stays little-endian")
        #expect(try USBIPURB.parseCommand(bytes)?.0 == .submit(submit))
        #expect(try USBIPURB.parseCommand(Array(bytes.prefix(50))) == nil, "OUT data not complete yet")
        let unlink = USBIPURB.encodeCommand(.unlink(sequence: 9, target: 7))
        #expect(unlink.count == 48)
        #expect(try USBIPURB.parseCommand(unlink)?.0 == .unlink(sequence: 9, target: 7))
    }

    @Test func inSubmitsCarryNoDataAndIsochronousIsRefused() throws {
        var submit = USBIPURB.Submit(sequence: 1, deviceID: 1, directionIn: true, endpoint: 0, transferFlags: 0x200, bufferLength: 64)
        #expect(try USBIPURB.parseCommand(USBIPURB.encodeCommand(.submit(submit)))?.consumed == 48)
        submit.directionIn = false
        var iso = USBIPURB.encodeCommand(.submit(submit))
        iso[35] = 3  // number_of_packets
        #expect(throws: USBIPError.isochronousUnsupported) { try USBIPURB.parseCommand(iso + [UInt8](repeating: 0, count: 64)) }
        #expect(throws: USBIPError.unknownCommand(9)) { try USBIPURB.parseCommand([0, 0, 0, 9] + [UInt8](repeating: 0, count: 44)) }
    }

    @Test func repliesLayout() throws {
        let reply = USBIPURB.encodeReply(.submit(sequence: 5, status: -32, data: [], actualLength: 0))
        #expect(reply.count == 48)
        #expect(Array(reply[20..<24]) == [0xFF, 0xFF, 0xFF, 0xE0])
        let header = try USBIPURB.parseReplyHeader(reply)
        #expect(header.command == 3 && header.sequence == 5 && header.status == -32)
        let unlinked = USBIPURB.encodeReply(.unlink(sequence: 6, status: -104))
        #expect(try USBIPURB.parseReplyHeader(unlinked).status == -104)
    }
}
