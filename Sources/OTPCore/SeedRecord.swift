/// What a verification server needs to check a token's codes: identity, parameters, counter and secret.
///
/// This is the hand-off record of provisioning. Its `description` hides the secret; its JSON form carries it
/// (base32 and hex), so write it only where the seed must go.
public struct SeedRecord: Codable, Equatable, Sendable, CustomStringConvertible {
    public var serial: String
    public var slot: Int
    public var family: String
    public var algorithm: OTPAlgorithm
    public var digits: Int
    /// The counter of the token's next code.
    public var counter: UInt64
    public var secret: Secret

    public init(serial: String, slot: Int, family: String, algorithm: OTPAlgorithm, digits: Int, counter: UInt64, secret: Secret) {
        self.serial = serial
        self.slot = slot
        self.family = family
        self.algorithm = algorithm
        self.digits = digits
        self.counter = counter
        self.secret = secret
    }

    private enum CodingKeys: String, CodingKey { case serial, slot, family, algorithm, digits, counter, secretBase32, secretHex }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        serial = try container.decode(String.self, forKey: .serial)
        slot = try container.decode(Int.self, forKey: .slot)
        family = try container.decode(String.self, forKey: .family)
        algorithm = try container.decode(OTPAlgorithm.self, forKey: .algorithm)
        digits = try container.decode(Int.self, forKey: .digits)
        counter = try container.decode(UInt64.self, forKey: .counter)
        secret = try Secret(hex: container.decode(String.self, forKey: .secretHex))
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(serial, forKey: .serial)
        try container.encode(slot, forKey: .slot)
        try container.encode(family, forKey: .family)
        try container.encode(algorithm, forKey: .algorithm)
        try container.encode(digits, forKey: .digits)
        try container.encode(counter, forKey: .counter)
        try container.encode(secret.base32, forKey: .secretBase32)
        try container.encode(secret.hex, forKey: .secretHex)
    }

    /// The otpauth URI an authenticator app or a verifier's enrolment page accepts.
    public var otpauthURI: OTPAuthURI {
        OTPAuthURI(kind: .hotp(counter: counter), secret: secret, account: "\(family)-\(serial)-slot\(slot)",
                   issuer: "otpkit", algorithm: algorithm, digits: digits)
    }

    public var description: String {
        "SeedRecord(\(family) \(serial) slot \(slot), \(algorithm.rawValue), \(digits) digits, counter \(counter), \(secret))"
    }
}
