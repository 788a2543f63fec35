/// The 8-byte status report: firmware version, programming sequence, valid slots, touch state.
public struct YubiKeyStatus: Equatable, Sendable, Codable {
    public var firmware: String
    public var programmingSequence: UInt8
    public var touchLevel: UInt16
    public var flags: UInt8

    public init(report: [UInt8]) {
        firmware = "\(report[1]).\(report[2]).\(report[3])"
        programmingSequence = report[4]
        touchLevel = UInt16(report[5]) | UInt16(report[6]) << 8
        flags = report[7]
    }

    public var slot1Programmed: Bool { touchLevel & YubiKeyProtocol.config1Valid != 0 }
    public var slot2Programmed: Bool { touchLevel & YubiKeyProtocol.config2Valid != 0 }
}
