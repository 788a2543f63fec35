/// What a verification server needs to check a token's codes: identity, parameters, counter and secret.
///
/// This is the hand-off record of provisioning. Its `description` hides the secret; its JSON form carries it
/// (base32 and hex), so write it only where the seed must go.
public struct SeedRecord: Codable, Equatable, Sendable, CustomStringConvertible {
    public var serial: String
    /// The token slot the secret lives in, when the token has several.
    public var slot: Int?
    /// The token family (`OpenHOTP`, `YubiKey`, ...), when known.
    public var family: String?
    public var issuer: String?
    public var algorithm: OTPAlgorithm
    public var digits: Int
    /// HOTP: the counter of the token's next code.
    public var counter: UInt64
    /// Set for a TOTP credential: the time step in seconds.
    public var period: Int?
    /// TOTP: how many time steps the token's clock is off (positive: ahead), as the sender measured it (PSKC
    /// `TimeDrift`); nil when unknown.
    public var timeDrift: Int?
    /// The user the token is handed to (PSKC `UserId`, seed JSON `user`): a verifier assigns it on import.
    public var user: String?
    public var secret: Secret

    /// The largest drift, in steps either way, a seed record may carry: more is a broken clock, not a drift.
    public static let maximumTimeDrift = 100_000

    public init(serial: String, slot: Int? = nil, family: String? = nil, issuer: String? = nil, algorithm: OTPAlgorithm = .sha1,
                digits: Int = 6, counter: UInt64 = 0, period: Int? = nil, timeDrift: Int? = nil, user: String? = nil, secret: Secret) {
        self.serial = serial
        self.slot = slot
        self.family = family
        self.issuer = issuer
        self.algorithm = algorithm
        self.digits = digits
        self.counter = counter
        self.period = period
        self.timeDrift = timeDrift
        self.user = user
        self.secret = secret
    }

    /// The id a verifier files the token under: the serial, with the slot when there is one (`12345678-0`).
    public var tokenID: String { slot.map { "\(serial)-\($0)" } ?? serial }

    private enum CodingKeys: String, CodingKey {
        case serial, slot, family, issuer, algorithm, digits, counter, period, timeDrift, user, secretBase32, secretHex
    }

    /// Reads the secret from `secretHex`, or from `secretBase32` when there is no hex form.
    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        serial = try container.decode(String.self, forKey: .serial)
        slot = try container.decodeIfPresent(Int.self, forKey: .slot)
        family = try container.decodeIfPresent(String.self, forKey: .family)
        issuer = try container.decodeIfPresent(String.self, forKey: .issuer)
        algorithm = try container.decodeIfPresent(OTPAlgorithm.self, forKey: .algorithm) ?? .sha1
        digits = try container.decodeIfPresent(Int.self, forKey: .digits) ?? 6
        counter = try container.decodeIfPresent(UInt64.self, forKey: .counter) ?? 0
        period = try container.decodeIfPresent(Int.self, forKey: .period)
        timeDrift = try container.decodeIfPresent(Int.self, forKey: .timeDrift)
        if let timeDrift, abs(timeDrift) > Self.maximumTimeDrift {
            throw DecodingError.dataCorruptedError(forKey: .timeDrift, in: container,
                                                   debugDescription: "more than \(Self.maximumTimeDrift) steps")
        }
        user = try container.decodeIfPresent(String.self, forKey: .user)
        // The secret's own error would name neither the field nor the problem in JSON terms (and never its value).
        if let hex = try container.decodeIfPresent(String.self, forKey: .secretHex) {
            do { secret = try Secret(hex: hex) } catch {
                throw DecodingError.dataCorruptedError(forKey: .secretHex, in: container, debugDescription: error.description)
            }
        } else {
            let base32 = try container.decode(String.self, forKey: .secretBase32)
            do { secret = try Secret(base32: base32) } catch {
                throw DecodingError.dataCorruptedError(forKey: .secretBase32, in: container, debugDescription: error.description)
            }
        }
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(serial, forKey: .serial)
        try container.encodeIfPresent(slot, forKey: .slot)
        try container.encodeIfPresent(family, forKey: .family)
        try container.encodeIfPresent(issuer, forKey: .issuer)
        try container.encode(algorithm, forKey: .algorithm)
        try container.encode(digits, forKey: .digits)
        try container.encode(counter, forKey: .counter)
        try container.encodeIfPresent(period, forKey: .period)
        try container.encodeIfPresent(timeDrift, forKey: .timeDrift)
        try container.encodeIfPresent(user, forKey: .user)
        try container.encode(secret.base32, forKey: .secretBase32)
        try container.encode(secret.hex, forKey: .secretHex)
    }

    /// The otpauth URI an authenticator app or a verifier's enrolment page accepts.
    public var otpauthURI: OTPAuthURI {
        OTPAuthURI(kind: period.map { .totp(period: $0) } ?? .hotp(counter: counter), secret: secret,
                   account: [family, serial, slot.map { "slot\($0)" }].compactMap { $0 }.joined(separator: "-"),
                   issuer: issuer ?? "otpkit", algorithm: algorithm, digits: digits)
    }

    public var description: String {
        "SeedRecord(\(family ?? "token") \(tokenID), \(algorithm.rawValue), \(digits) digits, "
            + (period.map { "TOTP \($0) s" } ?? "counter \(counter)") + (user.map { ", user \($0)" } ?? "") + ", \(secret))"
    }
}
