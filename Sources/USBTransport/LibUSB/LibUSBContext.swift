import CLibUSB
import TokenDrivers

/// A libusb context. Every handle opened through it keeps it alive; `libusb_exit` runs when the last one goes.
final class LibUSBContext {
    let pointer: OpaquePointer

    init() throws(TransportError) {
        var context: OpaquePointer?
        let status = libusb_init(&context)
        guard status == 0, let context else {
            throw LibUSBError.transportError(status, doing: "initialising libusb")
        }
        pointer = context
    }

    deinit { libusb_exit(pointer) }

    /// The device at `bus`:`address`, referenced (the caller unreferences it), or nil.
    func device(bus: Int, address: Int) throws(TransportError) -> OpaquePointer? {
        var list: UnsafeMutablePointer<OpaquePointer?>?
        let count = libusb_get_device_list(pointer, &list)
        guard count >= 0, let list else { throw LibUSBError.transportError(Int32(count), doing: "listing USB devices") }
        defer { libusb_free_device_list(list, 1) }
        for index in 0..<count {
            guard let device = list[index] else { continue }
            if Int(libusb_get_bus_number(device)) == bus && Int(libusb_get_device_address(device)) == address {
                return libusb_ref_device(device)
            }
        }
        return nil
    }
}

/// libusb's error codes in words a person can act on.
enum LibUSBError {
    static func transportError(_ code: Int32, doing action: String, device: String = "the token") -> TransportError {
        switch code {
        case LIBUSB_ERROR_ACCESS.rawValue:
            .accessDenied("no permission to use \(device) (\(action)); install otpkit's udev rules with `sudo make install-udev`, "
                          + "then unplug and replug the token (or run as root)")
        case LIBUSB_ERROR_NO_DEVICE.rawValue:
            .disconnected("\(device) was unplugged (\(action))")
        case LIBUSB_ERROR_TIMEOUT.rawValue:
            .timedOut("\(device) did not answer in time (\(action))")
        case LIBUSB_ERROR_PIPE.rawValue:
            .stalled("\(device) stalled \(action)")
        case LIBUSB_ERROR_BUSY.rawValue:
            .busy("another program holds \(device)'s interface (\(action)); close it, or unplug and replug the token")
        case LIBUSB_ERROR_NOT_FOUND.rawValue:
            .notFound("\(device) is gone (\(action))")
        default:
            .io("\(action) on \(device): \(String(cString: libusb_strerror(code)))")
        }
    }
}
