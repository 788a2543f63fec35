import Foundation
import Testing
import TokenEmulator
import USBProtocol

/// The USB device layer: descriptors and chapter 9 / HID class requests on endpoint 0.
@Suite struct EmulatedHIDDeviceTests {
    let token = OpenHOTPToken(state: OpenHOTPTokenState(serial: 12345678))
    var device: EmulatedHIDDevice { token.usbDevice }

    func get(_ type: UInt8, index: UInt8 = 0, recipient: UInt8 = 0x80, wIndex: UInt16 = 0, length: UInt16 = 255) -> USBControlResult {
        device.control(USBSetupPacket(requestType: recipient, request: USBStandardRequest.getDescriptor,
                                      value: UInt16(type) << 8 | UInt16(index), index: wIndex, length: length), data: [])
    }

    @Test func deviceDescriptorNamesVendorProductAndStrings() throws {
        guard case .completed(let bytes) = get(USBDescriptorType.device) else { Issue.record("stalled"); return }
        #expect(bytes.count == 18)
        #expect(bytes[0] == 18 && bytes[1] == 1)
        #expect(bytes[7] == 64, "bMaxPacketSize0")
        #expect(UInt16(bytes[8]) | UInt16(bytes[9]) << 8 == 0x1209)
        #expect(UInt16(bytes[10]) | UInt16(bytes[11]) << 8 == 0x0001)
        #expect(Array(bytes[14...17]) == [1, 2, 3, 1])
        guard case .completed(let first8) = get(USBDescriptorType.device, length: 8) else { Issue.record("stalled"); return }
        #expect(first8 == Array(bytes.prefix(8)), "IN data is cut to wLength")
    }

    @Test func configurationHoldsInterfaceHIDAndEndpoint() throws {
        guard case .completed(let bytes) = get(USBDescriptorType.configuration) else { Issue.record("stalled"); return }
        #expect(Int(bytes[2]) | Int(bytes[3]) << 8 == bytes.count)
        #expect(bytes.count == 9 + 9 + 9 + 7)
        #expect(Array(bytes[9..<18]) == [9, 4, 0, 0, 1, 3, 0, 0, 0], "HID interface, one endpoint")
        #expect(bytes[18 + 1] == 0x21)
        let reportLength = Int(bytes[25]) | Int(bytes[26]) << 8
        #expect(Array(bytes[27..<34]) == [7, 5, 0x81, 3, 64, 0, 10], "interrupt IN 0x81, 64 bytes, 10 ms")
        guard case .completed(let report) = get(USBDescriptorType.hidReport, recipient: 0x81) else { Issue.record("stalled"); return }
        #expect(report.count == reportLength)
        #expect(Array(report.prefix(3)) == [0x06, 0x00, 0xFF], "vendor usage page")
    }

    @Test func stringsAndQualifier() {
        #expect(get(USBDescriptorType.string, index: 0) == .completed([4, 3, 0x09, 0x04]))
        guard case .completed(let serial) = get(USBDescriptorType.string, index: 3) else { Issue.record("stalled"); return }
        #expect(String(decoding: stride(from: 2, to: serial.count, by: 2).map { serial[$0] }, as: UTF8.self) == "12345678")
        #expect(get(USBDescriptorType.string, index: 9) == .stall)
        #expect(get(USBDescriptorType.deviceQualifier) == .stall, "a full-speed device STALLs DEVICE_QUALIFIER")
    }

    @Test func standardAndClassRequests() {
        let setConfiguration = USBSetupPacket(requestType: 0, request: USBStandardRequest.setConfiguration, value: 1, index: 0, length: 0)
        #expect(device.control(setConfiguration, data: []) == .completed([]))
        let getConfiguration = USBSetupPacket(requestType: 0x80, request: USBStandardRequest.getConfiguration, value: 0, index: 0, length: 1)
        #expect(device.control(getConfiguration, data: []) == .completed([1]))
        let setIdle = USBSetupPacket(requestType: 0x21, request: HIDRequest.setIdle, value: 0, index: 0, length: 0)
        #expect(device.control(setIdle, data: []) == .completed([]))
        let getProtocol = USBSetupPacket(requestType: 0xA1, request: HIDRequest.getProtocol, value: 0, index: 0, length: 1)
        #expect(device.control(getProtocol, data: []) == .stall)
        let vendor = USBSetupPacket(requestType: 0xC0, request: 1, value: 0, index: 0, length: 4)
        #expect(device.control(vendor, data: []) == .stall)
    }

    @Test func reportsOfTheWrongShapeStallAndChangeNothing() {
        let short = HIDRequest.setFeatureReport(interface: 0, length: 10)
        #expect(device.control(short, data: [UInt8](repeating: 1, count: 10)) == .stall)
        let wrongInterface = HIDRequest.setFeatureReport(interface: 1, length: 64)
        #expect(device.control(wrongInterface, data: [UInt8](repeating: 0, count: 64)) == .stall)
        let inputReport = USBSetupPacket(requestType: 0xA1, request: HIDRequest.getReport, value: 0x0100, index: 0, length: 64)
        #expect(device.control(inputReport, data: []) == .stall)
        guard case .completed(let reply) = device.control(HIDRequest.getFeatureReport(interface: 0, length: 64), data: []) else {
            Issue.record("stalled"); return
        }
        #expect(reply[2] == 0x0D, "still NO_REPLY")
        #expect(device.interruptIn(endpoint: 0x81) == nil, "the interrupt endpoint never has data")
    }
}

@Suite struct EmulatedHIDDeviceFeatureTests {
    @Test func onlyEndpointHaltIsAFeature() {
        let device = OpenHOTPToken(state: OpenHOTPTokenState(serial: 1)).usbDevice
        let halt = USBSetupPacket(requestType: 0x02, request: USBStandardRequest.clearFeature, value: 0, index: 0x81, length: 0)
        #expect(device.control(halt, data: []) == .completed([]))
        let wakeup = USBSetupPacket(requestType: 0x00, request: USBStandardRequest.setFeature, value: 1, index: 0, length: 0)
        #expect(device.control(wakeup, data: []) == .stall)
        let noSuchEndpoint = USBSetupPacket(requestType: 0x02, request: USBStandardRequest.setFeature, value: 0, index: 0x83, length: 0)
        #expect(device.control(noSuchEndpoint, data: []) == .stall)
    }
}
