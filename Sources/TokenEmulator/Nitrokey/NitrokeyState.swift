import Foundation
import OTPCore

/// What an emulated Nitrokey Pro or Storage keeps: serial, PINs with their retry counters, three HOTP slots.
public struct NitrokeyState: Codable, Equatable, Sendable {
    public static let maxRetries = 3

    public struct HOTPSlot: Codable, Equatable, Sendable {
        public var name: String
        /// Up to 40 bytes, as the firmware's buffer holds it.
        public var secret: [UInt8]
        public var config: UInt8
        public var tokenID: [UInt8]
        public var counter: UInt64
    }

    public var serial: UInt32
    public var adminPIN: String
    public var userPIN: String
    public var adminRetries: Int
    public var userRetries: Int
    public var slots: [HOTPSlot?]
    /// The firmware update password (factory 12345678), which switches the key to its bootloader.
    public var updatePassword: String

    /// A factory-fresh key with the factory PINs (admin 12345678, user 123456).
    public init(serial: UInt32) {
        self.serial = serial
        adminPIN = "12345678"
        userPIN = "123456"
        adminRetries = Self.maxRetries
        userRetries = Self.maxRetries
        slots = [nil, nil, nil]
        updatePassword = "12345678"
    }

    private enum CodingKeys: String, CodingKey {
        case serial, adminPIN, userPIN, adminRetries, userRetries, slots, updatePassword
    }

    /// A state file written before the update password was kept has the factory one.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        serial = try container.decode(UInt32.self, forKey: .serial)
        adminPIN = try container.decode(String.self, forKey: .adminPIN)
        userPIN = try container.decode(String.self, forKey: .userPIN)
        adminRetries = try container.decode(Int.self, forKey: .adminRetries)
        userRetries = try container.decode(Int.self, forKey: .userRetries)
        slots = try container.decode([HOTPSlot?].self, forKey: .slots)
        updatePassword = try container.decodeIfPresent(String.self, forKey: .updatePassword) ?? "12345678"
    }
}
