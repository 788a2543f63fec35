import Testing
import USBTransport

@Suite struct DeviceAddressTests {
    @Test func parsesEveryForm() throws {
        #expect(try DeviceAddress(parsing: "usb:1:2") == .usb(bus: 1, address: 2))
        #expect(try DeviceAddress(parsing: "usb:serial=00424242") == .usbSerial("00424242"))
        #expect(try DeviceAddress(parsing: "usbip://127.0.0.1:3999/1-2") == .usbip(host: "127.0.0.1", port: 3999, busID: "1-2"))
        #expect(try DeviceAddress(parsing: "usbip://tokens.example") == .usbip(host: "tokens.example", port: 3240, busID: nil))
        #expect(try DeviceAddress(parsing: "usbip://[::1]:4000/1-1") == .usbip(host: "::1", port: 4000, busID: "1-1"))
        #expect(DeviceAddress.usbip(host: "::1", port: 4000, busID: "1-1").description == "usbip://[::1]:4000/1-1")
        #expect(DeviceAddress.usb(bus: 3, address: 17).description == "usb:3:17")
    }

    @Test func refusesWhatItCannotUse() {
        #expect(throws: DeviceAddress.ParseError.unsupported("hid:/dev/hidraw0")) { try DeviceAddress(parsing: "hid:/dev/hidraw0") }
        #expect(throws: DeviceAddress.ParseError.self) { try DeviceAddress(parsing: "usb:1") }
        #expect(throws: DeviceAddress.ParseError.self) { try DeviceAddress(parsing: "usb:0:1") }
        #expect(throws: DeviceAddress.ParseError.self) { try DeviceAddress(parsing: "usb:1:200") }
        #expect(throws: DeviceAddress.ParseError.self) { try DeviceAddress(parsing: "usb:serial=") }
        #expect(throws: DeviceAddress.ParseError.self) { try DeviceAddress(parsing: "usbip://host:99999/1-1") }
        #expect(throws: DeviceAddress.ParseError.self) { try DeviceAddress(parsing: "usbip://host/1;1") }
    }
}
