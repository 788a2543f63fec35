import Foundation
@testable import VerifierServer
import HTTPTypes
import Testing
import Verification

/// The HTTP API's behaviour in process (HummingbirdTesting's router client, a real SQLite store): what each route
/// answers, authentication, roles, rate limits, error codes and body limits.
@Suite struct VerifierHTTPAPITests {
    typealias S = InProcessServer

    @Test func verifyAnswersOnlyAcceptedOrRefused() async throws {
        let server = try await S(tokens: 2)
        let verifyKey = try await server.createKey(role: .verify)
        try await server.test { client in
            #expect(try await client.verify(token: "t0", code: "755224", key: verifyKey).body == S.accepted)
            #expect(try await client.verify(token: "t0", code: "755224", key: verifyKey).body == S.refused, "replay")
            #expect(try await client.verify(token: "nobody", code: "755224", key: verifyKey).body == S.refused, "unknown token")
            #expect(try await client.verify(token: "t0", code: "000000", key: verifyKey).body == S.refused, "wrong code")
            for _ in 0..<10 { _ = try await client.verify(token: "t1", code: "000000", key: verifyKey) }
            #expect(try await client.verify(token: "t1", code: "755224", key: verifyKey).body == S.refused, "locked, even with the right code")

            // The administrators see why; the audit log says it without the code.
            #expect(try await client.send(.get, "/v1/tokens/t1").body.contains("\"locked\":true"))
            #expect(try await client.send(.post, "/v1/tokens/t1/unlock").status == 200)
            #expect(try await client.verify(token: "t1", code: "755224", key: verifyKey).body == S.accepted)
            let forbidden = try await client.send(.get, "/v1/tokens", key: verifyKey)
            #expect(forbidden.status == 403 && forbidden.errorCode == "forbidden", "\(forbidden.body)")
        }
        let audit = server.auditText
        #expect(audit.contains("action=verify token=t0 client="))
        for outcome in ["outcome=accepted", "outcome=replay", "outcome=unknown_token", "outcome=wrong_code", "outcome=locked"] {
            #expect(audit.contains(outcome), "\(outcome)")
        }
        #expect(!audit.contains("755224") && !audit.contains("000000"), "no code in the audit log")
    }

    /// Without a key, with a wrong one, a revoked one, or a verify key on an admin route: the same stable answers
    /// as ever (openapi.yaml pins them), and the handler never runs.
    @Test func keysAndRolesAreCheckedOnEveryRequest() async throws {
        let server = try await S(tokens: 1)
        let verifyKey = try await server.createKey(role: .verify)
        try await server.test { client in
            // Byte for byte what openapi.yaml and every client know (keys in this order, every time).
            let unauthorized = #"{"error":{"code":"unauthorized","message":"a valid API key is required (Authorization: Bearer KEY)"}}"#
            for key in ["", "otpk_00000000_nope", "not-a-key"] {
                let answer = try await client.verify(token: "t0", code: S.code(0), key: key)
                #expect(answer.status == 401 && answer.body == unauthorized, "\(key): \(answer.body)")
                #expect(answer.headers[.contentType] == "application/json")
            }
            let basic = try await client.send(.post, "/v1/verify", body: "{}", key: "", headers: [.authorization: "Basic dXNlcjpwdw=="])
            #expect(basic.status == 401 && basic.errorCode == "unauthorized")
            for (method, path) in [(HTTPRequest.Method.get, "/v1/tokens"), (.post, "/v1/tokens"), (.get, "/v1/tokens/t0"),
                                   (.put, "/v1/tokens/t0/counter"), (.post, "/v1/tokens/t0/unlock"), (.delete, "/v1/tokens/t0"),
                                   (.put, "/v1/tokens/t0/user"), (.delete, "/v1/tokens/t0/user"), (.get, "/v1/users/alice/tokens")] {
                let answer = try await client.send(method, path, body: #"{"counter":9,"user":"mallory"}"#, key: verifyKey)
                #expect(answer.status == 403 && answer.body == #"{"error":{"code":"forbidden","message":"this API key may not do that (an admin key is needed)"}}"#,
                        "\(method) \(path): \(answer.body)")
            }
            #expect(try await client.send(.get, "/v1/tokens/t0").body.contains("\"counter\":0"), "the forbidden calls changed nothing")
            #expect(try await client.verify(token: "t0", code: S.code(0), key: verifyKey).body == S.accepted)
            // Revoked in the store (as `keys revoke` on any node does): refused from the next request on.
            let id = try #require(verifyKey.split(separator: "_").dropFirst().first.map(String.init))
            #expect(try await server.keys.revoke(id: id))
            let revoked = try await client.verify(token: "t0", code: S.code(1), key: verifyKey)
            #expect(revoked.status == 401 && revoked.errorCode == "unauthorized", "a revoked key still worked: \(revoked.body)")
        }
    }

    /// An import that meets stored tokens imports nothing and names every id whose stored seed is another one,
    /// even behind one whose seed is the same; each is audited.
    @Test func anImportNamesEveryTokenHeldWithAnotherSeed() async throws {
        let server = try await S(tokens: 3)
        try await server.test { client in
            let other = String(S.rfcHex.reversed())
            let body = "[{\"serial\":\"t0\",\"secretHex\":\"\(S.rfcHex)\"},{\"serial\":\"t1\",\"secretHex\":\"\(other)\"},"
                + "{\"serial\":\"n\",\"secretHex\":\"\(other)\"},{\"serial\":\"t2\",\"secretHex\":\"\(other)\"}]"
            let answer = try await client.send(.post, "/v1/tokens", body: body)
            #expect(answer.status == 409 && answer.errorCode == "token_has_other_seed", "\(answer.body)")
            #expect(answer.body.contains("t1, t2") && !answer.body.contains("t0"), "\(answer.body)")
            #expect(try await client.send(.get, "/v1/tokens/n").status == 404, "nothing was imported")
            #expect(try await client.verify(token: "t1", code: "755224").body == S.accepted, "t1 keeps its seed")
        }
        let audit = server.auditText
        #expect(audit.contains("t0") && audit.contains("outcome=already_there") && audit.contains("outcome=other_seed_there"), "\(audit)")
        #expect(!audit.contains(S.rfcHex) && !audit.contains(String(S.rfcHex.reversed())))
    }

    @Test func badRequestsGetStableFourHundredCodes() async throws {
        let server = try await S()
        try await server.test { client in
            let cases: [(String, String, Int, String)] = [
                ("/v1/verify", "not json", 400, "bad_request"),
                ("/v1/verify", #"{"token":5,"code":"755224"}"#, 400, "bad_request"),
                ("/v1/verify", #"{"token":"t0"}"#, 400, "bad_request"),
                ("/v1/verify", #"{"token":"t1","user":"alice","code":"123456"}"#, 400, "bad_request"),
                ("/v1/verify", "{\"token\":\"t0\",\"code\":\"\(String(repeating: "1", count: 40_000))\"}", 413, "body_too_large"),
                ("/v1/resync", #"{"token":"t0","code1":"1"}"#, 400, "bad_request"),
                ("/v1/tokens", "<?xml version=\"1.0\"?><!DOCTYPE x [<!ENTITY a \"b\">]><KeyContainer/>", 400, "forbidden_xml"),
                ("/v1/tokens", "1,,0,31zz,,,\n", 400, "bad_csv"),
                ("/v1/tokens", "[{\"serial\":\"new\",\"secretHex\":\"\(S.rfcHex)\"},{\"serial\":\"t0\",\"secretHex\":\"\(S.rfcHex)\"}]", 409, "duplicate_token"),
                // The same id with another seed: a reprogrammed token, whose stored seed is kept.
                ("/v1/tokens", "[{\"serial\":\"t0\",\"secretHex\":\"\(String(S.rfcHex.reversed()))\"}]", 409, "token_has_other_seed"),
                ("/v1/tokens", "[{\"serial\":\"t0\",\"secretHex\":\"\(S.rfcHex)\",\"digits\":8}]", 409, "token_has_other_seed"),
                ("/v1/tokens", "[{\"serial\":\"x\",\"secretHex\":\"\(S.rfcHex)\"},{\"serial\":\"x\",\"secretHex\":\"\(S.rfcHex)\"}]", 400, "bad_request"),
            ]
            for (path, body, status, code) in cases {
                let answer = try await client.send(.post, path, body: body)
                #expect(answer.status == status && answer.errorCode == code, "\(path) \(body.prefix(60)): \(answer.body)")
            }
            #expect(try await client.send(.get, "/v1/tokens/new").status == 404, "the batch with a duplicate imported nothing")
            #expect(try await client.send(.put, "/v1/tokens/t0/counter", body: #"{"counter":0}"#).status == 200)
            #expect(try await client.verify(token: "t0", code: "755224").body == S.accepted)
            let goingBack = try await client.send(.put, "/v1/tokens/t0/counter", body: #"{"counter":0}"#)
            #expect(goingBack.status == 409 && goingBack.errorCode == "counter_would_go_back")
            #expect(goingBack.body.contains(#"\"force\": true"#) && !goingBack.body.contains("--force"), "names the JSON field: \(goingBack.body)")
            #expect(try await client.send(.put, "/v1/tokens/t0/counter", body: #"{"counter":0,"force":true}"#).status == 200)
            #expect(try await client.send(.get, "/healthz", key: "").body.contains(#""status":"ready""#))
            #expect(try await client.send(.delete, "/v1/tokens/t0").status == 200)
            let gone = try await client.send(.delete, "/v1/tokens/t0")
            #expect(gone.status == 404 && gone.errorCode == "unknown_token")
            #expect(try await client.send(.get, "/v1/nothing-here").status == 404)
        }
    }

    /// An import larger than the import limit is refused whole, before it is parsed.
    @Test func importsHaveABodyLimitOfTheirOwn() async throws {
        var options = VerifierHTTPServer.Options()
        options.maxImportBytes = 1024
        let server = try await S(tokens: 0, options: options)
        try await server.test { client in
            let seeds = (0..<40).map { "{\"serial\":\"s\($0)\",\"secretHex\":\"\(S.rfcHex)\"}" }.joined(separator: ",")
            let tooLarge = try await client.send(.post, "/v1/tokens", body: "[\(seeds)]")
            #expect(tooLarge.status == 413 && tooLarge.errorCode == "body_too_large", "\(tooLarge.body)")
            #expect(try await client.send(.get, "/v1/tokens").body == "[]")
            let small = try await client.send(.post, "/v1/tokens", body: "[{\"serial\":\"s0\",\"secretHex\":\"\(S.rfcHex)\"}]")
            #expect(small.status == 201 && small.body == #"{"imported":["s0"],"skipped":[]}"#, "\(small.body)")
        }
    }

    @Test func importsPSKCAndAssignsItsUser() async throws {
        let server = try await S()
        let pskc = """
        <?xml version="1.0" encoding="UTF-8"?>
        <KeyContainer Version="1.0" xmlns="urn:ietf:params:xml:ns:keyprov:pskc"><KeyPackage><DeviceInfo><SerialNo>778</SerialNo></DeviceInfo>
        <Key Id="1" Algorithm="urn:ietf:params:xml:ns:keyprov:pskc:hotp"><AlgorithmParameters><ResponseFormat Length="6" Encoding="DECIMAL"/></AlgorithmParameters>
        <Data><Secret><PlainValue>MTIzNDU2Nzg5MDEyMzQ1Njc4OTA=</PlainValue></Secret><Counter><PlainValue>3</PlainValue></Counter></Data>
        <UserId>UID=carol,DC=example,DC=net</UserId></Key></KeyPackage></KeyContainer>
        """
        try await server.test { client in
            let imported = try await client.send(.post, "/v1/tokens", body: pskc)
            #expect(imported.status == 201, "\(imported.body)")
            #expect(try await client.login(user: "carol", code: S.code(3)).body == S.accepted)
            let badKey = try await client.send(.post, "/v1/tokens", body: pskc, headers: [HTTPField.Name("X-PSKC-Key")!: "zz"])
            #expect(badKey.status == 400 && badKey.body.contains("X-PSKC-Key must be hex"), "\(badKey.body)")
            let consent = try await client.send(.post, "/v1/tokens", body: pskc, headers: [HTTPField.Name("X-PSKC-Allow-Missing-MAC")!: "maybe"])
            #expect(consent.status == 400 && consent.body.contains("X-PSKC-Allow-Missing-MAC must be true or false"), "\(consent.body)")
        }
        #expect(server.auditText.contains("action=import token=778 user=carol"), "\(server.auditText)")
    }

    @Test func clientsAreRateLimitedPerKey() async throws {
        var options = VerifierHTTPServer.Options()
        options.rateLimit = 0.001  // no refill worth speaking of during the test
        options.rateBurst = 2
        let server = try await S(options: options)
        let other = try await server.createKey(role: .verify)
        try await server.test { client in
            var statuses: [Int] = []
            for _ in 0..<3 { statuses.append(try await client.verify(token: "t0", code: "123456").status) }
            #expect(statuses == [200, 200, 429], "\(statuses)")
            let limited = try await client.verify(token: "t0", code: "123456")
            #expect(limited.body == #"{"error":{"code":"rate_limited","message":"too many requests from this client; slow down"}}"#, "\(limited.body)")
            #expect(try await client.verify(token: "t0", code: "123456", key: other).status == 200, "another key has its own bucket")
            #expect(try await client.send(.get, "/v1/tokens").status == 429, "admin routes count too")
        }
    }

    /// A declared path asked with a method it does not take: 405 with `Allow`, in the API's error format.
    @Test func undeclaredMethodsAnswerMethodNotAllowed() async throws {
        let server = try await S()
        try await server.test { client in
            let cases: [(HTTPRequest.Method, String, String)] = [
                (.get, "/v1/verify", "POST"), (.patch, "/v1/resync", "POST"), (.put, "/v1/tokens", "GET, POST"),
                (.post, "/v1/tokens/t0", "DELETE, GET"), (.get, "/v1/tokens/t0/counter", "PUT"), (.post, "/healthz", "GET"),
                (.delete, "/v1/users/alice/tokens", "GET"), (.post, "/v1/tokens/t0/user", "DELETE, PUT"),
            ]
            for (method, path, allow) in cases {
                let answer = try await client.send(method, path, body: "{}", key: "")
                #expect(answer.status == 405 && answer.errorCode == "method_not_allowed", "\(method) \(path): \(answer.body)")
                let allowed = Set((answer.headers[.allow] ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) })
                #expect(allowed == Set(allow.components(separatedBy: ", ")), "\(method) \(path): \(answer.headers)")
            }
            #expect(try await client.send(.get, "/v1/tokens/t0/nothing").status == 404, "an undeclared path stays 404")
        }
    }

    /// Ids with a space, a slash and non-ASCII letters are managed through percent-encoded paths.
    @Test func tokenIdsArePercentDecoded() async throws {
        let server = try await S(tokens: 0)
        try await server.test { client in
            let ids = ["a b", "x/y", "zürich-é"]
            let seeds = ids.map { "{\"serial\":\"\($0)\",\"secretHex\":\"\(S.rfcHex)\"}" }.joined(separator: ",")
            #expect(try await client.send(.post, "/v1/tokens", body: "[\(seeds)]").status == 201)
            for id in ids {
                let path = "/v1/tokens/" + id.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
                let read = try await client.send(.get, path).status
                let set = try await client.send(.put, path + "/counter", body: #"{"counter":5}"#).status
                let unlocked = try await client.send(.post, path + "/unlock").status
                let verified = try await client.verify(token: id, code: S.code(5)).body
                let deleted = try await client.send(.delete, path).status
                let gone = try await client.send(.get, path).status
                #expect([read, set, unlocked, deleted, gone] == [200, 200, 200, 200, 404] && verified == S.accepted, "\(id)")
            }
        }
    }

    @Test func resyncAnswersOnlyResynchronizedOrNot() async throws {
        let server = try await S(tokens: 1)
        try await server.test { client in
            let far = try await client.send(.post, "/v1/resync", body: "{\"token\":\"t0\",\"code1\":\"\(S.code(200))\",\"code2\":\"\(S.code(201))\"}")
            #expect(far.body == #"{"resynchronized":true}"#, "\(far.body)")
            #expect(try await client.verify(token: "t0", code: S.code(202)).body == S.accepted)
            for token in ["t0", "nobody"] {
                let refused = try await client.send(.post, "/v1/resync", body: "{\"token\":\"\(token)\",\"code1\":\"000000\",\"code2\":\"000001\"}")
                #expect(refused.status == 200 && refused.body == #"{"resynchronized":false}"#, "\(token): \(refused.body)")
            }
        }
    }
}

extension InProcessServer {
    static let rfcHex = "3132333435363738393031323334353637383930"
}
