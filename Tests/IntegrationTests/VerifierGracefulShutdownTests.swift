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
        let request = try SlowImportInFlight(to: server)
        kill(server.process.processIdentifier, SIGTERM)
        let answer = request.waitForAnswer()
        #expect(answer?.status == 201 && answer?.body.contains("late1") == true, "\(String(describing: answer))")
        server.process.waitUntilExit()
        #expect(server.process.terminationReason == .exit && server.process.terminationStatus == 0,
                "\(server.process.terminationReason) \(server.process.terminationStatus): \(server.stderrText)")
        // What the answer said was committed before the process ended.
        #expect(try server.cli("verifier", "list", "--json").json([CLIOutput.Token].self).map(\.id).sorted() == ["late1", "t0"])
    }
}
