/// TOTP (RFC 6238): HOTP over the number of `period`-second steps since `epoch`.
public struct TOTP: Sendable {
    public let hotp: HOTP
    public let period: Int
    public let epoch: Int64

    public init(secret: Secret, algorithm: OTPAlgorithm = .sha1, digits: Int = 6, period: Int = 30, epoch: Int64 = 0) throws(OTPError) {
        guard period >= 1 else { throw .invalidPeriod(period) }
        self.hotp = try HOTP(secret: secret, algorithm: algorithm, digits: digits)
        self.period = period
        self.epoch = epoch
    }

    /// The time step that contains `unixTime` (seconds since 1970); times before the epoch give step 0.
    public func timeStep(unixTime: Int64) -> UInt64 {
        unixTime <= epoch ? 0 : UInt64(unixTime - epoch) / UInt64(period)
    }

    public func code(unixTime: Int64) -> String {
        hotp.code(counter: timeStep(unixTime: unixTime))
    }
}
