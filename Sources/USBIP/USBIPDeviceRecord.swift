/// The 312-byte `usbip_usb_device` record, plus the 4-byte interface records a device list appends.
public struct USBIPDeviceRecord: Equatable, Sendable {
    public static let recordSize = 312

    public struct Interface: Equatable, Sendable {
        public var interfaceClass: UInt8
        public var subclass: UInt8
        public var interfaceProtocol: UInt8

        public init(interfaceClass: UInt8, subclass: UInt8, interfaceProtocol: UInt8) {
            self.interfaceClass = interfaceClass
            self.subclass = subclass
            self.interfaceProtocol = interfaceProtocol
        }
    }

    /// USB speeds as USB/IP numbers them.
    public enum Speed: UInt32, Sendable { case unknown = 0, low = 1, full = 2, high = 3, wireless = 4, superSpeed = 5 }

    public var path: String
    public var busID: String
    public var busNumber: UInt32
    public var deviceNumber: UInt32
    public var speed: Speed
    public var vendorID: UInt16
    public var productID: UInt16
    public var deviceVersion: UInt16
    public var deviceClass: UInt8 = 0
    public var deviceSubclass: UInt8 = 0
    public var deviceProtocol: UInt8 = 0
    public var configurationValue: UInt8 = 1
    public var configurationCount: UInt8 = 1
    public var interfaces: [Interface]

    public init(path: String, busID: String, busNumber: UInt32, deviceNumber: UInt32, speed: Speed, vendorID: UInt16,
                productID: UInt16, deviceVersion: UInt16, interfaces: [Interface]) {
        self.path = path
        self.busID = busID
        self.busNumber = busNumber
        self.deviceNumber = deviceNumber
        self.speed = speed
        self.vendorID = vendorID
        self.productID = productID
        self.deviceVersion = deviceVersion
        self.interfaces = interfaces
    }

    /// The kernel's device id for URBs: busnum << 16 | devnum.
    public var deviceID: UInt32 { busNumber << 16 | deviceNumber }

    func write(to writer: inout ByteWriter, withInterfaces: Bool) {
        writer.putPadded(path, size: 256)
        writer.putPadded(busID, size: USBIPOperation.busIDSize)
        writer.put(busNumber)
        writer.put(deviceNumber)
        writer.put(speed.rawValue)
        writer.put(vendorID)
        writer.put(productID)
        writer.put(deviceVersion)
        writer.put([deviceClass, deviceSubclass, deviceProtocol, configurationValue, configurationCount,
                    UInt8(interfaces.count)])
        guard withInterfaces else { return }
        for interface in interfaces {
            writer.put([interface.interfaceClass, interface.subclass, interface.interfaceProtocol, 0])
        }
    }

    /// Reads a record; the interface records follow only in a device list.
    public static func read(from reader: inout ByteReader, withInterfaces: Bool) throws(USBIPError) -> USBIPDeviceRecord {
        let path = try reader.getPadded(size: 256)
        let busID = try reader.getPadded(size: USBIPOperation.busIDSize)
        let busNumber: UInt32 = try reader.get()
        let deviceNumber: UInt32 = try reader.get()
        let speed = Speed(rawValue: try reader.get(UInt32.self)) ?? .unknown
        let vendorID: UInt16 = try reader.get()
        let productID: UInt16 = try reader.get()
        let deviceVersion: UInt16 = try reader.get()
        let fields = try reader.get(count: 6)
        var record = USBIPDeviceRecord(path: path, busID: busID, busNumber: busNumber, deviceNumber: deviceNumber,
                                       speed: speed, vendorID: vendorID, productID: productID,
                                       deviceVersion: deviceVersion, interfaces: [])
        (record.deviceClass, record.deviceSubclass, record.deviceProtocol) = (fields[0], fields[1], fields[2])
        (record.configurationValue, record.configurationCount) = (fields[3], fields[4])
        if withInterfaces {
            for _ in 0..<fields[5] {
                let raw = try reader.get(count: 4)
                record.interfaces.append(Interface(interfaceClass: raw[0], subclass: raw[1], interfaceProtocol: raw[2]))
            }
        }
        return record
    }
}
