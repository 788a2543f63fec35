/// The operation messages exchanged before a device is imported (usbip_network.h).
public enum USBIPOperation {
    public static let version: UInt16 = 0x0111
    public static let headerSize = 8
    public static let busIDSize = 32

    public static let requestDeviceList: UInt16 = 0x8005
    public static let replyDeviceList: UInt16 = 0x0005
    public static let requestImport: UInt16 = 0x8003
    public static let replyImport: UInt16 = 0x0003

    /// Status values of an operation reply (ST_OK, ST_NA, ST_DEV_BUSY, ST_DEV_ERR, ST_NODEV, ST_ERROR).
    public enum Status: UInt32, Sendable {
        case ok = 0, notAvailable = 1, deviceBusy = 2, deviceError = 3, noDevice = 4, error = 5
    }

    /// A client's request, as the server reads it.
    public enum Request: Equatable, Sendable {
        case deviceList
        case importDevice(busID: String)
    }

    public static func header(code: UInt16, status: Status = .ok) -> [UInt8] {
        var writer = ByteWriter()
        writer.put(version)
        writer.put(code)
        writer.put(status.rawValue)
        return writer.bytes
    }

    /// Parses one request from the front of `bytes`; nil when more bytes are needed.
    public static func parseRequest(_ bytes: [UInt8]) throws(USBIPError) -> (Request, consumed: Int)? {
        guard bytes.count >= headerSize else { return nil }
        var reader = ByteReader(bytes)
        let version: UInt16 = try reader.get()
        let code: UInt16 = try reader.get()
        _ = try reader.get(UInt32.self)
        guard version == Self.version else { throw .unsupportedVersion(version) }
        switch code {
        case requestDeviceList:
            return (.deviceList, headerSize)
        case requestImport:
            guard bytes.count >= headerSize + busIDSize else { return nil }
            return (.importDevice(busID: try reader.getPadded(size: busIDSize)), headerSize + busIDSize)
        default:
            throw .unknownOperation(code)
        }
    }

    public static func encodeRequest(_ request: Request) -> [UInt8] {
        switch request {
        case .deviceList:
            return header(code: requestDeviceList)
        case .importDevice(let busID):
            var writer = ByteWriter()
            writer.put(header(code: requestImport))
            writer.putPadded(busID, size: busIDSize)
            return writer.bytes
        }
    }

    public static func encodeDeviceList(_ devices: [USBIPDeviceRecord]) -> [UInt8] {
        var writer = ByteWriter()
        writer.put(header(code: replyDeviceList))
        writer.put(UInt32(devices.count))
        for device in devices {
            device.write(to: &writer, withInterfaces: true)
        }
        return writer.bytes
    }

    public static func encodeImportReply(_ device: USBIPDeviceRecord?, status: Status) -> [UInt8] {
        var writer = ByteWriter()
        writer.put(header(code: replyImport, status: device == nil ? (status == .ok ? .error : status) : .ok))
        device?.write(to: &writer, withInterfaces: false)
        return writer.bytes
    }

    /// Reads an operation reply header and checks its code; returns the status.
    public static func readReplyHeader(_ reader: inout ByteReader, expecting code: UInt16) throws(USBIPError) -> UInt32 {
        let version: UInt16 = try reader.get()
        let received: UInt16 = try reader.get()
        let status: UInt32 = try reader.get()
        guard version == Self.version else { throw .unsupportedVersion(version) }
        guard received == code else { throw .unknownOperation(received) }
        return status
    }
}
