import Checksums

/// The token's reading of the OpenHOTP frame layout (Firmware-spec/OpenHOTP, section 2).
/// Kept apart from the host driver's codec on purpose: the two sides meet only in the spec and its vectors.
enum OpenHOTPWire {
    static let reportSize = 64
    static let maxPayload = 56
    static let crcOffset = 60

    enum Command: UInt8 {
        case getInfo = 0x01, readSlot, stageSecret, writeSlot, readCounter, generate, eraseSlot, setPIN, verifyPIN, factoryReset
    }

    enum Status: UInt8 {
        case ok = 0x00, unknownCommand, badCRC, malformedFrame, invalidSlot, slotEmpty, invalidParameter, authRequired
        case wrongPIN, pinLocked, badSequence, pending, touchTimeout, noReply, counterExhausted, storageError
    }

    enum Algorithm: UInt8 { case sha1 = 1, sha256 = 2, sha512 = 3 }

    /// A request as received: either usable, or the status it must be refused with.
    struct Request {
        let command: UInt8
        let sequence: UInt8
        let payload: [UInt8]
    }

    static func parse(_ report: [UInt8]) -> Result<Request, RejectedRequest> {
        let command = report[0], sequence = report[1]
        let received = UInt32(report[60]) | UInt32(report[61]) << 8 | UInt32(report[62]) << 16 | UInt32(report[63]) << 24
        guard CRC32.checksum(report[0..<crcOffset]) == received else {
            return .failure(RejectedRequest(command: command, sequence: sequence, status: .badCRC))
        }
        let length = Int(report[3])
        guard report[2] == 0, length <= maxPayload, report[(4 + length)..<crcOffset].allSatisfy({ $0 == 0 }) else {
            return .failure(RejectedRequest(command: command, sequence: sequence, status: .malformedFrame))
        }
        return .success(Request(command: command, sequence: sequence, payload: Array(report[4..<(4 + length)])))
    }

    struct RejectedRequest: Error {
        let command: UInt8
        let sequence: UInt8
        let status: Status
    }

    static func reply(command: UInt8, sequence: UInt8, status: Status, payload: [UInt8] = []) -> [UInt8] {
        var frame = [command, sequence, status.rawValue, UInt8(payload.count)] + payload
        frame += [UInt8](repeating: 0, count: crcOffset - frame.count)
        let crc = CRC32.checksum(frame)
        return frame + [UInt8(truncatingIfNeeded: crc), UInt8(truncatingIfNeeded: crc >> 8),
                        UInt8(truncatingIfNeeded: crc >> 16), UInt8(truncatingIfNeeded: crc >> 24)]
    }
}

extension Array where Element == UInt8 {
    /// Appends `value` big-endian.
    mutating func appendBigEndian<T: FixedWidthInteger>(_ value: T) {
        Swift.withUnsafeBytes(of: value.bigEndian) { append(contentsOf: $0) }
    }
}
