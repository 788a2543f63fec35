import Foundation
import TestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// SIGTERM on `otpkit verifier serve` (swift-service-lifecycle's graceful shutdown): a request in flight still gets
/// its answer, then the listener, the threads and the store stop, and the process exits 0.
@Suite(.serialized) struct VerifierGracefulShutdownTests {
    typealias F = VerifierServerFixture

    @Test func aRequestInFlightIsAnsweredAfterSIGTERM() throws {
        let server = try F(tokens: 1)
        // An import whose PBKDF2 takes seconds: in flight while the signal arrives.
        let pskc = try PSKCFile.passwordProtected(iterations: 2_000_000, password: "pw", serials: ["late1"])
        nonisolated(unsafe) var answer: HTTPTestClient.Response?
        let done = DispatchSemaphore(value: 0)
        Thread {
            answer = try? HTTPTestClient(port: server.port).send(
                "POST", "/v1/tokens", body: pskc, headers: ["Authorization": "Bearer \(server.adminKey)", "X-PSKC-Password": "pw"])
            done.signal()
        }.start()
        // The event: the server counts the import among the requests it is answering (the probe itself is the other).
        let client = server.client()
        let deadline = Date().addingTimeInterval(20)
        while Self.requestsInFlight(try client.send("GET", "/metrics").body) < 2 {
            try #require(Date() < deadline, "the import never arrived")
        }
        kill(server.process.processIdentifier, SIGTERM)
        done.wait()
        #expect(answer?.status == 201 && answer?.body.contains("late1") == true, "\(String(describing: answer))")
        server.process.waitUntilExit()
        #expect(server.process.terminationReason == .exit && server.process.terminationStatus == 0,
                "\(server.process.terminationReason) \(server.process.terminationStatus): \(server.stderrText)")
        // What the answer said was committed before the process ended.
        #expect(try server.cli("verifier", "list", "--json").json([CLIOutput.Token].self).map(\.id).sorted() == ["late1", "t0"])
    }

    private static func requestsInFlight(_ metrics: String) -> Double {
        metrics.split(separator: "\n").first { $0.hasPrefix("otpkit_http_requests_in_flight ") }
            .flatMap { Double($0.split(separator: " ").last ?? "") } ?? 0
    }
}
