import Checksums
import Foundation
import OTPCore

/// The host side of a Nitrokey Pro (firmware 0.8+) or Storage's HOTP slots over 64-byte feature reports:
/// status, admin authentication to a temporary password, writing (SEND_OTP_DATA then WRITE_TO_SLOT), reading a
/// slot with its counter, codes, erasing.
public final class NitrokeyDriver {
    public static let slotCount = 3
    public static let maxSecretLength = 40
    public static let maxNameLength = 15
    private let channel: FeatureReportChannel
    public var retries = 15
    public var retryDelay: TimeInterval = 0.1
    /// The pause between retries; cancelling it ends a wait for a busy key at once.
    public var pollWait = PollWait()

    public struct Status: Equatable, Sendable, Codable {
        public let firmware: String
        public let serial: UInt32
    }

    public struct Slot: Equatable, Sendable, Codable {
        public let slot: Int
        public let name: String
        public let digits: Int
        public let counter: UInt64
    }

    /// The key's own answer codes (last_command_status), and transport trouble.
    public enum NitrokeyError: Error, Equatable, CustomStringConvertible {
        case refused(String, code: UInt8)
        case wrongPIN(retriesLeft: Int)
        case badReply(String)
        case invalidRequest(String)
        case transport(TransportError)

        public var description: String {
            switch self {
            case .refused(let reason, _): reason
            case .wrongPIN(let retries):
                retries == 0 ? "wrong admin PIN; the PIN is now locked (the Nitrokey app can unlock it with the PUK/reset)"
                             : "wrong admin PIN (\(retries) \(retries == 1 ? "try" : "tries") left)"
            case .badReply(let detail): "the Nitrokey sent a bad reply: \(detail)"
            case .invalidRequest(let detail): detail
            case .transport(let error): error.description
            }
        }
    }

    public init(channel: FeatureReportChannel) {
        self.channel = channel
    }

    public func status() throws(NitrokeyError) -> Status {
        let payload = try transact(0x00, [])
        let serial = UInt32(payload[2]) | UInt32(payload[3]) << 8 | UInt32(payload[4]) << 16 | UInt32(payload[5]) << 24
        return Status(firmware: "\(payload[1]).\(payload[0])", serial: serial)
    }

    public func adminRetryCount() throws(NitrokeyError) -> Int {
        Int(try transact(0x09, [])[0])
    }

    /// FIRST_AUTHENTICATE: the admin PIN opens a fresh random temporary password for the writes that follow.
    public func authenticateAdmin(pin: String) throws(NitrokeyError) -> [UInt8] {
        let temporary = Array(Secret.random(byteCount: 24).base32.prefix(24).utf8) + [0]
        do {
            _ = try transact(0x07, Self.field(Array(pin.utf8), 25) + temporary)
        } catch .refused(_, code: 4) {
            throw .wrongPIN(retriesLeft: (try? adminRetryCount()) ?? 0)
        }
        return temporary
    }

    public func writeHOTPSlot(_ slot: Int, name: String, secret: Secret, counter: UInt64, digits: Int,
                              temporaryPassword: [UInt8]) throws(NitrokeyError) {
        guard (0..<Self.slotCount).contains(slot) else { throw .invalidRequest("a Nitrokey has HOTP slots 0 to 2") }
        guard secret.count <= Self.maxSecretLength else { throw .invalidRequest("a Nitrokey secret is at most 40 bytes") }
        guard digits == 6 || digits == 8 else { throw .invalidRequest("a Nitrokey gives 6 or 8 digits") }
        let nameBytes = Array(name.utf8)
        guard (1...Self.maxNameLength).contains(nameBytes.count) else { throw .invalidRequest("a Nitrokey slot name is 1 to 15 bytes") }
        let password = Self.field(temporaryPassword, 25)
        _ = try transact(0x17, password + [UInt8(ascii: "N"), 0] + Self.field(nameBytes, 30))
        let padded = secret.bytes + [UInt8](repeating: 0, count: Self.maxSecretLength - secret.count)
        for chunk in 0..<2 {
            _ = try transact(0x17, password + [UInt8(ascii: "S"), UInt8(chunk)] + Self.field(Array(padded[(chunk * 30)..<min(40, chunk * 30 + 30)]), 30))
        }
        var payload = password + [0x10 + UInt8(slot)]
        Swift.withUnsafeBytes(of: counter.littleEndian) { payload.append(contentsOf: $0) }
        payload += [digits == 8 ? 0x01 : 0x00] + [UInt8](repeating: 0, count: 13)
        _ = try transact(0x01, payload)
    }

    /// READ_SLOT: name, digits and the counter of the next code; nil for an empty slot.
    public func readHOTPSlot(_ slot: Int) throws(NitrokeyError) -> Slot? {
        guard (0..<Self.slotCount).contains(slot) else { throw .invalidRequest("a Nitrokey has HOTP slots 0 to 2") }
        let payload: [UInt8]
        do {
            payload = try transact(0x03, [0x10 + UInt8(slot), 0])
        } catch .refused(_, code: 3) {
            return nil
        }
        let name = String(decoding: payload[0..<15].prefix(while: { $0 != 0 }), as: UTF8.self)
        let counter = payload[29..<37].reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        return Slot(slot: slot, name: name, digits: payload[15] & 0x01 != 0 ? 8 : 6, counter: counter)
    }

    /// GET_CODE: the next code (the key advances its counter).
    public func code(_ slot: Int) throws(NitrokeyError) -> String {
        guard (0..<Self.slotCount).contains(slot) else { throw .invalidRequest("a Nitrokey has HOTP slots 0 to 2") }
        let payload = try transact(0x04, [0x10 + UInt8(slot)])
        let value = UInt32(payload[0]) | UInt32(payload[1]) << 8 | UInt32(payload[2]) << 16 | UInt32(payload[3]) << 24
        let digits = payload[4] & 0x01 != 0 ? 8 : 6
        let text = String(value)
        return String(repeating: "0", count: max(0, digits - text.count)) + text
    }

    public func eraseHOTPSlot(_ slot: Int, temporaryPassword: [UInt8]) throws(NitrokeyError) {
        guard (0..<Self.slotCount).contains(slot) else { throw .invalidRequest("a Nitrokey has HOTP slots 0 to 2") }
        _ = try transact(0x06, [0x10 + UInt8(slot)] + Self.field(temporaryPassword, 25))
    }

    // MARK: Framing

    static let statusMessages: [UInt8: String] = [
        1: "the Nitrokey received a corrupted request (CRC)", 2: "no such slot on this Nitrokey",
        3: "the slot is not programmed", 4: "wrong password", 5: "not authorised: give the admin PIN (--pin-file or OTPKIT_PIN)",
        7: "the slot needs a name", 8: "this Nitrokey does not support that", 9: "this Nitrokey does not know that command",
    ]

    /// One request and its answer's payload (53 bytes), waiting while the key reports busy.
    private func transact(_ command: UInt8, _ payload: [UInt8]) throws(NitrokeyError) -> [UInt8] {
        var request = [command] + Self.field(payload, 59)
        let crc = STM32CRC32.checksum(request)
        Swift.withUnsafeBytes(of: crc.littleEndian) { request.append(contentsOf: $0) }
        do { try channel.setFeatureReport(request) } catch { throw .transport(error) }
        for _ in 0..<retries {
            let reply: [UInt8]
            do { reply = try channel.getFeatureReport(length: 64) } catch { throw .transport(error) }
            guard reply.count == 64 else { throw .badReply("short report") }
            let echoed = UInt32(reply[2]) | UInt32(reply[3]) << 8 | UInt32(reply[4]) << 16 | UInt32(reply[5]) << 24
            if reply[0] == 1 || reply[1] != command || echoed != crc {  // busy, or still the previous answer
                do { try pollWait.pause(retryDelay) } catch { throw .transport(error) }
                continue
            }
            let stored = UInt32(reply[60]) | UInt32(reply[61]) << 8 | UInt32(reply[62]) << 16 | UInt32(reply[63]) << 24
            guard STM32CRC32.checksum([0] + reply[1..<60]) == stored else { throw .badReply("CRC mismatch") }
            guard reply[6] == 0 else {
                throw .refused(Self.statusMessages[reply[6]] ?? "the Nitrokey refused (status \(reply[6]))", code: reply[6])
            }
            return Array(reply[7..<60])
        }
        throw .transport(.timedOut("the Nitrokey stayed busy"))
    }

    /// A fixed-size field, zero padded.
    static func field(_ bytes: [UInt8], _ size: Int) -> [UInt8] {
        Array(bytes.prefix(size)) + [UInt8](repeating: 0, count: max(0, size - bytes.count))
    }
}
