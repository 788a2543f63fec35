import CLibUSB
import Testing
import TokenDrivers
@testable import USBTransport

/// libusb's failures become errors that say what to do.
@Suite struct LibUSBErrorTests {
    @Test func permissionErrorNamesTheUdevRules() {
        let error = LibUSBError.transportError(LIBUSB_ERROR_ACCESS.rawValue, doing: "opening /dev/bus/usb/001/002", device: "usb:1:2")
        #expect(error.description.contains("sudo make install-udev"))
        #expect(error.description.contains("usb:1:2"))
    }

    @Test func unplugTimeoutStallAndBusyAreNamed() {
        #expect(LibUSBError.transportError(LIBUSB_ERROR_NO_DEVICE.rawValue, doing: "x").description.contains("unplugged"))
        #expect(LibUSBError.transportError(LIBUSB_ERROR_TIMEOUT.rawValue, doing: "x").description.contains("did not answer in time"))
        #expect(LibUSBError.transportError(LIBUSB_ERROR_PIPE.rawValue, doing: "x") == .stalled("the token stalled x"))
        #expect(LibUSBError.transportError(LIBUSB_ERROR_BUSY.rawValue, doing: "x").description.contains("another program holds"))
    }

    @Test func aMissingDeviceIsNotFound() throws {
        #expect(throws: TransportError.notFound("no USB device at usb:9:99 (see `otpkit devices`)")) { try LibUSBDeviceHandle(bus: 9, address: 99) }
    }
}
