/// A token as administrators see it: everything but the secret.
public struct TokenSummary: Encodable, Sendable, Equatable {
    public let id: String
    public let kind: String
    public let algorithm: String
    public let digits: Int
    public let counter: UInt64
    public let window: Int
    public let syncWindow: Int
    public let failures: Int
    public let locked: Bool
    /// HOTP: no code is accepted on its own until a resync from two consecutive codes (after a restore).
    public let resyncRequired: Bool
    public let issuer: String?
    public let masterKeyID: String
    /// TOTP: steps the token's clock runs ahead (negative: behind).
    public let timeDrift: Int?
    /// The user who owns the token; absent when nobody does (verified by id only).
    public let user: String?

    public init(_ token: VerifierToken) {
        id = token.id
        if case .totp(let period) = token.kind { kind = "TOTP/\(period)s" } else { kind = "HOTP" }
        algorithm = token.algorithm.rawValue
        digits = token.digits
        counter = token.counter
        window = token.window
        syncWindow = token.syncWindow
        failures = token.failures
        locked = token.lockedAt != nil
        resyncRequired = token.resyncRequired
        issuer = token.issuer
        masterKeyID = token.sealedSecret.keyID
        timeDrift = token.kind == .hotp ? nil : token.timeDrift
        user = token.user
    }
}
