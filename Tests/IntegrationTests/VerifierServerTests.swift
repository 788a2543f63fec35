import Foundation
import OTPCore
import TestSupport
import Testing

/// The verification server over HTTP on loopback, in its own process: TLS, concurrency and SIGKILL end to end.
/// (What the HTTP API answers is tested in process: Tests/VerifierServerTests.)
@Suite(.serialized) struct VerifierServerTests {
    typealias F = VerifierServerFixture

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
