/// The hidraw ioctls (linux/hidraw.h, type 'H') a HID program issues on /dev/hidrawN. The string and report requests
/// carry the caller's buffer length in their number.
public enum HidrawRequest: Equatable, Sendable {
    case reportDescriptorSize
    case reportDescriptor
    case rawInfo
    case rawName(length: Int)
    case rawPhys(length: Int)
    case rawUniq(length: Int)
    /// HIDIOCSFEATURE, HIDIOCSINPUT, HIDIOCSOUTPUT: byte 0 of the buffer is the report id.
    case setReport(HIDReportType, length: Int)
    /// HIDIOCGFEATURE, HIDIOCGINPUT, HIDIOCGOUTPUT: the caller puts the report id in byte 0; the reply overwrites it.
    case getReport(HIDReportType, length: Int)

    /// Size of `struct hidraw_report_descriptor` (a 32-bit size, then up to 4096 bytes).
    public static let descriptorStructSize = 4 + 4096

    public init?(number raw: UInt) {
        let number = IoctlNumber(raw)
        guard number.type == UInt8(ascii: "H") else { return nil }
        let readWrite = IoctlNumber.read | IoctlNumber.write
        switch (number.number, number.direction) {
        case (0x01, IoctlNumber.read) where number.size == 4: self = .reportDescriptorSize
        case (0x02, IoctlNumber.read) where number.size == Self.descriptorStructSize: self = .reportDescriptor
        case (0x03, IoctlNumber.read) where number.size == 8: self = .rawInfo
        case (0x04, IoctlNumber.read): self = .rawName(length: number.size)
        case (0x05, IoctlNumber.read): self = .rawPhys(length: number.size)
        case (0x08, IoctlNumber.read): self = .rawUniq(length: number.size)
        case (0x06, readWrite): self = .setReport(.feature, length: number.size)
        case (0x07, readWrite): self = .getReport(.feature, length: number.size)
        case (0x09, readWrite): self = .setReport(.input, length: number.size)
        case (0x0A, readWrite): self = .getReport(.input, length: number.size)
        case (0x0B, readWrite): self = .setReport(.output, length: number.size)
        case (0x0C, readWrite): self = .getReport(.output, length: number.size)
        default: return nil
        }
    }
}
