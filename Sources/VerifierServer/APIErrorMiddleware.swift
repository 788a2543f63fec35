import Hummingbird
import SeedFormats
import Verification

/// Turns whatever a handler or an inner middleware throws into an `APIError` answer: verifier and seed file errors
/// by their codes, anything else as 500 `internal` without its description. Every 503 is noted on stderr with its
/// cause, for the operator (the client gets only the stable code and message).
struct APIErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as HTTPError {
            return try error.response(from: request, context: context)  // Hummingbird's own (404 for an unknown path)
        } catch {
            let apiError = APIError(describing: error)
            if apiError.status == .serviceUnavailable {
                OperatorNotes.write("503 \(request.method) \(request.uri.path.prefix(64)) \(apiError.code): \(apiError.cause ?? apiError.message)")
            }
            return try apiError.response(from: request, context: context)
        }
    }
}

extension APIError {
    /// The answer for any error: our own as they are, the verifier's and the seed formats' by their codes.
    init(describing error: any Error) {
        switch error {
        case let error as APIError: self = error
        case let error as VerifierError: self.init(error)
        case let error as SeedFormatError: self.init(error)
        default: self.init(status: .internalServerError, code: "internal", message: "internal error", cause: "\(type(of: error))")
        }
    }
}
