import OTPCore

/// What to program into a slot. Fields a family cannot honour are refused with `HOTPProgrammingError.invalidRequest`
/// (a YubiKey has no name, a Nitrokey computes SHA1 only and has no touch policy...), never silently dropped. Three
/// fields apply only where they mean something: `checkFirstCode` where `HOTPSlotProgrammer.canCheckFirstCode`
/// (OpenHOTP), `pin` and `askPIN` for tokens with an admin PIN (a YubiKey has access codes instead: `yubiKey`), and
/// `touch` is always true of a YubiKey (it types a code when its button is touched).
public struct HOTPSlotRequest: Sendable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// The slot; nil takes the family's default (`HOTPSlotProgrammer.defaultSlot`).
    public var slot: Int?
    public var secret: Secret
    public var algorithm: OTPAlgorithm
    public var digits: Int
    public var counter: UInt64
    /// The slot's label (OpenHOTP up to 32 bytes, Nitrokey up to 15, default "otpkit"; a YubiKey has none).
    public var name: String
    /// OpenHOTP: require a button press for each code.
    public var touch: Bool
    /// Replace a slot that is programmed already (otherwise refused).
    public var overwrite: Bool
    /// The admin PIN (OpenHOTP with a PIN, Nitrokey).
    public var pin: String?
    /// Asked for the PIN when the token needs one and `pin` is nil (a terminal prompt); nil answers "none".
    public var askPIN: (@Sendable (_ what: String) -> String?)?
    /// OpenHOTP: after the read-back, generate one code and compare it with the secret's (constant time); the seed
    /// then records the counter after that code.
    public var checkFirstCode: Bool
    public var yubiKey: YubiKeyExtras

    /// YubiKey-only settings.
    public struct YubiKeyExtras: Sendable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
        /// The slot's current access code (6 bytes), if it has one.
        public var accessCode: [UInt8]?
        /// Protect the slot with this access code from now on.
        public var newAccessCode: [UInt8]?
        /// Round a counter that is no multiple of 16 down instead of refusing it.
        public var roundMovingFactor = false
        public var appendEnter = false
        /// Typed before each code (1 to 16 bytes), in modhex when `tokenIDModhex`.
        public var tokenID: [UInt8]?
        public var tokenIDModhex = false
        /// Let host software read the serial number (SERIAL_API_VISIBLE).
        public var serialVisible = false

        public init() {}

        /// Says whether access codes are set, never what they are.
        public var description: String {
            "YubiKeyExtras(access code: \(accessCode == nil ? "none" : "given"), new access code: \(newAccessCode == nil ? "none" : "given"))"
        }
        public var debugDescription: String { description }
        public var customMirror: Mirror {
            Mirror(self, children: ["accessCode": accessCode == nil ? "none" : "given", "newAccessCode": newAccessCode == nil ? "none" : "given",
                                    "roundMovingFactor": roundMovingFactor, "appendEnter": appendEnter, "tokenID": tokenID as Any,
                                    "tokenIDModhex": tokenIDModhex, "serialVisible": serialVisible])
        }
    }

    public init(slot: Int? = nil, secret: Secret, algorithm: OTPAlgorithm = .sha1, digits: Int = 6, counter: UInt64 = 0,
                name: String = "", touch: Bool = false, overwrite: Bool = false, pin: String? = nil, checkFirstCode: Bool = false) {
        self.slot = slot
        self.secret = secret
        self.algorithm = algorithm
        self.digits = digits
        self.counter = counter
        self.name = name
        self.touch = touch
        self.overwrite = overwrite
        self.pin = pin
        self.checkFirstCode = checkFirstCode
        self.yubiKey = YubiKeyExtras()
    }

    /// Never the secret, the PIN or an access code.
    public var description: String {
        "HOTPSlotRequest(slot: \(slot.map(String.init) ?? "default"), \(secret), \(algorithm.rawValue), \(digits) digits, counter \(counter))"
    }
    public var debugDescription: String { description }
    /// What `dump` and debuggers show: the PIN only as given or not.
    public var customMirror: Mirror {
        Mirror(self, children: ["slot": slot as Any, "secret": secret, "algorithm": algorithm, "digits": digits, "counter": counter,
                                "name": name, "touch": touch, "overwrite": overwrite, "pin": pin == nil ? "none" : "given",
                                "checkFirstCode": checkFirstCode, "yubiKey": yubiKey])
    }

    /// The PIN given, else the one `askPIN` returns.
    func resolvedPIN(for what: String) -> String? {
        pin ?? askPIN?(what)
    }
}
