import Foundation
import OTPCore
import TestSupport
import Testing

/// Issue 12 part 1 over the HTTP API, on `otpkit verifier serve` in its own process: who owns a token
/// (`PUT`/`DELETE /v1/tokens/ID/user`, `GET /v1/users/NAME/tokens`) and logins by user name on `POST /v1/verify`.
@Suite(.serialized) struct VerifierUsersHTTPTests {
    typealias F = VerifierServerFixture

    @Test func assignListAndUnassignOverHTTP() throws {
        let server = try F(tokens: 2)
        let client = server.client()
        let admin = ["Authorization": "Bearer \(server.adminKey)"]
        let assigned = try client.send("PUT", "/v1/tokens/t0/user", body: #"{"user":"alice"}"#, headers: admin)
        #expect(assigned.status == 200 && assigned.body.contains(#""id":"t0""#) && assigned.body.contains(#""user":"alice""#), "\(assigned.body)")
        #expect(try client.send("PUT", "/v1/tokens/t1/user", body: #"{"user":"alice@corp"}"#, headers: admin).status == 200)

        let owned = try client.send("GET", "/v1/users/alice/tokens", headers: admin)
        let summaries = try #require(try JSONSerialization.jsonObject(with: Data(owned.body.utf8)) as? [[String: Any]], "\(owned.body)")
        #expect(summaries.count == 1 && summaries[0]["id"] as? String == "t0" && summaries[0]["user"] as? String == "alice")
        #expect(summaries[0]["counter"] != nil && summaries[0]["secret"] == nil, "the token summary, never a secret")
        let realm = try client.send("GET", "/v1/users/alice%40corp/tokens", headers: admin)
        #expect(realm.body.contains(#""id":"t1""#), "a percent-encoded name: \(realm.body)")
        #expect(try client.send("GET", "/v1/tokens", headers: admin).body.contains(#""user":"alice@corp""#), "the tokens list shows users")
        #expect(try client.send("GET", "/v1/users/nobody/tokens", headers: admin).body == "[]")

        let unassigned = try client.send("DELETE", "/v1/tokens/t0/user", headers: admin)
        #expect(unassigned.status == 200 && !unassigned.body.contains("\"user\""), "\(unassigned.body)")
        #expect(try client.send("GET", "/v1/users/alice/tokens", headers: admin).body == "[]")

        let cases: [(String, String, String, Int, String)] = [
            ("PUT", "/v1/tokens/nope/user", #"{"user":"alice"}"#, 404, "unknown_token"),
            ("DELETE", "/v1/tokens/nope/user", "", 404, "unknown_token"),
            ("PUT", "/v1/tokens/t0/user", #"{"user":""}"#, 400, "invalid_user"),
            ("PUT", "/v1/tokens/t0/user", #"{"user":5}"#, 400, "bad_request"),
            ("PUT", "/v1/tokens/t0/user", "{}", 400, "bad_request"),
            ("GET", "/v1/users/\(String(repeating: "a", count: 300))/tokens", "", 400, "invalid_user"),
        ]
        for (method, path, body, status, code) in cases {
            let response = try client.send(method, path, body: body, headers: admin)
            #expect(response.status == status && response.body.contains("\"code\":\"\(code)\""), "\(method) \(path.prefix(40)) \(body): \(response.body)")
        }
        let verifyKey = try server.cli("verifier", "keys", "create", "--role", "verify", "--name", "app").stdout
            .trimmingCharacters(in: .whitespacesAndNewlines)
        for (method, path) in [("PUT", "/v1/tokens/t0/user"), ("DELETE", "/v1/tokens/t1/user"), ("GET", "/v1/users/alice/tokens")] {
            let forbidden = try client.send(method, path, body: #"{"user":"mallory"}"#, headers: ["Authorization": "Bearer \(verifyKey)"])
            #expect(forbidden.status == 403, "\(method) \(path) needs an admin key")
        }
        #expect(try client.send("PUT", "/v1/tokens/t0/user", body: #"{"user":"alice"}"#).status == 401)
        let audit = try String(contentsOfFile: server.auditPath, encoding: .utf8)
        #expect(audit.contains("action=assign token=t0 user=alice client=") && audit.contains("action=unassign token=t0 client="), "\(audit)")
    }

    @Test func verifyByUserAnswersOnlyAcceptedOrRefused() throws {
        let server = try F(tokens: 2)
        let client = server.client()
        let admin = ["Authorization": "Bearer \(server.adminKey)"]
        #expect(try client.send("PUT", "/v1/tokens/t1/user", body: #"{"user":"alice"}"#, headers: admin).status == 200)
        let verifyKey = try server.cli("verifier", "keys", "create", "--role", "verify", "--name", "vpn").stdout
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let login = { (user: String, code: String) throws -> HTTPTestClient.Response in
            try client.send("POST", "/v1/verify", body: "{\"user\":\"\(user)\",\"code\":\"\(code)\"}", headers: ["Authorization": "Bearer \(verifyKey)"])
        }
        let refused = #"{"accepted":false}"#
        #expect(try login("alice", F.code(0)).body == #"{"accepted":true}"#)
        #expect(try login("alice", F.code(0)).body == refused, "replay")
        #expect(try login("alice", "000000").body == refused, "wrong code")
        #expect(try login("mallory", F.code(1)).body == refused, "unknown user")
        #expect(try login(String(repeating: "x", count: 400), F.code(1)).body == refused, "a name no user can have")
        #expect(try server.verify(client, token: "t0", code: F.code(0), key: verifyKey).body == #"{"accepted":true}"#, "by token as before")

        for body in [#"{"token":"t1","user":"alice","code":"123456"}"#, #"{"code":"123456"}"#] {
            let response = try client.send("POST", "/v1/verify", body: body, headers: ["Authorization": "Bearer \(verifyKey)"])
            #expect(response.status == 400 && response.body.contains("exactly one of the fields token and user"), "\(body): \(response.body)")
        }

        // A PIN set with the CLI while the server runs: the password is PIN followed by code.
        let pinFile = server.folder.appendingPathComponent("pin").path
        try Data("4321\n".utf8).write(to: URL(fileURLWithPath: pinFile))
        #expect(try server.cli("verifier", "set-pin", "--user", "alice", "--pin-file", pinFile).status == 0)
        #expect(try login("alice", F.code(1)).body == refused, "the code alone")
        #expect(try login("alice", "4321" + F.code(1)).body == #"{"accepted":true}"#)

        let audit = try String(contentsOfFile: server.auditPath, encoding: .utf8)
        #expect(audit.contains("action=verify token=t1 user=alice client="), "the token that matched and the user: \(audit)")
        #expect(audit.contains("action=verify token=- user=mallory client=") && audit.contains("outcome=unknown_user"), "\(audit)")
        #expect(audit.contains("outcome=wrong_pin"), "\(audit)")
        for code in [F.code(0), F.code(1), "000000", "4321"] { #expect(!audit.contains(code), "no code or PIN in the audit log") }
        let metrics = try client.send("GET", "/metrics").body
        #expect(metrics.contains("otpkit_decisions_total{kind=\"verify\",outcome=\"accepted\"} 3"), "\(metrics)")
    }

    /// A PSKC file naming its key's user (RFC 6030 `<Key><UserId>`) imported over HTTP assigns the token.
    @Test func pskcImportOverHTTPAssignsTheUser() throws {
        let server = try F()
        let client = server.client()
        let pskc = """
        <?xml version="1.0" encoding="UTF-8"?>
        <KeyContainer Version="1.0" xmlns="urn:ietf:params:xml:ns:keyprov:pskc"><KeyPackage><DeviceInfo><SerialNo>778</SerialNo></DeviceInfo>
        <Key Id="1" Algorithm="urn:ietf:params:xml:ns:keyprov:pskc:hotp"><AlgorithmParameters><ResponseFormat Length="6" Encoding="DECIMAL"/></AlgorithmParameters>
        <Data><Secret><PlainValue>MTIzNDU2Nzg5MDEyMzQ1Njc4OTA=</PlainValue></Secret><Counter><PlainValue>3</PlainValue></Counter></Data>
        <UserId>UID=carol,DC=example,DC=net</UserId></Key></KeyPackage></KeyContainer>
        """
        let imported = try client.send("POST", "/v1/tokens", body: pskc, headers: ["Authorization": "Bearer \(server.adminKey)"])
        #expect(imported.status == 201, "\(imported.body)")
        let login = try client.send("POST", "/v1/verify", body: "{\"user\":\"carol\",\"code\":\"\(F.code(3))\"}",
                                    headers: ["Authorization": "Bearer \(server.adminKey)"])
        #expect(login.body == #"{"accepted":true}"#)
        let audit = try String(contentsOfFile: server.auditPath, encoding: .utf8)
        #expect(audit.contains("action=import token=778 user=carol"), "\(audit)")
    }
}
