import Hummingbird
import Verification

/// Checks `Authorization: Bearer otpk_...` against the key store and puts the key into the request context.
///
/// The store is read on every request (no cache): a key revoked on any node stops at once. A route group takes the
/// role it needs: `.verify` lets any key in, `.admin` only admin keys (others get 403 `forbidden`).
struct APIKeyAuthentication: RouterMiddleware {
    typealias Context = VerifierRequestContext

    let keys: any APIKeyStore
    let role: APIKeyRole

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let header = request.headers[.authorization], header.hasPrefix("Bearer ") else { throw APIError.unauthorized }
        let presented = String(header.dropFirst(7))
        guard let key = try await keys.authenticate(presented) else { throw APIError.unauthorized }
        guard role == .verify || key.role == .admin else { throw APIError.forbidden }
        var context = context
        context.apiKey = key
        return try await next(request, context)
    }
}
