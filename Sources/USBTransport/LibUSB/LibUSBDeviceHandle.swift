import CLibUSB
import TokenDrivers
import USBProtocol

/// An opened USB token with its HID interface claimed. libusb detaches the kernel's HID driver on claim and
/// reattaches it on release (auto-detach), so the token is back to normal after otpkit is done.
public final class LibUSBDeviceHandle {
    public static let defaultTimeoutMilliseconds: UInt32 = 2000

    private let context: LibUSBContext
    private var handle: OpaquePointer?
    private let interface: Int32
    public let name: String
    public var timeoutMilliseconds = defaultTimeoutMilliseconds

    /// Opens the device at `bus`:`address` and claims `interface`.
    public init(bus: Int, address: Int, interface: Int32 = 0) throws(TransportError) {
        name = "usb:\(bus):\(address)"
        self.interface = interface
        context = try LibUSBContext()
        guard let device = try context.device(bus: bus, address: address) else {
            throw .notFound("no USB device at \(name) (see `otpkit devices`)")
        }
        defer { libusb_unref_device(device) }
        var opened: OpaquePointer?
        let status = libusb_open(device, &opened)
        guard status == 0, let opened else {
            throw LibUSBError.transportError(status, doing: "opening /dev/bus/usb/\(Self.pad(bus))/\(Self.pad(address))", device: name)
        }
        handle = opened
        libusb_set_auto_detach_kernel_driver(opened, 1)
        let claim = libusb_claim_interface(opened, interface)
        guard claim == 0 else {
            close()
            throw LibUSBError.transportError(claim, doing: "claiming interface \(interface)", device: name)
        }
    }

    deinit { close() }

    /// Releases the interface (the kernel driver comes back) and closes the device. Safe to call twice.
    public func close() {
        guard let handle else { return }
        libusb_release_interface(handle, interface)
        libusb_close(handle)
        self.handle = nil
    }

    /// A control transfer; returns the IN data (empty for OUT). A short OUT transfer is an error.
    public func controlTransfer(_ setup: USBSetupPacket, data: [UInt8] = []) throws(TransportError) -> [UInt8] {
        guard let handle else { throw .disconnected("\(name) is closed") }
        var buffer = setup.isDeviceToHost ? [UInt8](repeating: 0, count: Int(setup.length)) : data
        let length = UInt16(buffer.count)
        let result = buffer.withUnsafeMutableBufferPointer {
            libusb_control_transfer(handle, setup.requestType, setup.request, setup.value, setup.index, $0.baseAddress,
                                    length, timeoutMilliseconds)
        }
        guard result >= 0 else { throw LibUSBError.transportError(result, doing: "during \(setup.name)", device: name) }
        if setup.isDeviceToHost { return Array(buffer.prefix(Int(result))) }
        guard Int(result) == data.count else { throw .shortTransfer(expected: data.count, actual: Int(result)) }
        return []
    }

    private static func pad(_ number: Int) -> String {
        let text = String(number)
        return String(repeating: "0", count: max(0, 3 - text.count)) + text
    }
}
