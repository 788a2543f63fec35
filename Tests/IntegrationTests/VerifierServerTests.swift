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
        #expect(try secure.json([String: String].self)["status"] == "ready", "\(secure.stderr)")
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
        let end = Date().addingTimeInterval(60)  // a bound, should the server stop acknowledging; not the kill's moment
        DispatchQueue.concurrentPerform(iterations: 8) { index in
            let client = HTTPTestClient(port: server.port)
            for counter in 0..<UInt64(100_000) where Date() < end {
                guard let response = try? server.verify(client, token: "t\(index)", code: F.code(counter)) else { return }
                guard response.body == #"{"accepted":true}"# else { continue }
                let count = lock.withLock { acknowledged.append(("t\(index)", F.code(counter))); return acknowledged.count }
                // The kill comes once 200 codes were acknowledged, while the other clients' requests are in flight.
                if count == 200 { server.kill() }
            }
        }
        server.kill()  // nothing to do unless the load ended before 200 acknowledgements
        #expect(acknowledged.count >= 200, "the load ran before the kill")
        try server.start()
        let client = server.client()
        var acceptedAgain = 0
        for (token, code) in acknowledged where try server.verify(client, token: token, code: code).body == #"{"accepted":true}"# {
            acceptedAgain += 1
        }
        #expect(acceptedAgain == 0, "\(acceptedAgain) of \(acknowledged.count) acknowledged codes were accepted again")
    }

    /// Killed between a commit and its answers: the store's writer SIGKILLs its own process right after its 40th
    /// commit of decisions returned, before any caller of that batch is answered (the fault point
    /// `OTPKIT_TEST_SIGKILL_AFTER_COMMIT`). Each client walks its own token's codes in order, one request at a time,
    /// so after the kill each token's stored counter says whether its last code was committed. Every code a client
    /// saw accepted is consumed; the codes of the killed batch (no client heard of them) are consumed too and are
    /// refused as replays after a restart; nothing beyond them is.
    @Test func codesCommittedButNotAnsweredStayConsumed() throws {
        let clients = 8
        let server = try F(tokens: clients, environment: ["OTPKIT_TEST_SIGKILL_AFTER_COMMIT": "40"])
        let lock = NSLock()
        nonisolated(unsafe) var acknowledged = [Int](repeating: 0, count: clients)
        nonisolated(unsafe) var refused = 0
        DispatchQueue.concurrentPerform(iterations: clients) { index in
            let client = HTTPTestClient(port: server.port)
            for counter in 0..<UInt64(100_000) {
                guard let response = try? server.verify(client, token: "t\(index)", code: F.code(counter)) else { return }
                lock.withLock {
                    if response.body == #"{"accepted":true}"# { acknowledged[index] += 1 } else { refused += 1 }
                }
                if response.body != #"{"accepted":true}"# { return }
            }
        }
        server.process.waitUntilExit()
        #expect(server.process.terminationReason == .uncaughtSignal && server.process.terminationStatus == SIGKILL,
                "the fault point killed the server")
        #expect(refused == 0)
        let script = "import sqlite3,sys\nfor i, c in sqlite3.connect(sys.argv[1]).execute('SELECT id, counter FROM tokens ORDER BY id'): print(i, c)"
        let rows = try Subprocess.run("/usr/bin/python3", ["-c", script, server.database]).stdout.split(separator: "\n")
        var stored: [String: Int] = [:]
        for row in rows {
            let fields = row.split(separator: " ")
            if fields.count == 2, let counter = Int(fields[1]) { stored[String(fields[0])] = counter }
        }
        var committedUnanswered = 0
        for index in 0..<clients {
            let counter = try #require(stored["t\(index)"])
            #expect(counter == acknowledged[index] || counter == acknowledged[index] + 1,
                    "t\(index): \(acknowledged[index]) codes acknowledged, counter \(counter)")
            if counter == acknowledged[index] + 1 { committedUnanswered += 1 }
        }
        #expect(committedUnanswered >= 1, "the killed batch held at least one decision no client heard of")
        // Forty commits of at least one decision each happened. An answer of an earlier batch may still have been on
        // its way when the kill came, but each client has one request in flight, so at most one per client is lost.
        #expect(stored.values.reduce(0, +) >= 40, "forty batches were committed before the kill")
        #expect(acknowledged.reduce(0, +) >= 40 - clients, "the batches before the kill were answered")

        server.environment = [:]
        try server.start()
        let client = server.client()
        for index in 0..<clients {
            let counter = try #require(stored["t\(index)"])
            if counter > 0 {
                #expect(try server.verify(client, token: "t\(index)", code: F.code(UInt64(counter - 1))).body == #"{"accepted":false}"#,
                        "t\(index): the last committed code is a replay")
            }
            #expect(try server.verify(client, token: "t\(index)", code: F.code(UInt64(counter))).body == #"{"accepted":true}"#,
                    "t\(index): the code after the committed ones was not consumed")
        }
    }
}
