import MasterKeys

/// What went wrong in the verifier. Messages name tokens, never secrets or codes.
public enum VerifierError: Error, Equatable, Sendable, CustomStringConvertible {
    case unknownToken(String)
    case duplicateToken(String)
    case tokenLocked(String)
    case counterWouldGoBack(id: String, current: UInt64, requested: UInt64)
    case badMasterKey(String)
    case unknownMasterKey(String)
    /// The key file is absent but the store holds sealed secrets (or once did): a new key would strand them.
    case masterKeyMissing(path: String)
    /// The store's secrets are sealed under a key this keyring does not hold (`storeKeyID`), found when opening.
    case wrongMasterKey(storeKeyID: String, keyring: [String])
    /// The key file's first key is newer than the store's current one: a `rotate-key` stopped before its reseal.
    case rotationUnfinished(storeKeyID: String, keyFileKeyID: String)
    /// The store's current master key changed since this verifier started (a `rotate-key`): it must not seal any more.
    case masterKeyRetired(sealingKeyID: String, storeKeyID: String)
    case sealedSecretDamaged(String)
    case sealing(String)
    case invalidToken(String)
    /// A user name or PIN that cannot be: empty, too long, control characters.
    case invalidUser(String)
    /// `set-pin` for a name that owns no token (a typo, most likely).
    case userOwnsNoToken(String)
    case duplicateRADIUSClient(String)
    case unknownRADIUSClient(String)
    case storage(String)
    case contention(String)
    /// The database cannot be reached now (down, restarting, pool exhausted): nothing was decided; try again.
    case unavailable(String)

    /// Whether the master keys are at fault (missing, wrong, retired, or a secret that does not open with them).
    public var isMasterKeyProblem: Bool {
        switch self {
        case .badMasterKey, .unknownMasterKey, .masterKeyMissing, .wrongMasterKey, .rotationUnfinished, .masterKeyRetired, .sealedSecretDamaged: true
        default: false
        }
    }

    /// Whether the database failed (unreachable, an error, or writers that kept racing): nothing was decided.
    public var isStorageProblem: Bool {
        switch self {
        case .storage, .unavailable, .contention: true
        default: false
        }
    }

    public var description: String {
        switch self {
        case .unknownToken(let id): "no token \(id)"
        case .duplicateToken(let id): "a token \(id) exists already"
        case .tokenLocked(let id): "token \(id) is locked after too many failures; unlock it first"
        case .counterWouldGoBack(let id, let current, let requested):
            "token \(id) is at counter \(current); setting \(requested) would allow old codes again (use --force if you mean it)"
        case .badMasterKey(let detail): MasterKeyError.badMasterKey(detail).description
        case .unknownMasterKey(let id): MasterKeyError.unknownMasterKey(id).description
        case .sealedSecretDamaged(let id): MasterKeyError.sealedSecretDamaged(id).description
        case .masterKeyMissing(let path): MasterKeyError.masterKeyMissing(path: path).description
        case .wrongMasterKey(let store, let keyring):
            "the database's secrets are sealed under master key \(store), but the key file holds \(keyring.joined(separator: ", ")); use the key file that belongs to this database"
        case .rotationUnfinished(let store, let file):
            "a master key rotation was not finished: the database's current key is \(store), the key file's first key \(file); run `otpkit verifier rotate-key` again"
        case .masterKeyRetired(let sealing, let store):
            "the master key was rotated (now \(store); this process seals under the retired \(sealing)); nothing was stored: restart with the new key file"
        case .sealing(let detail): MasterKeyError.sealing(detail).description
        case .invalidToken(let detail): "invalid token: \(detail)"
        case .invalidUser(let detail): "invalid user: \(detail)"
        case .userOwnsNoToken(let user): "user \(user) owns no token; assign one first (otpkit verifier assign --token ID --user \(user))"
        case .duplicateRADIUSClient(let name): "a RADIUS client \(name) exists already"
        case .unknownRADIUSClient(let name): "no RADIUS client \(name)"
        case .storage(let detail): "token store: \(detail)"
        case .contention(let id): "token \(id) kept changing under concurrent requests; try again"
        case .unavailable(let detail): "the database is unavailable: \(detail)"
        }
    }
}

extension VerifierError {
    /// A master key problem as the verifier reports it.
    public init(_ error: MasterKeyError) {
        switch error {
        case .badMasterKey(let detail): self = .badMasterKey(detail)
        case .unknownMasterKey(let id): self = .unknownMasterKey(id)
        case .masterKeyMissing(let path): self = .masterKeyMissing(path: path)
        case .sealedSecretDamaged(let id): self = .sealedSecretDamaged(id)
        case .sealing(let detail): self = .sealing(detail)
        }
    }
}
