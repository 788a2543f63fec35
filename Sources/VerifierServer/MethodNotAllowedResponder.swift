import Hummingbird

/// Answers a request for a declared path with a method it does not take with 405 and an `Allow` header (the
/// router alone would say 404, as for a path that does not exist); everything else goes to the router.
struct MethodNotAllowedResponder<Wrapped: HTTPResponder>: HTTPResponder where Wrapped.Context: RequestContext {
    typealias Context = Wrapped.Context

    let wrapped: Wrapped
    /// Each declared path with the methods it takes.
    let routes: [(path: RouterPath, methods: [HTTPRequest.Method])]

    init(_ wrapped: Wrapped, routes: [(path: RouterPath, method: HTTPRequest.Method)]) {
        self.wrapped = wrapped
        var table: [(path: RouterPath, methods: [HTTPRequest.Method])] = []
        for route in routes {
            if let index = table.firstIndex(where: { $0.path == route.path }) {
                table[index].methods.append(route.method)
            } else {
                table.append((route.path, [route.method]))
            }
        }
        self.routes = table
    }

    func respond(to request: Request, context: Context) async throws -> Response {
        let components = request.uri.path.split(separator: "/", omittingEmptySubsequences: true)
        let declared = routes.first { route in
            route.path.count == components.count && zip(route.path, components).allSatisfy { $0 ~= $1 }
        }
        guard let declared, !declared.methods.contains(request.method) else {
            return try await wrapped.respond(to: request, context: context)
        }
        let allow = declared.methods.map(\.rawValue).joined(separator: ", ")
        return try APIError.methodNotAllowed(allow: allow).response(from: request, context: context)
    }
}
