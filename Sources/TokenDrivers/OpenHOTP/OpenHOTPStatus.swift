/// Status codes a token answers with (Firmware-spec/OpenHOTP, section 4).
public enum OpenHOTPStatus: UInt8, Sendable, CaseIterable, CustomStringConvertible {
    case ok = 0x00
    case unknownCommand = 0x01
    case badCRC = 0x02
    case malformedFrame = 0x03
    case invalidSlot = 0x04
    case slotEmpty = 0x05
    case invalidParameter = 0x06
    case authRequired = 0x07
    case wrongPIN = 0x08
    case pinLocked = 0x09
    case badSequence = 0x0A
    case pending = 0x0B
    case touchTimeout = 0x0C
    case noReply = 0x0D
    case counterExhausted = 0x0E
    case storageError = 0x0F

    /// The spec's upper-case name (`WRONG_PIN`), as used in the vectors.
    public var specName: String {
        switch self {
        case .ok: "OK"
        case .unknownCommand: "UNKNOWN_COMMAND"
        case .badCRC: "BAD_CRC"
        case .malformedFrame: "MALFORMED_FRAME"
        case .invalidSlot: "INVALID_SLOT"
        case .slotEmpty: "SLOT_EMPTY"
        case .invalidParameter: "INVALID_PARAMETER"
        case .authRequired: "AUTH_REQUIRED"
        case .wrongPIN: "WRONG_PIN"
        case .pinLocked: "PIN_LOCKED"
        case .badSequence: "BAD_SEQUENCE"
        case .pending: "PENDING"
        case .touchTimeout: "TOUCH_TIMEOUT"
        case .noReply: "NO_REPLY"
        case .counterExhausted: "COUNTER_EXHAUSTED"
        case .storageError: "STORAGE_ERROR"
        }
    }

    public var description: String {
        switch self {
        case .ok: "done"
        case .unknownCommand: "the token does not know this command (firmware too old?)"
        case .badCRC: "the token received a corrupted frame (CRC mismatch)"
        case .malformedFrame: "the token received a malformed frame"
        case .invalidSlot: "no such slot on this token"
        case .slotEmpty: "the slot is not programmed"
        case .invalidParameter: "the token refused a parameter (algorithm, digits, secret length or name)"
        case .authRequired: "the token has an admin PIN: give it with --pin"
        case .wrongPIN: "wrong admin PIN"
        case .pinLocked: "the admin PIN is locked after too many wrong tries; only a factory reset (which erases every slot) unlocks the token"
        case .badSequence: "the secret was staged out of order"
        case .pending: "waiting for the button"
        case .touchTimeout: "the button was not pressed in time"
        case .noReply: "the token has no reply ready"
        case .counterExhausted: "the slot's counter cannot advance any more; reprogram the slot"
        case .storageError: "the token could not store the change; its previous state stands"
        }
    }
}
