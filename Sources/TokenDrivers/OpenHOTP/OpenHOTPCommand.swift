/// Command codes of the OpenHOTP protocol (Firmware-spec/OpenHOTP, section 3).
public enum OpenHOTPCommand: UInt8, Sendable, CaseIterable {
    case getInfo = 0x01
    case readSlot = 0x02
    case stageSecret = 0x03
    case writeSlot = 0x04
    case readCounter = 0x05
    case generate = 0x06
    case eraseSlot = 0x07
    case setPIN = 0x08
    case verifyPIN = 0x09
    case factoryReset = 0x0A
}
