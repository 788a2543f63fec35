import Foundation
import Synchronization
import TestSupport
import Testing

/// An import whose PSKC key derivation (2,000,000 PBKDF2 iterations) takes seconds, sent to a running server from a
/// thread of its own and seen in flight by the server's own gauge: the request a shutdown must still answer.
final class SlowImportInFlight: Sendable {
    private let answer = Mutex<HTTPTestClient.Response?>(nil)
    private let done = DispatchSemaphore(value: 0)

    /// Sends the import of the token `serial` and returns once the server counts it among its requests in flight.
    convenience init(to server: VerifierServerFixture, serial: String = "late1") throws {
        try self.init(port: server.port, adminKey: server.adminKey, serial: serial, arrivalSeconds: 20)
    }

    /// The same for a server on loopback `port` (a QEMU guest's forwarded one, say), waiting `arrivalSeconds` at most
    /// for the server to count the import.
    init(port: Int, adminKey key: String, serial: String, arrivalSeconds: TimeInterval) throws {
        let pskc = try PSKCFile.passwordProtected(iterations: 2_000_000, password: "pw", serials: [serial])
        Thread { [self] in
            let response = try? HTTPTestClient(port: port).send(
                "POST", "/v1/tokens", body: pskc, headers: ["Authorization": "Bearer \(key)", "X-PSKC-Password": "pw"])
            answer.withLock { $0 = response }
            done.signal()
        }.start()
        // The event: the server counts the import among the requests it is answering (the probe itself is the other).
        let client = HTTPTestClient(port: port)
        let deadline = Date().addingTimeInterval(arrivalSeconds)
        while Self.requestsInFlight(try client.send("GET", "/metrics").body) < 2 {
            try #require(Date() < deadline, "the import never arrived")
        }
    }

    /// The answer so far (nil while the request is in flight).
    var answerSoFar: HTTPTestClient.Response? { answer.withLock { $0 } }

    /// Waits for the answer.
    func waitForAnswer() -> HTTPTestClient.Response? {
        done.wait()
        return answerSoFar
    }

    private static func requestsInFlight(_ metrics: String) -> Double {
        metrics.split(separator: "\n").first { $0.hasPrefix("otpkit_http_requests_in_flight ") }
            .flatMap { Double($0.split(separator: " ").last ?? "") } ?? 0
    }
}
