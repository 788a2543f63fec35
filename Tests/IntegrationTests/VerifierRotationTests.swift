import Foundation
import OTPCore
import TestSupport
import Testing

/// Item 5 of issue 11 end to end: `rotate-key` while a server runs. The server's imports are refused from the
/// rotation on (they would be sealed under the retired key and lost at its next start); restarted with the new key
/// file, it verifies every token and imports again.
@Suite struct VerifierRotationTests {
    typealias F = VerifierServerFixture

    @Test func aServerRunningThroughARotationImportsNothingUnderTheOldKey() throws {
        let server = try F(tokens: 1)
        defer { try? FileManager.default.removeItem(at: server.folder) }
        let client = server.client()
        let admin = ["Authorization": "Bearer \(server.adminKey)"]
        #expect(try server.verify(client, token: "t0", code: F.code(0)).body == #"{"accepted":true}"#)

        let rotated = try server.cli("verifier", "rotate-key")
        #expect(rotated.status == 0, "\(rotated.stderr)")
        let seed = "[{\"serial\":\"late\",\"secretHex\":\"\(F.rfcHex)\"}]"
        let refused = try client.send("POST", "/v1/tokens", body: seed, headers: admin)
        #expect(refused.status == 503 && refused.body.contains("master_key_rotated"), "\(refused.status) \(refused.body)")
        #expect(try server.cli("verifier", "list", "--json").json([CLIOutput.Token].self).map(\.id) == ["t0"], "nothing was stored")
        // The node says it cannot serve (it holds a retired key), and its log says why.
        let health = try client.send("GET", "/healthz")
        #expect(health.status == 503 && health.body.contains("not_ready"), "\(health.status) \(health.body)")

        server.kill(signal: SIGTERM)
        try server.start()
        let restarted = server.client()
        #expect(try restarted.send("GET", "/healthz").status == 200)
        #expect(try server.verify(restarted, token: "t0", code: F.code(1)).body == #"{"accepted":true}"#)
        #expect(try restarted.send("POST", "/v1/tokens", body: seed, headers: admin).status == 201)
        #expect(try server.verify(restarted, token: "late", code: F.code(0)).body == #"{"accepted":true}"#)
    }
}
