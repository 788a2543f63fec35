import Hummingbird

/// Counts every answer by status and times it (`otpkit_http_requests_total`, `otpkit_http_request_seconds`), and
/// the requests being answered now (`otpkit_http_requests_in_flight`).
struct RequestMetricsMiddleware<Context: RequestContext>: RouterMiddleware {
    let metrics: ServerMetrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        metrics.requestsInFlight.increment()
        defer { metrics.requestsInFlight.decrement() }
        do {
            let response = try await next(request, context)
            metrics.request(status: response.status.code, duration: ContinuousClock.now - start)
            return response
        } catch let error as any HTTPResponseError {
            metrics.request(status: error.status.code, duration: ContinuousClock.now - start)
            throw error
        } catch {
            metrics.request(status: 500, duration: ContinuousClock.now - start)
            throw error
        }
    }
}
