import OTPCore
import TestSupport
import Testing
import TokenEmulator

extension OpenHOTPTokenState {
    /// The token state a vector describes (its plain PIN is hashed as the token would store it).
    init(vector: VectorState) throws {
        self.init(serial: vector.serial)
        pin = vector.pin.map { PINHash(pin: Array($0.utf8)) }
        pinRetries = vector.pinRetries
        slots = try vector.slots.map { slot in
            try slot.map {
                Slot(secret: try Secret(hex: $0.secret), algorithm: OTPAlgorithm(name: $0.algorithm)!, digits: $0.digits,
                     counter: $0.counter, name: $0.name, touch: $0.touch)
            }
        }
    }

    /// Whether this state is the one a vector expects (the PIN compared through its hash).
    func matches(_ expected: VectorState) throws -> Bool {
        let slotsMatch = try slots == OpenHOTPTokenState(vector: expected).slots
        let pinMatches = expected.pin.map { pin?.matches(Array($0.utf8)) == true } ?? (pin == nil)
        return serial == expected.serial && pinRetries == expected.pinRetries && slotsMatch && pinMatches
    }
}
