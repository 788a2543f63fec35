import Foundation
import Synchronization

/// Counters and a latency histogram, exposed in Prometheus' text format. Never labels with codes or secrets.
///
/// Two views: the detailed one counts decisions by their reason (unknown token, locked, wrong code, replay) and is
/// served only on the metrics listener (`--metrics-listen`), which operators keep off the public network; the public
/// one says only accepted or refused, since a verify-only client diffing it around a probe must learn no more than
/// its own answer told it.
final class ServerMetrics: Sendable {
    enum View { case detailed, publicPort }

    static let buckets: [Double] = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1]

    private struct State {
        var decisions: [String: Int] = [:]
        var requests: [String: Int] = [:]
        var latencyCounts = [Int](repeating: 0, count: ServerMetrics.buckets.count)
        var latencySum = 0.0
        var latencyCount = 0
    }

    private let state = Mutex(State())

    /// `outcome`: "accepted", "resynchronized" or a refusal's reason.
    func decision(_ kind: String, outcome: String) {
        state.withLock { $0.decisions["\(kind)|\(outcome)", default: 0] += 1 }
    }

    func request(status: Int, seconds: Double) {
        state.withLock { state in
            state.requests[String(status), default: 0] += 1
            for (index, bound) in Self.buckets.enumerated() where seconds <= bound { state.latencyCounts[index] += 1 }
            state.latencySum += seconds
            state.latencyCount += 1
        }
    }

    func prometheusText(_ view: View, auditWriteFailures: Int) -> String {
        state.withLock { state in
            var decisions: [String: Int] = [:]
            for (key, value) in state.decisions {
                let parts = key.split(separator: "|").map(String.init)
                let outcome = view == .detailed || ["accepted", "resynchronized"].contains(parts[1]) ? parts[1] : "refused"
                decisions["\(parts[0])|\(outcome)", default: 0] += value
            }
            var lines = ["# HELP otpkit_decisions_total Verification decisions by kind and outcome.",
                         "# TYPE otpkit_decisions_total counter"]
            for (key, value) in decisions.sorted(by: { $0.key < $1.key }) {
                let parts = key.split(separator: "|")
                lines.append("otpkit_decisions_total{kind=\"\(parts[0])\",outcome=\"\(parts[1])\"} \(value)")
            }
            lines += ["# HELP otpkit_http_requests_total HTTP requests by status.", "# TYPE otpkit_http_requests_total counter"]
            for (status, value) in state.requests.sorted(by: { $0.key < $1.key }) {
                lines.append("otpkit_http_requests_total{status=\"\(status)\"} \(value)")
            }
            lines += ["# HELP otpkit_http_request_seconds Request latency.", "# TYPE otpkit_http_request_seconds histogram"]
            for (index, bound) in Self.buckets.enumerated() {
                lines.append("otpkit_http_request_seconds_bucket{le=\"\(bound)\"} \(state.latencyCounts[index])")
            }
            lines += ["otpkit_http_request_seconds_bucket{le=\"+Inf\"} \(state.latencyCount)",
                      "otpkit_http_request_seconds_sum \(state.latencySum)", "otpkit_http_request_seconds_count \(state.latencyCount)",
                      "# HELP otpkit_audit_write_failures_total Audit lines that could not be written (the decisions stand).",
                      "# TYPE otpkit_audit_write_failures_total counter",
                      "otpkit_audit_write_failures_total \(auditWriteFailures)"]
            return lines.joined(separator: "\n") + "\n"
        }
    }
}
