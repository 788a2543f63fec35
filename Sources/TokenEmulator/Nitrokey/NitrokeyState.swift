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

    /// A factory-fresh key with the factory PINs (admin 12345678, user 123456).
    public init(serial: UInt32) {
        self.serial = serial
        adminPIN = "12345678"
        userPIN = "123456"
        adminRetries = Self.maxRetries
        userRetries = Self.maxRetries
        slots = [nil, nil, nil]
    }
}
