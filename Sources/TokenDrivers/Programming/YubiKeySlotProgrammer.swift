import OTPCore

/// YubiKey OTP slots 1 and 2 as OATH-HOTP: HMAC-SHA1 with a 20-byte key, 6 or 8 digits, a moving factor that is a
/// multiple of 16 (rounded down when asked), no name, access codes, token id and flags. The key confirms by moving
/// its programming sequence; it cannot show the slot afterwards.
public struct YubiKeySlotProgrammer: HOTPSlotProgrammer {
    public let driver: YubiKeyDriver
    public let status: YubiKeyStatus
    public let serial: String
    public var family: TokenFamily { .yubiKey }
    public var defaultSlot: Int { 1 }
    public var canCheckFirstCode: Bool { false }
    /// The largest moving factor a YubiKey stores (it keeps the factor / 16 in 16 bits).
    public static let maxMovingFactor: UInt64 = 0xFFFF0

    public init(driver: YubiKeyDriver, status: YubiKeyStatus, serial: String) {
        self.driver = driver
        self.status = status
        self.serial = serial
    }

    public func program(_ request: HOTPSlotRequest) throws(HOTPProgrammingError) -> HOTPSlotProgrammed {
        let secret = request.secret, extras = request.yubiKey, counter = request.counter
        guard secret.count == 20 else {
            throw .invalidRequest("a YubiKey OATH-HOTP slot takes a 20-byte secret, not \(secret.count) bytes", fix: .secretLength(20))
        }
        guard request.algorithm == .sha1 else { throw .invalidRequest("a YubiKey computes HOTP with SHA1 only") }
        guard request.digits == 6 || request.digits == 8 else { throw .invalidRequest("a YubiKey types 6 or 8 digits") }
        guard request.name.isEmpty else { throw .invalidRequest("a YubiKey slot has no name", fix: .noName) }
        var movingFactor = counter
        var rounded: UInt64?
        if movingFactor % 16 != 0 || movingFactor > Self.maxMovingFactor {
            let roundedDown = min(counter - counter % 16, Self.maxMovingFactor)
            guard extras.roundMovingFactor, movingFactor <= 0xFFFFF else {
                throw .invalidRequest("a YubiKey stores the initial moving factor in steps of 16 (up to 1048560); \(counter) is not one. "
                                      + "Give a multiple of 16, or let it be rounded down to \(roundedDown)",
                                      fix: .roundMovingFactor(from: counter, to: roundedDown))
            }
            movingFactor = roundedDown
            rounded = movingFactor
        }
        let slot = request.slot ?? defaultSlot
        let programmed = slot == 1 ? status.slot1Programmed : status.slot2Programmed
        if programmed && !request.overwrite {
            throw .slotProgrammed("slot \(slot) of YubiKey \(serial) is programmed already")
        }
        var configuration = YubiKeyOATHConfiguration(secret: secret, digits: request.digits, movingFactor: UInt32(movingFactor))
        configuration.newAccessCode = extras.newAccessCode
        configuration.appendEnter = extras.appendEnter
        if let tokenID = extras.tokenID {
            guard (1...16).contains(tokenID.count) else { throw .invalidRequest("a YubiKey token id is 1 to 16 bytes") }
            configuration.tokenID = tokenID
            configuration.tokenIDModhex = extras.tokenIDModhex
        }
        configuration.extendedFlags = extras.serialVisible ? YubiKeyProtocol.extSerialAPIVisible : 0
        do { try driver.program(slot: slot, configuration, accessCode: extras.accessCode) } catch { throw .driver(.yubiKey(error)) }
        let summary = "OATH-HOTP SHA1, \(request.digits) digits, moving factor \(movingFactor)"
            + (configuration.newAccessCode == nil ? "" : ", access code set")
        let seed = SeedRecord(serial: serial, slot: slot, family: TokenFamily.yubiKey.rawValue, issuer: "Yubico", algorithm: .sha1,
                              digits: request.digits, counter: movingFactor, secret: secret)
        return HOTPSlotProgrammed(seed: seed, summary: summary, roundedCounter: rounded)
    }
}
