import Hummingbird
import SeedFormats
import Verification

/// An error answer: an HTTP status and a stable machine-readable code, with a message for people. It renders itself
/// (Hummingbird's `HTTPResponseError`) as `{"error": {"code", "message"}}`.
/// Bad input is always a 4xx; only a store that cannot be reached gives 503.
struct APIError: HTTPResponseError, Sendable {
    let status: HTTPResponse.Status
    let code: String
    let message: String
    /// What went wrong underneath, for the operator's stderr note on a 503 (never sent to the client).
    var cause: String?
    /// Headers the answer carries besides its JSON (`Allow` on a 405).
    var headers: HTTPFields = [:]

    func response(from request: Request, context: some RequestContext) throws -> Response {
        var response = Response.json(Body(error: .init(code: code, message: message)), status: status)
        response.headers.append(contentsOf: headers)
        return response
    }

    /// `{"error": {"code", "message"}}` (`Response.json` sorts the keys: always in this order).
    private struct Body: Encodable {
        struct Detail: Encodable { let code: String; let message: String }
        let error: Detail
    }

    static let unauthorized = APIError(status: .unauthorized, code: "unauthorized", message: "a valid API key is required (Authorization: Bearer KEY)")
    static let forbidden = APIError(status: .forbidden, code: "forbidden", message: "this API key may not do that (an admin key is needed)")
    static let rateLimited = APIError(status: .tooManyRequests, code: "rate_limited", message: "too many requests from this client; slow down")
    static let importsBusy = APIError(status: .serviceUnavailable, code: "imports_busy", message: "too many imports are in progress; try again later",
                                      cause: "import refused: the import queue is full")
    static func methodNotAllowed(allow: String) -> APIError {
        APIError(status: .methodNotAllowed, code: "method_not_allowed", message: "this path takes only \(allow)",
                 headers: [.allow: allow])
    }
    static func otherSeedStored(_ ids: [String]) -> APIError {
        let named = ids.prefix(10).joined(separator: ", ") + (ids.count > 10 ? " and \(ids.count - 10) more" : "")
        return APIError(status: .conflict, code: "token_has_other_seed",
                        message: "\(ids.count == 1 ? "a token" : "tokens") \(named) exist\(ids.count == 1 ? "s" : "") already with "
                            + "another seed, which is kept (or one this verifier cannot open); delete \(ids.count == 1 ? "it" : "them") "
                            + "to import the new seed\(ids.count == 1 ? "" : "s"); nothing was imported")
    }
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
        case .counterWouldGoBack(let id, let current, let requested):
            // Said for an HTTP client: the CLI's `--force` is the JSON field here.
            self.init(status: .conflict, code: "counter_would_go_back",
                      message: "token \(id) is at counter \(current); setting \(requested) would allow old codes again (send \"force\": true if you mean it)")
        case .invalidToken: self.init(status: .badRequest, code: "invalid_token", message: error.description)
        case .invalidUser: self.init(status: .badRequest, code: "invalid_user", message: error.description)
        case .userOwnsNoToken: self.init(status: .notFound, code: "user_owns_no_token", message: error.description)
        case .duplicateRADIUSClient: self.init(status: .conflict, code: "duplicate_radius_client", message: error.description)
        case .unknownRADIUSClient: self.init(status: .notFound, code: "unknown_radius_client", message: error.description)
        case .contention: self.init(status: .serviceUnavailable, code: "contention", message: error.description, cause: error.description)
        case .unavailable:
            self.init(status: .serviceUnavailable, code: "database_unavailable", message: "the database is unreachable; nothing was decided, try again",
                      cause: error.description)
        case .masterKeyRetired:
            self.init(status: .serviceUnavailable, code: "master_key_rotated",
                      message: "the master key was rotated since this server started; nothing was stored: restart it with the new key file",
                      cause: error.description)
        case .storage, .badMasterKey, .unknownMasterKey, .sealedSecretDamaged, .sealing, .masterKeyMissing, .wrongMasterKey, .rotationUnfinished:
            self.init(status: .serviceUnavailable, code: "unavailable", message: "the token store is unavailable", cause: error.description)
        }
    }

    init(_ error: SeedFormatError) {
        self.init(status: .badRequest, code: error.code, message: error.message(naming: Self.seedFileWording))
    }

    init(status: HTTPResponse.Status, code: String, message: String, cause: String? = nil, headers: HTTPFields = [:]) {
        self.status = status
        self.code = code
        self.message = message
        self.cause = cause
        self.headers = headers
    }

    /// Over HTTP a seed file's credentials and consent travel in headers.
    static let seedFileWording = SeedFormatError.Wording(
        password: "the header X-PSKC-Password", preSharedKey: "the header X-PSKC-Key (hex)",
        allowMissingMAC: "send the header X-PSKC-Allow-Missing-MAC: true")
}
