import Crypto
import Foundation
import OTPCore

/// What an OpenHOTP token keeps in flash: slots, counters, PIN hash and retries. Volatile state lives in the firmware.
public struct OpenHOTPTokenState: Codable, Equatable, Sendable {
    public static let slotCount = 4
    public static let maxPINRetries = 3

    public struct Slot: Codable, Equatable, Sendable {
        public var secret: Secret
        public var algorithm: OTPAlgorithm
        public var digits: Int
        public var counter: UInt64
        public var name: String
        public var touch: Bool

        public init(secret: Secret, algorithm: OTPAlgorithm, digits: Int, counter: UInt64, name: String, touch: Bool) {
            self.secret = secret
            self.algorithm = algorithm
            self.digits = digits
            self.counter = counter
            self.name = name
            self.touch = touch
        }
    }

    /// A salted SHA-256 of the admin PIN: the token never keeps the PIN itself.
    public struct PINHash: Codable, Equatable, Sendable {
        public var salt: [UInt8]
        public var digest: [UInt8]

        public init(pin: [UInt8], salt: [UInt8] = (0..<16).map { _ in UInt8.random(in: 0...255) }) {
            self.salt = salt
            self.digest = Array(SHA256.hash(data: salt + pin))
        }

        public func matches(_ pin: [UInt8]) -> Bool {
            ConstantTime.equals(digest, Array(SHA256.hash(data: salt + pin)))
        }
    }

    public var serial: UInt32
    public var slots: [Slot?]
    public var pin: PINHash?
    public var pinRetries: Int

    public init(serial: UInt32) {
        self.serial = serial
        self.slots = Array(repeating: nil, count: Self.slotCount)
        self.pin = nil
        self.pinRetries = Self.maxPINRetries
    }

    public var pinLocked: Bool { pin != nil && pinRetries == 0 }
}

extension OpenHOTPTokenState.Slot {
    private enum CodingKeys: String, CodingKey { case secret, algorithm, digits, counter, name, touch }

    /// The state file holds the secret in hex: the emulator's flash. It is written with mode 0600.
    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        secret = try Secret(hex: container.decode(String.self, forKey: .secret))
        algorithm = try container.decode(OTPAlgorithm.self, forKey: .algorithm)
        digits = try container.decode(Int.self, forKey: .digits)
        counter = try container.decode(UInt64.self, forKey: .counter)
        name = try container.decode(String.self, forKey: .name)
        touch = try container.decode(Bool.self, forKey: .touch)
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(secret.hex, forKey: .secret)
        try container.encode(algorithm, forKey: .algorithm)
        try container.encode(digits, forKey: .digits)
        try container.encode(counter, forKey: .counter)
        try container.encode(name, forKey: .name)
        try container.encode(touch, forKey: .touch)
    }
}
