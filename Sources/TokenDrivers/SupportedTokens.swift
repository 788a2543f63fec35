/// The driver table: which USB devices otpkit drives, and with which protocol. Device discovery and the
/// udev rules both come from this one list.
public enum TokenFamily: String, Sendable, CaseIterable, Codable {
    case openHOTP = "OpenHOTP"
    case yubiKey = "YubiKey"
    case nitrokey = "Nitrokey"
}

public struct SupportedToken: Sendable, Equatable {
    public let family: TokenFamily
    public let vendorID: UInt16
    public let productID: UInt16
    public let name: String
}

public enum SupportedTokens {
    public static let all: [SupportedToken] = [
        SupportedToken(family: .openHOTP, vendorID: 0x1209, productID: 0x0001, name: "OpenHOTP token (pid.codes test PID)"),
    ] + [0x0010, 0x0110, 0x0111, 0x0114, 0x0116, 0x0401, 0x0403, 0x0405, 0x0407, 0x0410].map {
        SupportedToken(family: .yubiKey, vendorID: 0x1050, productID: $0, name: "YubiKey with the OTP application (PID \(UInt16($0).hex4))")
    } + [
        SupportedToken(family: .nitrokey, vendorID: 0x20A0, productID: 0x4108, name: "Nitrokey Pro"),
        SupportedToken(family: .nitrokey, vendorID: 0x20A0, productID: 0x4109, name: "Nitrokey Storage"),
    ]

    public static func match(vendorID: UInt16, productID: UInt16) -> SupportedToken? {
        all.first { $0.vendorID == vendorID && $0.productID == productID }
    }
}

extension UInt16 {
    /// Four lower-case hex digits, as USB ids are written (`1209`, `0001`).
    public var hex4: String {
        let text = String(self, radix: 16)
        return String(repeating: "0", count: 4 - text.count) + text
    }
}
