/// What went wrong with master keys, sealing or opening. Messages name keys and tokens, never a key or a secret.
public enum MasterKeyError: Error, Equatable, Sendable, CustomStringConvertible {
    case badMasterKey(String)
    /// A secret sealed under a key this keyring does not hold.
    case unknownMasterKey(String)
    /// The key file is absent but the store holds sealed secrets (or once did): a new key would strand them.
    case masterKeyMissing(path: String)
    case sealedSecretDamaged(String)
    case sealing(String)

    public var description: String {
        switch self {
        case .badMasterKey(let detail): "bad master key: \(detail)"
        case .unknownMasterKey(let id): "the secret was sealed with master key \(id), which this verifier does not have"
        case .sealedSecretDamaged(let id): "the sealed secret of token \(id) does not open (wrong key or damaged data)"
        case .masterKeyMissing(let path):
            "the master key file \(path) is missing, but the database holds sealed secrets (or once did); restore the key file from its backup (a new key would not open them)"
        case .sealing(let detail): "cannot seal a secret: \(detail)"
        }
    }
}
