import Checksums
import OTPCore

/// An OATH-HOTP configuration for a YubiKey slot, laid out as the key's 52-byte configuration.
public struct YubiKeyOATHConfiguration: Sendable, CustomStringConvertible {
    public var secret: Secret
    public var digits: Int
    /// Initial moving factor: a multiple of 16, at most 0xFFFF0 (the key stores IMF / 16 in two bytes).
    public var movingFactor: UInt32
    /// Token identifier typed before each code (OMP, TT and MUI bytes), and whether its parts are modhex.
    public var tokenID: [UInt8]
    public var tokenIDModhex = false
    /// The access code the slot will require from now on (nil: none).
    public var newAccessCode: [UInt8]?
    /// Type Enter after the code (APPEND_CR). Off by default, as in ykpersonalize's `-o oath-hotp`.
    public var appendEnter = false
    /// Extended flags (SERIAL_API_VISIBLE 0x04, ...). None by default, as in ykpersonalize.
    public var extendedFlags: UInt8 = 0

    public enum ConfigurationError: Error, Equatable, CustomStringConvertible {
        case secretLength(Int)
        case digits(Int)
        case movingFactor(UInt32)
        case tokenIDLength(Int)
        case accessCodeLength(Int)

        public var description: String {
            switch self {
            case .secretLength(let count): "a YubiKey OATH-HOTP secret is 20 bytes (HMAC-SHA1), not \(count)"
            case .digits(let digits): "a YubiKey types 6 or 8 digits, not \(digits)"
            case .movingFactor(let value): "the initial moving factor must be a multiple of 16 up to 1048560, not \(value)"
            case .tokenIDLength(let count): "a token identifier is at most 16 bytes, not \(count)"
            case .accessCodeLength(let count): "an access code is 6 bytes, not \(count)"
            }
        }
    }

    public init(secret: Secret, digits: Int = 6, movingFactor: UInt32 = 0, tokenID: [UInt8] = [], newAccessCode: [UInt8]? = nil) {
        self.secret = secret
        self.digits = digits
        self.movingFactor = movingFactor
        self.tokenID = tokenID
        self.newAccessCode = newAccessCode
    }

    public var description: String {
        "YubiKeyOATHConfiguration(\(digits) digits, moving factor \(movingFactor), token id \(tokenID.count) bytes, \(secret))"
    }

    /// The 52 bytes: fixed[16] uid[6] key[16] accCode[6] fixedSize extFlags tktFlags cfgFlags rfu[2] crc[2].
    public func encoded() throws(ConfigurationError) -> [UInt8] {
        guard secret.count == 20 else { throw .secretLength(secret.count) }
        guard digits == 6 || digits == 8 else { throw .digits(digits) }
        guard movingFactor % 16 == 0, movingFactor <= 0xFFFF0 else { throw .movingFactor(movingFactor) }
        guard tokenID.count <= 16 else { throw .tokenIDLength(tokenID.count) }
        let accessCode = newAccessCode ?? [UInt8](repeating: 0, count: 6)
        guard accessCode.count == 6 else { throw .accessCodeLength(accessCode.count) }
        let key = secret.bytes
        let factor = UInt16(movingFactor / 16)
        var config = tokenID + [UInt8](repeating: 0, count: 16 - tokenID.count)
        config += Array(key[16..<20]) + [UInt8(factor >> 8), UInt8(factor & 0xff)]
        config += Array(key[0..<16])
        config += accessCode
        config.append(UInt8(tokenID.count))
        config.append(extendedFlags)
        config.append(YubiKeyProtocol.tktOATHHOTP | (appendEnter ? YubiKeyProtocol.tktAppendCR : 0))
        config.append((digits == 8 ? YubiKeyProtocol.cfgOATHHOTP8 : 0) | (tokenIDModhex ? YubiKeyProtocol.cfgOATHFixedModhex : 0))
        config += [0, 0]
        let crc = ~CRC16.checksum(config)
        return config + [UInt8(crc & 0xff), UInt8(crc >> 8)]
    }
}
