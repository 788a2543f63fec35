/// The 8-byte SETUP packet of a control transfer (USB 2.0, section 9.3). Little-endian on the wire.
public struct USBSetupPacket: Equatable, Sendable, CustomStringConvertible {
    public var requestType: UInt8
    public var request: UInt8
    public var value: UInt16
    public var index: UInt16
    public var length: UInt16

    public init(requestType: UInt8, request: UInt8, value: UInt16, index: UInt16, length: UInt16) {
        self.requestType = requestType
        self.request = request
        self.value = value
        self.index = index
        self.length = length
    }

    public init?(bytes: some Collection<UInt8>) {
        guard bytes.count == 8 else { return nil }
        let b = Array(bytes)
        self.init(requestType: b[0], request: b[1], value: UInt16(b[2]) | UInt16(b[3]) << 8,
                  index: UInt16(b[4]) | UInt16(b[5]) << 8, length: UInt16(b[6]) | UInt16(b[7]) << 8)
    }

    public var bytes: [UInt8] {
        [requestType, request, UInt8(value & 0xff), UInt8(value >> 8), UInt8(index & 0xff), UInt8(index >> 8),
         UInt8(length & 0xff), UInt8(length >> 8)]
    }

    /// Bit 7 of bmRequestType: the data stage goes device-to-host.
    public var isDeviceToHost: Bool { requestType & 0x80 != 0 }
    public var kind: Kind { Kind(rawValue: (requestType >> 5) & 0x03) ?? .reserved }
    public var recipient: Recipient { Recipient(rawValue: requestType & 0x1f) ?? .other }

    public enum Kind: UInt8, Sendable { case standard = 0, `class` = 1, vendor = 2, reserved = 3 }
    public enum Recipient: UInt8, Sendable { case device = 0, interface = 1, endpoint = 2, other = 3 }

    /// The request's name where it is one of the usual ones (`SET_REPORT`, `GET_DESCRIPTOR`), else the raw fields.
    public var name: String {
        switch (kind, request) {
        case (.class, HIDRequest.setReport): "SET_REPORT"
        case (.class, HIDRequest.getReport): "GET_REPORT"
        case (.class, HIDRequest.setIdle): "SET_IDLE"
        case (.standard, USBStandardRequest.getDescriptor): "GET_DESCRIPTOR"
        case (.standard, USBStandardRequest.setConfiguration): "SET_CONFIGURATION"
        default: description
        }
    }

    public var description: String {
        "setup(type 0x\(hex(requestType)), request 0x\(hex(request)), value 0x\(hex(value)), index \(index), length \(length))"
    }

    private func hex(_ value: some BinaryInteger) -> String { String(value, radix: 16) }
}

/// Standard request codes (USB 2.0, table 9-4) and descriptor types.
public enum USBStandardRequest {
    public static let getStatus: UInt8 = 0x00
    public static let clearFeature: UInt8 = 0x01
    public static let setFeature: UInt8 = 0x03
    public static let setAddress: UInt8 = 0x05
    public static let getDescriptor: UInt8 = 0x06
    public static let setDescriptor: UInt8 = 0x07
    public static let getConfiguration: UInt8 = 0x08
    public static let setConfiguration: UInt8 = 0x09
    public static let getInterface: UInt8 = 0x0A
    public static let setInterface: UInt8 = 0x0B
}

public enum USBDescriptorType {
    public static let device: UInt8 = 0x01
    public static let configuration: UInt8 = 0x02
    public static let string: UInt8 = 0x03
    public static let interface: UInt8 = 0x04
    public static let endpoint: UInt8 = 0x05
    public static let deviceQualifier: UInt8 = 0x06
    public static let hid: UInt8 = 0x21
    public static let hidReport: UInt8 = 0x22
}

/// HID class requests (HID 1.11, section 7.2) and the setup packets a host uses for feature reports.
public enum HIDRequest {
    public static let getReport: UInt8 = 0x01
    public static let getIdle: UInt8 = 0x02
    public static let getProtocol: UInt8 = 0x03
    public static let setReport: UInt8 = 0x09
    public static let setIdle: UInt8 = 0x0A
    public static let setProtocol: UInt8 = 0x0B

    public static let featureReportType: UInt8 = 0x03

    /// GET_REPORT(feature) to `interface`: class request, interface recipient, device-to-host.
    public static func getFeatureReport(interface: UInt16, reportID: UInt8 = 0, length: UInt16) -> USBSetupPacket {
        USBSetupPacket(requestType: 0xA1, request: getReport, value: UInt16(featureReportType) << 8 | UInt16(reportID),
                       index: interface, length: length)
    }

    /// SET_REPORT(feature) to `interface`: class request, interface recipient, host-to-device.
    public static func setFeatureReport(interface: UInt16, reportID: UInt8 = 0, length: UInt16) -> USBSetupPacket {
        USBSetupPacket(requestType: 0x21, request: setReport, value: UInt16(featureReportType) << 8 | UInt16(reportID),
                       index: interface, length: length)
    }
}
