import USBProtocol

/// What a device declares about itself; `USBDescriptorSet` turns it into descriptor bytes.
public struct USBDeviceDescription: Sendable {
    public var vendorID: UInt16
    public var productID: UInt16
    public var deviceVersion: UInt16
    public var manufacturer: String
    public var product: String
    public var serialNumber: String
    public var maxPower2mA: UInt8 = 50
    public var interfaces: [HIDInterfaceDescription]

    public init(vendorID: UInt16, productID: UInt16, deviceVersion: UInt16, manufacturer: String, product: String,
                serialNumber: String, interfaces: [HIDInterfaceDescription]) {
        self.vendorID = vendorID
        self.productID = productID
        self.deviceVersion = deviceVersion
        self.manufacturer = manufacturer
        self.product = product
        self.serialNumber = serialNumber
        self.interfaces = interfaces
    }
}

public struct HIDInterfaceDescription: Sendable {
    public var subclass: UInt8
    public var interfaceProtocol: UInt8
    public var reportDescriptor: [UInt8]
    public var endpoints: [USBEndpointDescription]

    public init(subclass: UInt8 = 0, interfaceProtocol: UInt8 = 0, reportDescriptor: [UInt8], endpoints: [USBEndpointDescription]) {
        self.subclass = subclass
        self.interfaceProtocol = interfaceProtocol
        self.reportDescriptor = reportDescriptor
        self.endpoints = endpoints
    }
}

public struct USBEndpointDescription: Sendable {
    public static let interruptTransfer: UInt8 = 0x03

    public var address: UInt8
    public var attributes: UInt8
    public var maxPacketSize: UInt16
    public var interval: UInt8

    public static func interruptIn(_ number: UInt8, maxPacketSize: UInt16, interval: UInt8) -> Self {
        Self(address: 0x80 | number, attributes: interruptTransfer, maxPacketSize: maxPacketSize, interval: interval)
    }
}

/// The descriptor bytes of a full-speed HID device with one configuration.
public struct USBDescriptorSet: Sendable {
    public static let hidClass: UInt8 = 0x03
    public static let englishUS: UInt16 = 0x0409
    public static let manufacturerIndex: UInt8 = 1
    public static let productIndex: UInt8 = 2
    public static let serialIndex: UInt8 = 3

    public let description: USBDeviceDescription
    public let device: [UInt8]
    public let configuration: [UInt8]

    public init(_ description: USBDeviceDescription) {
        self.description = description
        device = [18, USBDescriptorType.device, 0x00, 0x02, 0, 0, 0, 64]
            + Self.le(description.vendorID) + Self.le(description.productID) + Self.le(description.deviceVersion)
            + [Self.manufacturerIndex, Self.productIndex, Self.serialIndex, 1]

        var body: [UInt8] = []
        for (number, interface) in description.interfaces.enumerated() {
            body += [9, USBDescriptorType.interface, UInt8(number), 0, UInt8(interface.endpoints.count), Self.hidClass,
                     interface.subclass, interface.interfaceProtocol, 0]
            body += Self.hidDescriptor(interface)
            for endpoint in interface.endpoints {
                body += [7, USBDescriptorType.endpoint, endpoint.address, endpoint.attributes]
                    + Self.le(endpoint.maxPacketSize) + [endpoint.interval]
            }
        }
        configuration = [9, USBDescriptorType.configuration] + Self.le(UInt16(9 + body.count))
            + [UInt8(description.interfaces.count), 1, 0, 0x80, description.maxPower2mA] + body
    }

    /// The HID descriptor of an interface (HID 1.11 section 6.2.1): bcdHID 1.11, no country, one report descriptor.
    public static func hidDescriptor(_ interface: HIDInterfaceDescription) -> [UInt8] {
        [9, USBDescriptorType.hid, 0x11, 0x01, 0, 1, USBDescriptorType.hidReport] + le(UInt16(interface.reportDescriptor.count))
    }

    /// String descriptor `index` (0 is the language list), or nil when there is none.
    public func string(_ index: UInt8) -> [UInt8]? {
        let text: String
        switch index {
        case 0: return [4, USBDescriptorType.string] + Self.le(Self.englishUS)
        case Self.manufacturerIndex: text = description.manufacturer
        case Self.productIndex: text = description.product
        case Self.serialIndex: text = description.serialNumber
        default: return nil
        }
        let utf16 = text.utf16.flatMap { Self.le($0) }
        return [UInt8(2 + utf16.count), USBDescriptorType.string] + utf16
    }

    static func le(_ value: UInt16) -> [UInt8] { [UInt8(value & 0xff), UInt8(value >> 8)] }
}
