import TokenDrivers

/// What a batch writes into each token, and when it stops.
public struct ProvisioningSettings: Sendable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// The slot; nil takes each family's default (YubiKey 1, the others 0).
    public var slot: Int?
    /// The code length (6 or 8 for YubiKeys and Nitrokeys).
    public var digits = 6
    /// The counter the slot starts at (a multiple of 16 for YubiKeys).
    public var counter: UInt64 = 0
    /// The slot name (Nitrokey default "otpkit"; a YubiKey takes none).
    public var name = ""
    /// The admin PIN of tokens that have one (OpenHOTP with a PIN, Nitrokey). A refused PIN stops the batch.
    public var pin: String?
    /// Asked for the PIN when a token needs one and `pin` is nil (a terminal prompt); nil answers "none". The batch
    /// asks once and gives every later token the same answer.
    public var askPIN: (@Sendable (_ what: String) -> String?)?
    /// YubiKey access code and flags.
    public var yubiKey = HOTPSlotRequest.YubiKeyExtras()
    /// Program tokens the journal has committed already (else they are skipped).
    public var reprogram = false
    /// OpenHOTP: generate one code after the read-back and compare it with the seed's.
    public var checkFirstCode = true
    /// Only tokens of this family; the others are reported as skipped and left alone.
    public var family: TokenFamily?
    /// Stop once this many tokens are done; nil: every token present (and arriving within `wait`).
    public var count: Int?
    /// How long to keep waiting for arrivals until `count` is reached.
    public var wait: Duration = .zero

    /// Each family's default slot, 6 digits, counter 0, no PIN, every token present, no wait.
    public init() {}

    /// Never the PIN or an access code.
    public var description: String {
        "ProvisioningSettings(slot: \(slot.map(String.init) ?? "default"), \(digits) digits, counter \(counter), "
            + "PIN: \(pin == nil ? (askPIN == nil ? "none" : "asked") : "given"), family: \(family?.rawValue ?? "any"), "
            + "count: \(count.map(String.init) ?? "all"), wait: \(wait))"
    }
    public var debugDescription: String { description }
    public var customMirror: Mirror {
        Mirror(self, children: ["slot": slot as Any, "digits": digits, "counter": counter, "name": name,
                                "pin": pin == nil ? "none" : "given", "yubiKey": yubiKey, "reprogram": reprogram,
                                "checkFirstCode": checkFirstCode, "family": family as Any, "count": count as Any, "wait": wait])
    }
}
