/// A kind of token the emulator makes, named as `otpkit emulate --token` takes it.
public enum EmulatedTokenFamily: String, Sendable, CaseIterable, Codable {
    /// otpkit's own open token (1209:0001): four slots, the GENERATE command, a button, an admin PIN.
    case openHOTP = "openhotp"
    /// A YubiKey's OTP application (1050:0010): two slots; a press types the code on its keyboard interface.
    case yubiKey = "yubikey"
    /// A Nitrokey Pro (20a0:4108): three HOTP slots, admin and user PINs.
    case nitrokeyPro = "nitrokey-pro"
    /// A Nitrokey Storage (20a0:4109): the Pro's OTP protocol under another product id.
    case nitrokeyStorage = "nitrokey-storage"

    /// The product's name, as `otpkit emulate` lists its tokens.
    public var displayName: String {
        switch self {
        case .openHOTP: "OpenHOTP"
        case .yubiKey: "YubiKey"
        case .nitrokeyPro: "Nitrokey Pro"
        case .nitrokeyStorage: "Nitrokey Storage"
        }
    }

    /// The token's file in a state folder, for the token at bus port `port` (the names earlier versions used, so
    /// that a state folder carries over).
    func stateFileName(port: Int) -> String {
        switch self {
        case .openHOTP: "token-\(port).json"
        default: "\(rawValue)-\(port).json"
        }
    }
}
