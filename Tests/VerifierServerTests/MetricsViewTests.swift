import Foundation
import Testing
@testable import VerifierServer

/// The two views of the metrics (swift-metrics over swift-prometheus, registries of the server's own) and the audit
/// failures they count.
@Suite struct MetricsViewTests {
    typealias S = InProcessServer

    /// The public /metrics says accepted or refused; the reasons are only on the metrics listener.
    @Test func reasonsOnlyOnTheMetricsListener() async throws {
        let server = try await S(tokens: 2)
        try await server.test { client in
            _ = try await client.verify(token: "t0", code: S.code(0))
            _ = try await client.verify(token: "t0", code: S.code(0))  // replay
            _ = try await client.verify(token: "nobody", code: "123456")
            _ = try await client.verify(token: "t1", code: "000000")
            let answer = try await client.send(.get, "/metrics", key: "")
            #expect(answer.headers[.contentType] == "text/plain; version=0.0.4")
            let text = answer.body
            #expect(text.contains(#"otpkit_decisions_total{kind="verify",outcome="accepted"} 1"#), "\(text)")
            #expect(text.contains(#"otpkit_decisions_total{kind="verify",outcome="refused"} 3"#), "\(text)")
            for reason in ["replay", "unknown_token", "wrong_code", "locked"] {
                #expect(!text.contains("outcome=\"\(reason)\""), "the public port tells \(reason)")
            }
            #expect(text.contains(#"otpkit_http_requests_total{status="200"} 4"#), "\(text)")
            #expect(text.contains(#"otpkit_http_request_seconds_bucket{le="0.0005"}"#), "\(text)")
            #expect(text.contains("otpkit_http_request_seconds_count 4"), "\(text)")
            #expect(text.contains("otpkit_audit_write_failures_total 0"), "\(text)")
        }
        try await server.testMetricsListener { client in
            let detailed = try await client.send(.get, "/metrics", key: "").body
            for reason in ["replay", "unknown_token", "wrong_code", "accepted"] {
                #expect(detailed.contains("otpkit_decisions_total{kind=\"verify\",outcome=\"\(reason)\"} 1"), "\(reason): \(detailed)")
            }
            #expect(!detailed.contains("outcome=\"refused\""), "\(detailed)")
            #expect(try await client.send(.post, "/v1/verify", body: "{}").status == 404, "only metrics there")
        }
    }

    /// The store records through the factory it was given into the server's registry, shown in both views; the
    /// public view still tells no reasons.
    @Test func theStoresCommitsShowInBothViews() async throws {
        let server = try await S(tokens: 1)
        try await server.test { client in
            _ = try await client.verify(token: "t0", code: S.code(0))
            _ = try await client.verify(token: "t0", code: "000000")
            let text = try await client.send(.get, "/metrics", key: "").body
            #expect(text.contains("otpkit_store_decisions_total 2"), "\(text)")
            #expect(text.contains("otpkit_store_commits_total "), "\(text)")
            #expect(text.contains("otpkit_store_commit_seconds_count "), "\(text)")
            #expect(!text.contains("outcome=\"wrong_code\""), "\(text)")
        }
        try await server.testMetricsListener { client in
            let detailed = try await client.send(.get, "/metrics", key: "").body
            #expect(detailed.contains("otpkit_store_decisions_total 2"), "\(detailed)")
            #expect(detailed.contains(#"otpkit_decisions_total{kind="verify",outcome="wrong_code"} 1"#), "\(detailed)")
        }
    }

    /// Two servers in one process count apart (no global metrics system).
    @Test func eachServerCountsItsOwn() async throws {
        let first = try await S(tokens: 1), second = try await S(tokens: 1)
        try await first.test { client in _ = try await client.verify(token: "t0", code: S.code(0)) }
        let text = try await second.test { client in try await client.send(.get, "/metrics", key: "").body }
        #expect(!text.contains("otpkit_decisions_total{"), "\(text)")
    }

    /// Every audit write fails (a full disk): the answers still come, the decisions stand, the failures are counted.
    @Test func auditWritesThatFailAreCountedNotFatal() async throws {
        let server = try await S(tokens: 1, auditLog: FileHandle(forWritingAtPath: "/dev/full"))
        try await server.test { client in
            #expect(try await client.verify(token: "t0", code: S.code(0)).body == S.accepted)
            #expect(try await client.verify(token: "t0", code: S.code(0)).body == S.refused, "the decision was durable")
            #expect(try await client.verify(token: "t0", code: S.code(1)).body == S.accepted)
            let text = try await client.send(.get, "/metrics", key: "").body
            #expect(text.contains("otpkit_audit_write_failures_total 3"), "\(text)")
        }
    }
}
