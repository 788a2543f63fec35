/// Why a seed file was refused. Messages say where (line, key) and never carry secret material.
///
/// `description` words what is missing in front-end neutral terms ("the password"); a front end that has options
/// or headers for them words it its own way with `message(naming:)`.
public enum SeedFormatError: Error, Equatable, Sendable, CustomStringConvertible {
    case unrecognised
    case tooLarge(limit: Int)
    case badCSV(line: Int, reason: String)
    case badJSON(String)
    case badPSKC(String)
    case forbiddenXML(String)
    case wrongPassword
    case badMAC(key: String)
    /// An encrypted value without a MAC: a wrong key would decrypt it to garbage unnoticed (about 1 in 256 times).
    case missingMAC(key: String)
    case needsKey(Credential)
    case unsupported(String)

    /// What an encrypted PSKC file needs to be opened.
    public enum Credential: Sendable, Equatable {
        /// The file's key is derived from a password (PBKDF2).
        case password
        /// The file is encrypted under a pre-shared AES key.
        case preSharedKey
    }

    /// How a front end lets its user supply what a refusal asks for (option names, headers...).
    public struct Wording: Sendable {
        public var password: String
        public var preSharedKey: String
        public var allowMissingMAC: String

        public init(password: String, preSharedKey: String, allowMissingMAC: String) {
            self.password = password
            self.preSharedKey = preSharedKey
            self.allowMissingMAC = allowMissingMAC
        }

        /// Neutral words, for a library caller.
        public static let neutral = Wording(password: "the password", preSharedKey: "the pre-shared key",
                                            allowMissingMAC: "say explicitly that the sender's file has no MAC")
    }

    /// A stable machine-readable code for APIs.
    public var code: String {
        switch self {
        case .unrecognised: "unrecognised_format"
        case .tooLarge: "too_large"
        case .badCSV: "bad_csv"
        case .badJSON: "bad_json"
        case .badPSKC: "bad_pskc"
        case .forbiddenXML: "forbidden_xml"
        case .wrongPassword: "wrong_password"
        case .badMAC: "bad_mac"
        case .missingMAC: "missing_mac"
        case .needsKey: "needs_key"
        case .unsupported: "unsupported"
        }
    }

    public var description: String { message(naming: .neutral) }

    /// The refusal in words, naming what the user should supply as `wording` says.
    public func message(naming wording: Wording) -> String {
        switch self {
        case .unrecognised: "not a seed file otpkit reads (PSKC XML, Yubico CSV or otpkit seed JSON)"
        case .tooLarge(let limit): "the seed file is larger than the \(limit >> 20) MiB limit; split it into smaller files"
        case .badCSV(let line, let reason): "line \(line) of the CSV: \(reason)"
        case .badJSON(let reason): "bad seed JSON: \(reason)"
        case .badPSKC(let reason): "bad PSKC file: \(reason)"
        case .forbiddenXML(let reason): "refused XML: \(reason) (DTDs and entities are never processed)"
        case .wrongPassword: "the PSKC file does not decrypt with this key or password"
        case .badMAC(let key): "the MAC of key \(key) does not match: the file was changed or the key is wrong"
        case .missingMAC(let key):
            "key \(key) is encrypted without a MAC, so a wrong key or password cannot be detected and would import a "
                + "garbage secret; if the sender's files really carry no MAC, \(wording.allowMissingMAC)"
        case .needsKey(.password): "the PSKC file is encrypted under a password: give \(wording.password)"
        case .needsKey(.preSharedKey): "the PSKC file is encrypted under a pre-shared key: give \(wording.preSharedKey)"
        case .unsupported(let what): "unsupported in PSKC: \(what)"
        }
    }
}
