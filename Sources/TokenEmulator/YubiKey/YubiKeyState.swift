import Foundation

/// What an emulated YubiKey keeps: serial, programming sequence, and each slot's 52-byte configuration with the
/// OATH-HOTP moving factor it has reached.
public struct YubiKeyState: Codable, Equatable, Sendable {
    public struct Slot: Codable, Equatable, Sendable {
        /// The configuration as written (its CRC checked), access code included.
        public var configuration: [UInt8]
        /// OATH-HOTP: the counter of the next code.
        public var movingFactor: UInt64
    }

    public var serial: UInt32
    public var programmingSequence: UInt8
    public var slots: [Slot?]

    public init(serial: UInt32) {
        self.serial = serial
        self.programmingSequence = 0
        self.slots = [nil, nil]
    }
}
