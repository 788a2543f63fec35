import CoreMetrics
import Synchronization

/// The HTTP server's metrics, made through swift-metrics with the factories of the server's `VerifierMetricsRegistry`.
/// Never labelled with codes or secrets.
///
/// Two views: the detailed one counts decisions by their reason (unknown token, locked, wrong code, replay) and is
/// served only on the metrics listener (`--metrics-listen`), which operators keep off the public network; the public
/// one says only accepted or refused, since a verify-only client diffing it around a probe must learn no more than its
/// own answer told it. Requests, latency and audit failures are the same in both.
final class ServerMetrics: Sendable {
    typealias View = VerifierMetricsRegistry.View

    static let requestSecondsBuckets: [Duration] = [
        .microseconds(500), .milliseconds(1), .microseconds(2500), .milliseconds(5), .milliseconds(10),
        .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250), .seconds(1),
    ]

    private let factories: VerifierMetricsFactories
    /// Audit lines that could not be written (the decisions stand): counted by `AuditLog`.
    let auditWriteFailures: CoreMetrics.Counter
    /// Requests being answered now (a graceful shutdown waits for these).
    let requestsInFlight: Meter
    private let requestSeconds: CoreMetrics.Timer
    /// The labelled counters made so far, by view, name and labels: made once, not per request.
    private let counters = Mutex<[String: CoreMetrics.Counter]>([:])

    init(factories: VerifierMetricsFactories) {
        self.factories = factories
        auditWriteFailures = CoreMetrics.Counter(label: "otpkit_audit_write_failures_total", factory: factories.shared)
        requestsInFlight = Meter(label: "otpkit_http_requests_in_flight", factory: factories.shared)
        requestSeconds = CoreMetrics.Timer(label: "otpkit_http_request_seconds", factory: factories.shared)
    }

    /// `outcome`: "accepted", "resynchronized" or a refusal's reason (the public view says "refused" for those).
    func decision(_ kind: String, outcome: String) {
        let publicOutcome = switch outcome {
        case "accepted", "resynchronized": outcome
        case "challenge_answered": "accepted"
        default: "refused"
        }
        counter("otpkit_decisions_total", [("kind", kind), ("outcome", outcome)], in: .detailed).increment()
        counter("otpkit_decisions_total", [("kind", kind), ("outcome", publicOutcome)], in: .publicPort).increment()
    }

    func request(status: Int, duration: Duration) {
        counter("otpkit_http_requests_total", [("status", String(status))], in: nil).increment()
        requestSeconds.recordNanoseconds(duration.nanoseconds)
    }

    /// `view`: the registry of that view only; nil: the one both views show.
    private func counter(_ label: String, _ dimensions: [(String, String)], in view: View?) -> CoreMetrics.Counter {
        let key = "\(view.map { "\($0)" } ?? "shared") \(label) \(dimensions.map { "\($0.0)=\($0.1)" }.joined(separator: ","))"
        let factory = switch view { case .detailed: factories.detailedOnly; case .publicPort: factories.publicOnly; case nil: factories.shared }
        return counters.withLock { counters in
            if let made = counters[key] { return made }
            let made = CoreMetrics.Counter(label: label, dimensions: dimensions, factory: factory)
            counters[key] = made
            return made
        }
    }
}

extension Duration {
    var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}
