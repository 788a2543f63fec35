/// What the control protocol acts on: the emulator's tokens by bus id. The emulator implements it; the protocol
/// knows nothing of USB/IP, umockdev or the token families.
public protocol EmulatorControlTarget: Sendable {
    /// Presses a token's button and returns what it typed (its code), or says why it typed nothing.
    func press(busID: String, slot: Int?) throws(ControlError) -> PressOutcome
    func setPlugged(busID: String, _ plugged: Bool) throws(ControlError)
    func dropAfter(transfers: Int, busID: String?) throws(ControlError)
    func state(busID: String) throws(ControlError) -> TokenStateReport
}

public enum PressOutcome: Equatable, Sendable {
    case typed(String)
    case nothing(String)
}

/// A token's state as the control protocol shows it: no secret, no PIN, only what a test checks.
public struct TokenStateReport: Equatable, Sendable {
    public struct Slot: Equatable, Sendable {
        public var slot: Int
        public var programmed: Bool
        /// The moving factor; nil for an empty slot.
        public var counter: UInt64?
        public init(slot: Int, programmed: Bool, counter: UInt64?) {
            self.slot = slot
            self.programmed = programmed
            self.counter = counter
        }
    }

    public var family: String
    public var serial: UInt32
    public var plugged: Bool
    public var slots: [Slot]
    /// PIN tries left, by name (OpenHOTP "admin"; Nitrokey "admin" and "user"); empty for a YubiKey.
    public var pinTriesLeft: [(String, Int)]

    public init(family: String, serial: UInt32, plugged: Bool, slots: [Slot], pinTriesLeft: [(String, Int)]) {
        self.family = family
        self.serial = serial
        self.plugged = plugged
        self.slots = slots
        self.pinTriesLeft = pinTriesLeft
    }

    public static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.family == rhs.family && lhs.serial == rhs.serial && lhs.plugged == rhs.plugged && lhs.slots == rhs.slots
            && lhs.pinTriesLeft.map(\.0) == rhs.pinTriesLeft.map(\.0) && lhs.pinTriesLeft.map(\.1) == rhs.pinTriesLeft.map(\.1)
    }
}
