/// Programs an HOTP secret into a slot of one token, under its family's rules, and checks what the token reports
/// afterwards. One implementation per family: `OpenHOTPSlotProgrammer`, `YubiKeySlotProgrammer`,
/// `NitrokeySlotProgrammer`.
public protocol HOTPSlotProgrammer {
    var family: TokenFamily { get }
    /// The token's serial number, as seed records name it.
    var serial: String { get }
    /// The slot used when a request names none (YubiKey 1, the others 0).
    var defaultSlot: Int { get }
    /// Whether the token can generate a code on request, so that `HOTPSlotRequest.checkFirstCode` has an effect.
    var canCheckFirstCode: Bool { get }

    /// Writes the slot, reads it back and compares it with what was asked; returns the seed record and a summary.
    func program(_ request: HOTPSlotRequest) throws(HOTPProgrammingError) -> HOTPSlotProgrammed
}
