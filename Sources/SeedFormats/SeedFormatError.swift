/// Why a seed file was refused. Messages say where (line, key) and never carry secret material.
public enum SeedFormatError: Error, Equatable, Sendable, CustomStringConvertible {
    case unrecognised
    case badCSV(line: Int, reason: String)
    case badJSON(String)
    case badPSKC(String)
    case forbiddenXML(String)
    case wrongPassword
    case badMAC(key: String)
    case needsKey(String)
    case unsupported(String)

    /// A stable machine-readable code for APIs.
    public var code: String {
        switch self {
        case .unrecognised: "unrecognised_format"
        case .badCSV: "bad_csv"
        case .badJSON: "bad_json"
        case .badPSKC: "bad_pskc"
        case .forbiddenXML: "forbidden_xml"
        case .wrongPassword: "wrong_password"
        case .badMAC: "bad_mac"
        case .needsKey: "needs_key"
        case .unsupported: "unsupported"
        }
    }

    public var description: String {
        switch self {
        case .unrecognised: "not a seed file otpkit reads (PSKC XML, Yubico CSV or otpkit seed JSON)"
        case .badCSV(let line, let reason): "line \(line) of the CSV: \(reason)"
        case .badJSON(let reason): "bad seed JSON: \(reason)"
        case .badPSKC(let reason): "bad PSKC file: \(reason)"
        case .forbiddenXML(let reason): "refused XML: \(reason) (DTDs and entities are never processed)"
        case .wrongPassword: "the PSKC file does not decrypt with this key or password"
        case .badMAC(let key): "the MAC of key \(key) does not match: the file was changed or the key is wrong"
        case .needsKey(let what): "the PSKC file is encrypted: give \(what)"
        case .unsupported(let what): "unsupported in PSKC: \(what)"
        }
    }
}
