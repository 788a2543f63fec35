import Foundation
import HTTPTypes
import Testing
import Verification
@testable import VerifierServer

/// Who owns a token over the HTTP API (`PUT`/`DELETE /v1/tokens/ID/user`, `GET /v1/users/NAME/tokens`) and logins
/// by user name on `POST /v1/verify`, in process.
@Suite struct VerifierUsersHTTPTests {
    typealias S = InProcessServer

    @Test func assignListAndUnassign() async throws {
        let server = try await S(tokens: 2)
        try await server.test { client in
            let assigned = try await client.send(.put, "/v1/tokens/t0/user", body: #"{"user":"alice"}"#)
            #expect(assigned.status == 200 && assigned.body.contains(#""id":"t0""#) && assigned.body.contains(#""user":"alice""#), "\(assigned.body)")
            #expect(try await client.send(.put, "/v1/tokens/t1/user", body: #"{"user":"alice@corp"}"#).status == 200)

            let owned = try await client.send(.get, "/v1/users/alice/tokens")
            let summaries = try #require(try JSONSerialization.jsonObject(with: Data(owned.body.utf8)) as? [[String: Any]], "\(owned.body)")
            #expect(summaries.count == 1 && summaries[0]["id"] as? String == "t0" && summaries[0]["user"] as? String == "alice")
            #expect(summaries[0]["counter"] != nil && summaries[0]["secret"] == nil, "the token summary, never a secret")
            #expect(try await client.send(.get, "/v1/users/alice%40corp/tokens").body.contains(#""id":"t1""#), "a percent-encoded name")
            #expect(try await client.send(.get, "/v1/tokens").body.contains(#""user":"alice@corp""#), "the tokens list shows users")
            #expect(try await client.send(.get, "/v1/users/nobody/tokens").body == "[]")

            let unassigned = try await client.send(.delete, "/v1/tokens/t0/user")
            #expect(unassigned.status == 200 && !unassigned.body.contains("\"user\""), "\(unassigned.body)")
            #expect(try await client.send(.get, "/v1/users/alice/tokens").body == "[]")

            let cases: [(HTTPRequest.Method, String, String, Int, String)] = [
                (.put, "/v1/tokens/nope/user", #"{"user":"alice"}"#, 404, "unknown_token"),
                (.delete, "/v1/tokens/nope/user", "", 404, "unknown_token"),
                (.put, "/v1/tokens/t0/user", #"{"user":""}"#, 400, "invalid_user"),
                (.put, "/v1/tokens/t0/user", #"{"user":5}"#, 400, "bad_request"),
                (.put, "/v1/tokens/t0/user", "{}", 400, "bad_request"),
                (.get, "/v1/users/\(String(repeating: "a", count: 300))/tokens", "", 400, "invalid_user"),
            ]
            for (method, path, body, status, code) in cases {
                let answer = try await client.send(method, path, body: body)
                #expect(answer.status == status && answer.errorCode == code, "\(method) \(path.prefix(40)) \(body): \(answer.body)")
            }
        }
        let audit = server.auditText
        #expect(audit.contains("action=assign token=t0 user=alice client=") && audit.contains("action=unassign token=t0 client="), "\(audit)")
    }

    @Test func verifyByUserAnswersOnlyAcceptedOrRefused() async throws {
        let server = try await S(tokens: 2)
        let verifyKey = try await server.createKey(role: .verify)
        try await server.verifier.administration.assign(tokenID: "t1", to: "alice")
        try await server.test { client in
            #expect(try await client.login(user: "alice", code: S.code(0), key: verifyKey).body == S.accepted)
            #expect(try await client.login(user: "alice", code: S.code(0), key: verifyKey).body == S.refused, "replay")
            #expect(try await client.login(user: "alice", code: "000000", key: verifyKey).body == S.refused, "wrong code")
            #expect(try await client.login(user: "mallory", code: S.code(1), key: verifyKey).body == S.refused, "unknown user")
            #expect(try await client.login(user: String(repeating: "x", count: 400), code: S.code(1), key: verifyKey).body == S.refused)
            #expect(try await client.verify(token: "t0", code: S.code(0), key: verifyKey).body == S.accepted, "by token as before")
            for body in [#"{"token":"t1","user":"alice","code":"123456"}"#, #"{"code":"123456"}"#] {
                let answer = try await client.send(.post, "/v1/verify", body: body, key: verifyKey)
                #expect(answer.status == 400 && answer.body.contains("exactly one of the fields token and user"), "\(body): \(answer.body)")
            }
            // A PIN set while the server runs: the password is the PIN followed by the code.
            try await server.verifier.administration.setPIN("4321", user: "alice")
            #expect(try await client.login(user: "alice", code: S.code(1), key: verifyKey).body == S.refused, "the code alone")
            #expect(try await client.login(user: "alice", code: "4321" + S.code(1), key: verifyKey).body == S.accepted)
            // Issue 20, item 2: by id too, alice's token wants her PIN before the code.
            #expect(try await client.verify(token: "t1", code: S.code(2), key: verifyKey).body == S.refused, "by id, the code alone")
            #expect(try await client.verify(token: "t1", code: "1234" + S.code(2), key: verifyKey).body == S.refused, "by id, a wrong PIN")
            #expect(try await client.verify(token: "t1", code: "4321" + S.code(2), key: verifyKey).body == S.accepted, "by id, PIN and code")
            let metrics = try await client.send(.get, "/metrics", key: "").body
            #expect(metrics.contains(#"otpkit_decisions_total{kind="verify",outcome="accepted"} 4"#), "\(metrics)")
        }
        let audit = server.auditText
        #expect(audit.contains("action=verify token=t1 user=alice client="), "the token that matched and the user: \(audit)")
        #expect(audit.contains("action=verify token=- user=mallory client=") && audit.contains("outcome=unknown_user"), "\(audit)")
        #expect(audit.contains("outcome=wrong_pin"), "\(audit)")
        for code in [S.code(0), S.code(1), "000000", "4321"] { #expect(!audit.contains(code), "no code or PIN in the audit log") }
    }
}
