/// The usbdevfs ioctls (linux/usbdevice_fs.h) a libusb client issues on /dev/bus/usb/BBB/DDD, by request number.
/// Computed as the kernel's _IOR/_IOW/_IOWR macros do, for 64-bit Linux.
enum UsbdevfsRequest: CaseIterable {
    case setInterface, setConfiguration, getDriver, submitURB, discardURB, reapURB, reapURBNoDelay
    case claimInterface, releaseInterface, connectInfo, ioctl, reset, clearHalt, getCapabilities, disconnectClaim

    /// Size of `struct usbdevfs_urb` on 64-bit Linux without iso frame descriptors.
    static let urbSize = 56
    static let urbTypeControl: UInt8 = 2

    private static let none: UInt = 0, write: UInt = 1, read: UInt = 2

    private static func code(_ direction: UInt, _ number: UInt, _ size: UInt) -> UInt {
        (direction << 30) | (size << 16) | (UInt(UInt8(ascii: "U")) << 8) | number
    }

    var number: UInt {
        switch self {
        case .setInterface: Self.code(Self.read, 4, 8)
        case .setConfiguration: Self.code(Self.read, 5, 4)
        case .getDriver: Self.code(Self.write, 8, 260)
        case .submitURB: Self.code(Self.read, 10, UInt(Self.urbSize))
        case .discardURB: Self.code(Self.none, 11, 0)
        case .reapURB: Self.code(Self.write, 12, 8)
        case .reapURBNoDelay: Self.code(Self.write, 13, 8)
        case .claimInterface: Self.code(Self.read, 15, 4)
        case .releaseInterface: Self.code(Self.read, 16, 4)
        case .connectInfo: Self.code(Self.write, 17, 8)
        case .ioctl: Self.code(Self.read | Self.write, 18, 16)
        case .reset: Self.code(Self.none, 20, 0)
        case .clearHalt: Self.code(Self.read, 21, 4)
        case .getCapabilities: Self.code(Self.read, 26, 4)
        case .disconnectClaim: Self.code(Self.read, 27, 264)
        }
    }

    private static let byNumber = Dictionary(uniqueKeysWithValues: allCases.map { ($0.number, $0) })

    init?(number: UInt) {
        guard let request = Self.byNumber[number] else { return nil }
        self = request
    }
}
