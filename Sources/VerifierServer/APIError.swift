import Hummingbird
import SeedFormats
import Verifier

/// An error answer: an HTTP status and a stable machine-readable code, with a message for people.
/// Bad input is always a 4xx; only a store that cannot be reached gives 503.
struct APIError: Error, Sendable {
    let status: HTTPResponse.Status
    let code: String
    let message: String

    static let unauthorized = APIError(status: .unauthorized, code: "unauthorized", message: "a valid API key is required (Authorization: Bearer KEY)")
    static let forbidden = APIError(status: .forbidden, code: "forbidden", message: "this API key may not do that (an admin key is needed)")
    static let rateLimited = APIError(status: .tooManyRequests, code: "rate_limited", message: "too many requests from this client; slow down")
    static func badRequest(_ message: String) -> APIError { APIError(status: .badRequest, code: "bad_request", message: message) }
    static func tooLarge(_ limit: Int) -> APIError {
        APIError(status: .contentTooLarge, code: "body_too_large", message: "the request body exceeds \(limit) bytes")
    }

    /// The answer for a verifier error (administration paths; verification never reveals these).
    init(_ error: VerifierError) {
        switch error {
        case .unknownToken: self.init(status: .notFound, code: "unknown_token", message: error.description)
        case .duplicateToken: self.init(status: .conflict, code: "duplicate_token", message: error.description)
        case .tokenLocked: self.init(status: .conflict, code: "token_locked", message: error.description)
        case .counterWouldGoBack: self.init(status: .conflict, code: "counter_would_go_back", message: error.description)
        case .invalidToken: self.init(status: .badRequest, code: "invalid_token", message: error.description)
        case .contention: self.init(status: .serviceUnavailable, code: "contention", message: error.description)
        case .unavailable: self.init(status: .serviceUnavailable, code: "database_unavailable", message: "the database is unreachable; nothing was decided, try again")
        case .masterKeyRetired:
            self.init(status: .serviceUnavailable, code: "master_key_rotated",
                      message: "the master key was rotated since this server started; nothing was stored: restart it with the new key file")
        case .storage, .badMasterKey, .unknownMasterKey, .sealedSecretDamaged, .sealing, .masterKeyMissing, .wrongMasterKey, .rotationUnfinished:
            self.init(status: .serviceUnavailable, code: "unavailable", message: "the token store is unavailable")
        }
    }

    init(_ error: SeedFormatError) {
        self.init(status: .badRequest, code: error.code, message: error.description)
    }

    init(status: HTTPResponse.Status, code: String, message: String) {
        self.status = status
        self.code = code
        self.message = message
    }
}
