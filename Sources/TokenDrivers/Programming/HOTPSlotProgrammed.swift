import OTPCore

/// A slot programmed and confirmed: the seed record a verification server needs, and the slot in words.
public struct HOTPSlotProgrammed: Sendable {
    /// Holds the secret: hand it on, never print it by accident (`SeedRecord` keeps it out of `description`).
    public let seed: SeedRecord
    /// The slot as the token reports it, e.g. `HOTP SHA1, 6 digits, counter 0`.
    public let summary: String
    /// Set when the YubiKey's moving factor was rounded down (`YubiKeyExtras.roundMovingFactor`) from the request's.
    public let roundedCounter: UInt64?
}
