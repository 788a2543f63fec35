import Glibc
import USBProtocol

/// hidraw's report requests as the kernel's usbhid driver turns them into control transfers, apart from umockdev (so
/// that they can be fuzzed): a report id of 0 is left out of the transfer and counted in the answer; a GET_REPORT's
/// reply goes after that id byte. Lengths are bounded, as hidraw bounds them, before any transfer is made.
public enum HidrawReports {
    /// The longest report taken (hidraw refuses what exceeds its buffer with EINVAL; a control transfer through the
    /// testbed carries at most a page).
    public static let maximumLength = 4096

    public enum Refusal: Error, Equatable {
        case invalid
        var errno: Int32 { EINVAL }
    }

    /// SET_REPORT of `report` (byte 0 the report id) to `interface`: the setup packet and its data stage.
    public static func set(_ type: HIDReportType, interface: Int, report: [UInt8]) throws(Refusal) -> (setup: USBSetupPacket, data: [UInt8]) {
        guard let id = report.first, report.count <= maximumLength, (0...255).contains(interface) else { throw .invalid }
        let data = id == 0 ? Array(report.dropFirst()) : report
        let setup = USBSetupPacket(requestType: 0x21, request: HIDRequest.setReport, value: UInt16(type.rawValue) << 8 | UInt16(id),
                                   index: UInt16(interface), length: UInt16(data.count))
        return (setup, data)
    }

    /// GET_REPORT for a caller's buffer of `length` bytes whose byte 0 is `id`.
    public static func get(_ type: HIDReportType, interface: Int, id: UInt8, length: Int) throws(Refusal) -> USBSetupPacket {
        guard (1...maximumLength).contains(length), (0...255).contains(interface) else { throw .invalid }
        let offset = id == 0 ? 1 : 0
        return USBSetupPacket(requestType: 0xA1, request: HIDRequest.getReport, value: UInt16(type.rawValue) << 8 | UInt16(id),
                              index: UInt16(interface), length: UInt16(length - offset))
    }

    /// What a GET_REPORT's `reply` puts into the caller's buffer of `length` bytes (at `offset`), and the ioctl's answer.
    public static func answer(id: UInt8, length: Int, reply: [UInt8]) -> (bytes: [UInt8], offset: Int, result: Int) {
        let offset = id == 0 ? 1 : 0
        let kept = Array(reply.prefix(max(0, length - offset)))
        return (kept, offset, kept.count + offset)
    }
}

/// A HID report's type as SET_REPORT and GET_REPORT carry it in wValue's high byte (HID 1.11, section 7.2.1).
public enum HIDReportType: UInt8, Sendable {
    case input = 1, output = 2, feature = 3
}
