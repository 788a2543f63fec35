import Hummingbird
import Verification

/// The request context of the verification server's HTTP API: Hummingbird's core context and the API key that
/// `APIKeyAuthentication` found for the request (nil on routes without a key: health, metrics, the description).
public struct VerifierRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The caller's key, checked against the store for this very request.
    public var apiKey: APIKey?

    public init(source: Source) {
        coreContext = .init(source: source)
    }

    /// The key of a route that `APIKeyAuthentication` guards; a route outside such a group gets 401, never a default.
    func authenticatedKey() throws -> APIKey {
        guard let apiKey else { throw APIError.unauthorized }
        return apiKey
    }
}
