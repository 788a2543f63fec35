/// An attribute's Type octet. Named constants for the attributes otpkit reads or writes; any other type is carried
/// through untouched.
public struct RADIUSAttributeType: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: UInt8

    public init(rawValue: UInt8) {
        self.rawValue = rawValue
    }

    public static let userName = Self(rawValue: 1)
    public static let userPassword = Self(rawValue: 2)
    public static let chapPassword = Self(rawValue: 3)
    public static let nasIPAddress = Self(rawValue: 4)
    public static let replyMessage = Self(rawValue: 18)
    public static let state = Self(rawValue: 24)
    public static let callingStationID = Self(rawValue: 31)
    public static let nasIdentifier = Self(rawValue: 32)
    public static let proxyState = Self(rawValue: 33)
    public static let nasIPv6Address = Self(rawValue: 95)
    public static let messageAuthenticator = Self(rawValue: 80)

    public var description: String {
        switch self {
        case .userName: "User-Name"
        case .userPassword: "User-Password"
        case .chapPassword: "CHAP-Password"
        case .nasIPAddress: "NAS-IP-Address"
        case .replyMessage: "Reply-Message"
        case .state: "State"
        case .callingStationID: "Calling-Station-Id"
        case .nasIdentifier: "NAS-Identifier"
        case .proxyState: "Proxy-State"
        case .nasIPv6Address: "NAS-IPv6-Address"
        case .messageAuthenticator: "Message-Authenticator"
        default: "Attribute-\(rawValue)"
        }
    }
}
