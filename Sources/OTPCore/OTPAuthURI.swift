import Foundation

/// An `otpauth://` key URI (the Google Authenticator format): `otpauth://hotp/Issuer:account?secret=...&counter=0`.
public struct OTPAuthURI: Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        case hotp(counter: UInt64)
        case totp(period: Int)
    }

    public var kind: Kind
    public var secret: Secret
    public var account: String
    public var issuer: String?
    public var algorithm: OTPAlgorithm
    public var digits: Int

    public init(kind: Kind, secret: Secret, account: String, issuer: String? = nil, algorithm: OTPAlgorithm = .sha1, digits: Int = 6) {
        self.kind = kind
        self.secret = secret
        self.account = account
        self.issuer = issuer
        self.algorithm = algorithm
        self.digits = digits
    }

    /// The URI text. It carries the secret: hand it only to what must enrol the token.
    public var uriString: String {
        var components = URLComponents()
        components.scheme = "otpauth"
        let label = issuer.map { "\($0):\(account)" } ?? account
        switch kind {
        case .hotp: components.host = "hotp"
        case .totp: components.host = "totp"
        }
        components.path = "/" + label
        var query = [URLQueryItem(name: "secret", value: secret.base32)]
        if let issuer { query.append(URLQueryItem(name: "issuer", value: issuer)) }
        query.append(URLQueryItem(name: "algorithm", value: algorithm.rawValue))
        query.append(URLQueryItem(name: "digits", value: String(digits)))
        switch kind {
        case .hotp(let counter): query.append(URLQueryItem(name: "counter", value: String(counter)))
        case .totp(let period): query.append(URLQueryItem(name: "period", value: String(period)))
        }
        components.queryItems = query
        return components.string ?? ""
    }

    /// Shows everything but the secret.
    public var description: String {
        "OTPAuthURI(\(kind), account: \(account), issuer: \(issuer ?? "-"), \(algorithm.rawValue), \(digits) digits, \(secret))"
    }

    public init(parsing text: String) throws(OTPError) {
        guard let components = URLComponents(string: text), components.scheme?.lowercased() == "otpauth" else {
            throw .invalidURI("it must start with otpauth://")
        }
        let items = Dictionary((components.queryItems ?? []).map { ($0.name.lowercased(), $0.value ?? "") },
                               uniquingKeysWith: { first, _ in first })
        guard let secretText = items["secret"], !secretText.isEmpty else { throw .invalidURI("the secret parameter is missing") }
        secret = try Secret(base32: secretText)

        algorithm = .sha1
        if let name = items["algorithm"] {
            guard let parsed = OTPAlgorithm(name: name) else { throw .invalidURI("unknown algorithm \(name)") }
            algorithm = parsed
        }
        digits = 6
        if let text = items["digits"] {
            guard let parsed = Int(text), OTPDigits.allowed.contains(parsed) else { throw .invalidURI("digits must be 6 to 10") }
            digits = parsed
        }

        var label = components.path
        if label.hasPrefix("/") { label.removeFirst() }
        if let colon = label.firstIndex(of: ":") {
            issuer = String(label[..<colon])
            account = String(label[label.index(after: colon)...]).trimmingWhitespace()
        } else {
            issuer = nil
            account = label
        }
        if let explicitIssuer = items["issuer"] { issuer = explicitIssuer }

        switch components.host?.lowercased() {
        case "hotp":
            guard let text = items["counter"], let counter = UInt64(text) else {
                throw .invalidURI("an hotp URI needs a counter parameter")
            }
            kind = .hotp(counter: counter)
        case "totp":
            let period = items["period"].flatMap { Int($0) } ?? 30
            guard period >= 1 else { throw .invalidPeriod(period) }
            kind = .totp(period: period)
        default:
            throw .invalidURI("the type must be hotp or totp")
        }
    }
}
