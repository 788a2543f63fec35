import Foundation
import OTPCore
import TestSupport
import Testing

/// The verification server over HTTP on loopback, in its own process.
@Suite(.serialized) struct VerifierServerTests {
    typealias F = VerifierServerFixture

    @Test func verifyAnswersOnlyAcceptedOrRefused() throws {
        let server = try F(tokens: 2)
        let client = server.client()
        let verifyKey = try server.cli("verifier", "keys", "create", "--role", "verify", "--name", "app").stdout
            .trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(try server.verify(client, token: "t0", code: "755224", key: verifyKey).body == #"{"accepted":true}"#)
        let refused = #"{"accepted":false}"#
        #expect(try server.verify(client, token: "t0", code: "755224", key: verifyKey).body == refused, "replay")
        #expect(try server.verify(client, token: "nobody", code: "755224", key: verifyKey).body == refused, "unknown token")
        #expect(try server.verify(client, token: "t0", code: "000000", key: verifyKey).body == refused, "wrong code")
        for _ in 0..<10 { _ = try server.verify(client, token: "t1", code: "000000", key: verifyKey) }
        #expect(try server.verify(client, token: "t1", code: "755224", key: verifyKey).body == refused, "locked, even with the right code")

        // The administrators see why; the audit log says it without the code.
        let admin = try client.send("GET", "/v1/tokens/t1", headers: ["Authorization": "Bearer \(server.adminKey)"])
        #expect(admin.body.contains("\"locked\":true"))
        let audit = try String(contentsOfFile: server.auditPath, encoding: .utf8)
        #expect(audit.contains("action=verify token=t0 client="))
        for outcome in ["outcome=accepted", "outcome=replay", "outcome=unknown_token", "outcome=wrong_code", "outcome=locked"] {
            #expect(audit.contains(outcome), "\(outcome)")
        }
        #expect(!audit.contains("755224") && !audit.contains("000000"), "no code in the audit log")
        #expect(try client.send("POST", "/v1/tokens/t1/unlock", headers: ["Authorization": "Bearer \(server.adminKey)"]).status == 200)
        #expect(try server.verify(client, token: "t1", code: "755224", key: verifyKey).body == #"{"accepted":true}"#)
        let forbidden = try client.send("GET", "/v1/tokens", headers: ["Authorization": "Bearer \(verifyKey)"])
        #expect(forbidden.status == 403 && forbidden.body.contains("\"forbidden\""))
    }

    @Test func badRequestsGetStableFourHundredCodes() throws {
        let server = try F()
        let client = server.client()
        let auth = ["Authorization": "Bearer \(server.adminKey)"]
        let cases: [(String, String, [String: String], Int, String)] = [
            ("/v1/verify", #"{"token":"t0","code":"755224"}"#, [:], 401, "unauthorized"),
            ("/v1/verify", #"{"token":"t0","code":"755224"}"#, ["Authorization": "Bearer otpk_00000000_nope"], 401, "unauthorized"),
            ("/v1/verify", "not json", auth, 400, "bad_request"),
            ("/v1/verify", #"{"token":5,"code":"755224"}"#, auth, 400, "bad_request"),
            ("/v1/verify", #"{"token":"t0"}"#, auth, 400, "bad_request"),
            ("/v1/verify", "{\"token\":\"t0\",\"code\":\"\(String(repeating: "1", count: 40_000))\"}", auth, 413, "body_too_large"),
            ("/v1/tokens", "<?xml version=\"1.0\"?><!DOCTYPE x [<!ENTITY a \"b\">]><KeyContainer/>", auth, 400, "forbidden_xml"),
            ("/v1/tokens", "1,,0,31zz,,,\n", auth, 400, "bad_csv"),
            ("/v1/tokens", "[{\"serial\":\"new\",\"secretHex\":\"\(F.rfcHex)\"},{\"serial\":\"t0\",\"secretHex\":\"\(F.rfcHex)\"}]", auth, 409, "duplicate_token"),
        ]
        for (path, body, headers, status, code) in cases {
            let response = try client.send("POST", path, body: body, headers: headers)
            #expect(response.status == status, "\(path) \(body.prefix(60)): \(response.body)")
            #expect(response.body.contains("\"code\":\"\(code)\""), "\(response.body)")
        }
        let missing = try client.send("GET", "/v1/tokens/new", headers: auth)
        #expect(missing.status == 404, "the batch with a duplicate imported nothing")
        let back = try client.send("PUT", "/v1/tokens/t0/counter", body: #"{"counter":0}"#, headers: auth)
        #expect(back.status == 200)
        #expect(try server.verify(client, token: "t0", code: "755224").body == #"{"accepted":true}"#)
        let goingBack = try client.send("PUT", "/v1/tokens/t0/counter", body: #"{"counter":0}"#, headers: auth)
        #expect(goingBack.status == 409 && goingBack.body.contains("counter_would_go_back"))
        #expect(try client.send("GET", "/healthz").body.contains(#""status":"ready""#))
        let metrics = try client.send("GET", "/metrics").body
        #expect(metrics.contains("otpkit_decisions_total{kind=\"verify\",outcome=\"accepted\"} 1"))
        #expect(metrics.contains("otpkit_http_request_seconds_bucket"))
        #expect(try client.send("DELETE", "/v1/tokens/t0", headers: auth).status == 200)
        #expect(try client.send("DELETE", "/v1/tokens/t0", headers: auth).status == 404)
    }

    @Test func importsPSKCOverHTTP() throws {
        let server = try F()
        let client = server.client()
        let pskc = """
        <?xml version="1.0" encoding="UTF-8"?>
        <KeyContainer Version="1.0" xmlns="urn:ietf:params:xml:ns:keyprov:pskc"><KeyPackage><DeviceInfo><SerialNo>777</SerialNo></DeviceInfo>
        <Key Id="1" Algorithm="urn:ietf:params:xml:ns:keyprov:pskc:hotp"><AlgorithmParameters><ResponseFormat Length="6" Encoding="DECIMAL"/></AlgorithmParameters>
        <Data><Secret><PlainValue>MTIzNDU2Nzg5MDEyMzQ1Njc4OTA=</PlainValue></Secret><Counter><PlainValue>5</PlainValue></Counter></Data></Key></KeyPackage></KeyContainer>
        """
        let imported = try client.send("POST", "/v1/tokens", body: pskc, headers: ["Authorization": "Bearer \(server.adminKey)"])
        #expect(imported.status == 201, "\(imported.body)")
        #expect(try server.verify(client, token: "777", code: F.code(5)).body == #"{"accepted":true}"#)
    }

    @Test func servesHTTPSWithACertificate() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("otpkit-tls-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let cert = folder.appendingPathComponent("cert.pem").path, key = folder.appendingPathComponent("key.pem").path
        let openssl = try #require(Subprocess.which("openssl"), "openssl is missing (`make test` installs it)")
        let made = try Subprocess.run(openssl, ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert,
                                                "-days", "1", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"])
        #expect(made.status == 0, "\(made.stderr)")
        let server = try F(extraArguments: ["--tls-cert", cert, "--tls-key", key])
        let curl = try #require(Subprocess.which("curl"), "curl is missing (`make test` installs it)")
        let secure = try Subprocess.run(curl, ["-s", "--cacert", cert, "https://127.0.0.1:\(server.port)/healthz"])
        #expect(secure.stdout.contains(#""status":"ready""#), "\(secure.stderr)")
        let plain = try Subprocess.run(curl, ["-s", "-m", "5", "http://127.0.0.1:\(server.port)/healthz"])
        #expect(plain.stdout.isEmpty, "plain HTTP is not answered on a TLS port")
    }

    @Test func clientsAreRateLimited() throws {
        let server = try F(extraArguments: ["--rate-limit", "1"])
        let client = server.client()
        let statuses = try (0..<4).map { _ in try server.verify(client, token: "t0", code: "123456").status }
        #expect(statuses.prefix(2).allSatisfy { $0 == 200 })
        #expect(statuses.last == 429)
    }

    /// 64 concurrent HTTP requests carrying the same valid code: exactly one is accepted, every round.
    @Test func sixtyFourConcurrentRequestsAcceptOnce() throws {
        let server = try F()
        for round in 0..<5 {
            let code = F.code(UInt64(round))
            let lock = NSLock()
            nonisolated(unsafe) var accepted = 0
            nonisolated(unsafe) var answered = 0
            DispatchQueue.concurrentPerform(iterations: 64) { _ in
                let client = HTTPTestClient(port: server.port)
                if let response = try? server.verify(client, token: "t0", code: code) {
                    lock.withLock {
                        answered += 1
                        if response.body == #"{"accepted":true}"# { accepted += 1 }
                    }
                }
            }
            #expect(answered == 64)
            #expect(accepted == 1, "round \(round)")
        }
    }

    /// Killed mid-load and restarted: every code answered "accepted" before the kill is refused after it.
    @Test func nothingAcknowledgedIsLostToSIGKILL() throws {
        let server = try F(tokens: 8)
        let lock = NSLock()
        nonisolated(unsafe) var acknowledged: [(String, String)] = []
        let killer = DispatchWorkItem { server.kill() }
        DispatchQueue.global().asyncAfter(deadline: .now() + 1.5, execute: killer)
        DispatchQueue.concurrentPerform(iterations: 8) { index in
            let client = HTTPTestClient(port: server.port)
            for counter in 0..<UInt64(100_000) {
                guard let response = try? server.verify(client, token: "t\(index)", code: F.code(counter)) else { return }
                if response.body == #"{"accepted":true}"# { lock.withLock { acknowledged.append(("t\(index)", F.code(counter))) } }
            }
        }
        #expect(acknowledged.count > 50, "the load ran before the kill")
        try server.start()
        let client = server.client()
        var acceptedAgain = 0
        for (token, code) in acknowledged where try server.verify(client, token: token, code: code).body == #"{"accepted":true}"# {
            acceptedAgain += 1
        }
        #expect(acceptedAgain == 0, "\(acceptedAgain) of \(acknowledged.count) acknowledged codes were accepted again")
    }
}
