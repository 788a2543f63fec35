import Foundation

/// Counters and a latency histogram, exposed in Prometheus' text format. Never labels with codes or secrets.
final class ServerMetrics: @unchecked Sendable {
    static let buckets: [Double] = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1]
    private let lock = NSLock()
    private var decisions: [String: Int] = [:]
    private var requests: [String: Int] = [:]
    private var latencyCounts = [Int](repeating: 0, count: buckets.count)
    private var latencySum = 0.0
    private var latencyCount = 0

    func decision(_ kind: String, outcome: String) {
        lock.withLock { decisions["\(kind)|\(outcome)", default: 0] += 1 }
    }

    func request(status: Int, seconds: Double) {
        lock.withLock {
            requests[String(status), default: 0] += 1
            for (index, bound) in Self.buckets.enumerated() where seconds <= bound { latencyCounts[index] += 1 }
            latencySum += seconds
            latencyCount += 1
        }
    }

    var prometheusText: String {
        lock.withLock {
            var lines = ["# HELP otpkit_decisions_total Verification decisions by kind and outcome.",
                         "# TYPE otpkit_decisions_total counter"]
            for (key, value) in decisions.sorted(by: { $0.key < $1.key }) {
                let parts = key.split(separator: "|")
                lines.append("otpkit_decisions_total{kind=\"\(parts[0])\",outcome=\"\(parts[1])\"} \(value)")
            }
            lines += ["# HELP otpkit_http_requests_total HTTP requests by status.", "# TYPE otpkit_http_requests_total counter"]
            for (status, value) in requests.sorted(by: { $0.key < $1.key }) {
                lines.append("otpkit_http_requests_total{status=\"\(status)\"} \(value)")
            }
            lines += ["# HELP otpkit_http_request_seconds Request latency.", "# TYPE otpkit_http_request_seconds histogram"]
            for (index, bound) in Self.buckets.enumerated() {
                lines.append("otpkit_http_request_seconds_bucket{le=\"\(bound)\"} \(latencyCounts[index])")
            }
            lines += ["otpkit_http_request_seconds_bucket{le=\"+Inf\"} \(latencyCount)",
                      "otpkit_http_request_seconds_sum \(latencySum)", "otpkit_http_request_seconds_count \(latencyCount)"]
            return lines.joined(separator: "\n") + "\n"
        }
    }
}
