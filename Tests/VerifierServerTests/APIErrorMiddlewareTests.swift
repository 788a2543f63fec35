import Foundation
import Hummingbird
import HummingbirdTesting
import SeedFormats
import Testing
import Verification
@testable import VerifierServer

/// Errors render themselves: the middleware maps what handlers throw to the API's JSON errors, and an error it does
/// not know becomes 500 `internal` without a word of its description.
@Suite struct APIErrorMiddlewareTests {
    struct Leaky: Error, CustomStringConvertible { var description: String { "seed 3132333435363738 in a message" } }

    @Test func errorsBecomeAPIErrorsAndUnknownOnesSayNothing() async throws {
        let router = Router(context: VerifierRequestContext.self)
        router.add(middleware: APIErrorMiddleware())
        router.get("/leaky") { _, _ -> Response in throw Leaky() }
        router.get("/unknown") { _, _ -> Response in throw VerifierError.unknownToken("t9") }
        router.get("/unavailable") { _, _ -> Response in throw VerifierError.unavailable("connection refused") }
        router.get("/keyless") { _, context -> Response in _ = try context.authenticatedKey(); return Response(status: .ok) }
        try await Application(router: router).test(.router) { client in
            let leaky = try await client.execute(uri: "/leaky", method: .get)
            #expect(leaky.status == .internalServerError)
            let body = String(buffer: leaky.body)
            #expect(body.contains(#""code":"internal""#) && !body.contains("seed") && !body.contains("Leaky"), "\(body)")
            let unknown = try await client.execute(uri: "/unknown", method: .get)
            #expect(unknown.status == .notFound && String(buffer: unknown.body).contains(#""code":"unknown_token""#))
            let unavailable = try await client.execute(uri: "/unavailable", method: .get)
            #expect(unavailable.status == .serviceUnavailable && String(buffer: unavailable.body).contains(#""code":"database_unavailable""#))
            #expect(!String(buffer: unavailable.body).contains("connection refused"), "the cause is for the operator's stderr only")
            #expect(try await client.execute(uri: "/keyless", method: .get).status == .unauthorized, "no key without the middleware")
            #expect(try await client.execute(uri: "/nowhere", method: .get).status == .notFound)
        }
    }
}
