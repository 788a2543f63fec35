/// What went wrong in the verifier. Messages name tokens, never secrets or codes.
public enum VerifierError: Error, Equatable, Sendable, CustomStringConvertible {
    case unknownToken(String)
    case duplicateToken(String)
    case tokenLocked(String)
    case counterWouldGoBack(id: String, current: UInt64, requested: UInt64)
    case badMasterKey(String)
    case unknownMasterKey(String)
    case sealedSecretDamaged(String)
    case sealing(String)
    case invalidToken(String)
    case storage(String)
    case contention(String)
    /// The database cannot be reached now (down, restarting, pool exhausted): nothing was decided; try again.
    case unavailable(String)

    public var description: String {
        switch self {
        case .unknownToken(let id): "no token \(id)"
        case .duplicateToken(let id): "a token \(id) exists already"
        case .tokenLocked(let id): "token \(id) is locked after too many failures; unlock it first"
        case .counterWouldGoBack(let id, let current, let requested):
            "token \(id) is at counter \(current); setting \(requested) would allow old codes again (use --force if you mean it)"
        case .badMasterKey(let detail): "bad master key: \(detail)"
        case .unknownMasterKey(let id): "the secret was sealed with master key \(id), which this verifier does not have"
        case .sealedSecretDamaged(let id): "the sealed secret of token \(id) does not open (wrong key or damaged data)"
        case .sealing(let detail): "cannot seal a secret: \(detail)"
        case .invalidToken(let detail): "invalid token: \(detail)"
        case .storage(let detail): "token store: \(detail)"
        case .contention(let id): "token \(id) kept changing under concurrent requests; try again"
        case .unavailable(let detail): "the database is unavailable: \(detail)"
        }
    }
}
