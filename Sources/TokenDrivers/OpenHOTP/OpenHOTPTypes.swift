import OTPCore

/// GET_INFO's answer.
public struct OpenHOTPDeviceInfo: Equatable, Sendable, Codable {
    public var serial: UInt32
    public var firmware: String
    public var protocolVersion: Int
    public var slotCount: Int
    public var capabilities: UInt16
    public var pinSet: Bool
    public var adminSession: Bool
    public var pinLocked: Bool
    public var pinRetries: Int
    public var maxSecretLength: Int
    public var maxNameLength: Int

    public var supportedAlgorithms: [OTPAlgorithm] {
        zip([OTPAlgorithm.sha1, .sha256, .sha512], [UInt16(1), 2, 4]).filter { capabilities & $0.1 != 0 }.map(\.0)
    }
    public var hasButton: Bool { capabilities & 0x08 != 0 }
}

/// READ_SLOT's answer: everything about a slot but its secret.
public struct OpenHOTPSlotInfo: Equatable, Sendable, Codable {
    public var slot: Int
    public var programmed: Bool
    public var algorithm: OTPAlgorithm?
    public var digits: Int?
    public var touch: Bool?
    public var counter: UInt64?
    public var name: String?
}

/// What WRITE_SLOT stores.
public struct OpenHOTPSlotConfiguration: Sendable, CustomStringConvertible {
    public var secret: Secret
    public var algorithm: OTPAlgorithm
    public var digits: Int
    public var counter: UInt64
    public var name: String
    public var touch: Bool

    public init(secret: Secret, algorithm: OTPAlgorithm = .sha1, digits: Int = 6, counter: UInt64 = 0, name: String = "", touch: Bool = false) {
        self.secret = secret
        self.algorithm = algorithm
        self.digits = digits
        self.counter = counter
        self.name = name
        self.touch = touch
    }

    public var description: String {
        "OpenHOTPSlotConfiguration(\(algorithm.rawValue), \(digits) digits, counter \(counter), name \"\(name)\", touch \(touch), \(secret))"
    }
}

/// GENERATE's answer.
public struct OpenHOTPCode: Equatable, Sendable, Codable {
    public var slot: Int
    public var counter: UInt64
    public var code: String
}

/// Wire codes of the algorithms (section 3).
extension OTPAlgorithm {
    var openHOTPCode: UInt8 {
        switch self {
        case .sha1: 1
        case .sha256: 2
        case .sha512: 3
        }
    }

    init?(openHOTPCode: UInt8) {
        switch openHOTPCode {
        case 1: self = .sha1
        case 2: self = .sha256
        case 3: self = .sha512
        default: return nil
        }
    }
}
