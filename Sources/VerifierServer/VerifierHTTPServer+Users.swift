import Hummingbird
import Verification
import VerifierAPI

/// The admin routes on users: who owns a token, and which tokens a user owns. A token has at most one owner;
/// assigning it again moves it. Logins by user name go through `POST /v1/verify` (`{"user", "code"}`).
extension VerifierHTTPServer {
    func addUserAdministration(to admin: RouterGroup<VerifierRequestContext>) {
        admin.put("tokens/:id/user") { request, context in
            let client = try context.authenticatedKey()
            let id = try self.tokenID(context)
            let body = try await self.decode(AssignRequest.self, from: request)
            let token = try await self.deciding { () async throws -> VerifierToken? in
                try await self.verifier.administration.assign(tokenID: id, to: body.user)
                return try await self.verifier.administration.token(id: id)
            }
            guard let token else { throw APIError(VerifierError.unknownToken(id)) }
            self.audit.record("assign", token: id, user: token.user, client: client.id, outcome: "assigned")
            return Response.json(TokenSummary(token))
        }
        admin.delete("tokens/:id/user") { _, context in
            let client = try context.authenticatedKey()
            let id = try self.tokenID(context)
            let token = try await self.deciding { () async throws -> VerifierToken? in
                try await self.verifier.administration.unassign(tokenID: id)
                return try await self.verifier.administration.token(id: id)
            }
            guard let token else { throw APIError(VerifierError.unknownToken(id)) }
            self.audit.record("unassign", token: id, client: client.id, outcome: "unassigned")
            return Response.json(TokenSummary(token))
        }
        admin.get("users/:name/tokens") { _, context in
            let name = try self.userName(context)
            return Response.json(try await self.verifier.administration.tokens(ofUser: name).map(TokenSummary.init))
        }
    }

    /// The path's user name, percent-decoded as token ids are (`alice%40corp` is `alice@corp`).
    private func userName(_ context: VerifierRequestContext) throws -> String {
        guard let raw = context.parameters.get("name"), let name = raw.removingPercentEncoding, !name.isEmpty else {
            throw APIError.badRequest("no user name, or one that is not percent-encoded UTF-8")
        }
        return name
    }
}
