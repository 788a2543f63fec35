/// What an Access-Request asks about: the user, the PAP password de-obfuscated with the shared secret, and the State
/// of an earlier Access-Challenge.
public struct RADIUSCredentials: Sendable {
    public let userName: String
    /// Nil when the request carries no User-Password (CHAP, EAP, ... which otpkit does not support).
    public let password: RADIUSPassword?
    public let state: [UInt8]?

    /// Why an Access-Request's credentials cannot be read.
    public enum Error: Swift.Error, Sendable, Equatable, CustomStringConvertible {
        case missingUserName
        /// User-Name empty or not UTF-8.
        case badUserName
        /// User-Name, User-Password or State more than once.
        case repeatedAttribute(RADIUSAttributeType)
        /// A User-Password value that is empty, not a multiple of 16 bytes, or over 128 bytes.
        case badUserPassword

        public var description: String {
            switch self {
            case .missingUserName: "no User-Name"
            case .badUserName: "User-Name empty or not UTF-8"
            case .repeatedAttribute(let type): "\(type) appears more than once"
            case .badUserPassword: "User-Password of a wrong length"
            }
        }
    }

    public init(userName: String, password: RADIUSPassword?, state: [UInt8]?) {
        self.userName = userName
        self.password = password
        self.state = state
    }

    /// Reads the credentials of `request`, revealing its User-Password with `secret`.
    public init(reading request: RADIUSPacket, secret: RADIUSSharedSecret) throws(Error) {
        let name: [UInt8]
        switch request.singleValue(of: .userName) {
        case .absent: throw .missingUserName
        case .repeated: throw .repeatedAttribute(.userName)
        case .present(let value): name = value
        }
        guard !name.isEmpty, let userName = String(validating: name, as: UTF8.self) else { throw .badUserName }
        var password: RADIUSPassword?
        switch request.singleValue(of: .userPassword) {
        case .absent: password = nil
        case .repeated: throw .repeatedAttribute(.userPassword)
        case .present(let hidden):
            do {
                password = try RADIUSUserPassword.reveal(hidden, secret: secret, requestAuthenticator: request.authenticator)
            } catch {
                throw .badUserPassword
            }
        }
        var state: [UInt8]?
        switch request.singleValue(of: .state) {
        case .absent: state = nil
        case .repeated: throw .repeatedAttribute(.state)
        case .present(let value): state = value
        }
        self.init(userName: userName, password: password, state: state)
    }
}
