import Checksums

/// Constants of the YubiKey OTP application over HID (yubikey-personalization's ykdef.h, read as facts).
public enum YubiKeyProtocol {
    public static let reportSize = 8
    public static let payloadSize = 64
    public static let configSize = 52
    public static let accessCodeSize = 6

    /// Byte 7 of a status report.
    public static let slotWriteFlag: UInt8 = 0x80
    public static let responsePendingFlag: UInt8 = 0x40

    public enum Command: UInt8, Sendable {
        case config1 = 0x01, config2 = 0x03, swap = 0x06, deviceSerial = 0x10
    }

    // Configuration flags used for OATH-HOTP.
    public static let tktOATHHOTP: UInt8 = 0x40
    public static let tktAppendCR: UInt8 = 0x20
    public static let cfgOATHHOTP8: UInt8 = 0x02
    public static let cfgOATHFixedModhex: UInt8 = 0x50
    public static let extSerialAPIVisible: UInt8 = 0x04

    /// touchLevel bits of the status.
    public static let config1Valid: UInt16 = 0x01
    public static let config2Valid: UInt16 = 0x02

    /// The 70-byte frame of a command: payload (zero padded to 64), command, CRC-16 of the payload (little-endian,
    /// not inverted), three zero bytes.
    public static func frame(command: UInt8, payload: [UInt8]) -> [UInt8] {
        precondition(payload.count <= payloadSize)
        let padded = payload + [UInt8](repeating: 0, count: payloadSize - payload.count)
        let crc = CRC16.checksum(padded)
        return padded + [command, UInt8(crc & 0xff), UInt8(crc >> 8), 0, 0, 0]
    }

    /// The frame cut into 8-byte reports (7 data bytes and 0x80 | sequence); all-zero pieces are skipped
    /// except the first and the last, as the vendor's tools do.
    public static func reports(of frame: [UInt8]) -> [[UInt8]] {
        (0..<10).compactMap { sequence in
            let piece = Array(frame[(sequence * 7)..<(sequence * 7 + 7)])
            if sequence != 0 && sequence != 9 && piece.allSatisfy({ $0 == 0 }) { return nil }
            return piece + [slotWriteFlag | UInt8(sequence)]
        }
    }
}
