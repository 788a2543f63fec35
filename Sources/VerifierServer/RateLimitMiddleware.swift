import Hummingbird

/// Limits each API key to its token bucket (`RateLimiter`); runs after `APIKeyAuthentication`, which names the key.
struct RateLimitMiddleware: RouterMiddleware {
    typealias Context = VerifierRequestContext

    let limiter: RateLimiter

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard limiter.allow(try context.authenticatedKey().id) else { throw APIError.rateLimited }
        return try await next(request, context)
    }
}
