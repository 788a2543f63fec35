import Foundation
import OTPCore
import Testing
import Verification

/// Item 12 of issue 11: every refusal does the same work, so that timing tells a client nothing: the same number of
/// HMACs (counted by the verifier), one read and one commit. Counting keeps the test deterministic; the benchmark
/// (`otpkit-bench refusals`) shows the times.
@Suite struct RefusalWorkTests {
    typealias F = VerifierFixture

    struct Work: Equatable, CustomStringConvertible {
        let hmacs: Int
        let reads: Int
        let commits: Int
        var description: String { "\(hmacs) HMACs, \(reads) reads, \(commits) commits" }
    }

    static func work(_ verifier: Verifier, _ store: CountingTokenStore, _ body: () async throws -> Void) async rethrows -> Work {
        let (hmacs, reads, commits) = (verifier.hmacsComputed, store.reads, store.commits)
        try await body()
        return Work(hmacs: verifier.hmacsComputed - hmacs, reads: store.reads - reads, commits: store.commits - commits)
    }

    @Test(arguments: StoreKind.allCases) func everyVerifyRefusalCostsTheSame(_ kind: StoreKind) async throws {
        let fixture = try await F(kind)
        for id in ["wrong", "length", "replay", "locked", "ahead"] { try await fixture.addRFCToken(id) }
        try await fixture.addRFCToken("totp", kind: .totp(period: 30))
        for _ in 0..<10 { _ = try await fixture.verifier().verify(tokenID: "locked", code: "000000") }
        let store = CountingTokenStore(fixture.store)
        let verifier = fixture.verifier(store: store)
        #expect(try await verifier.verify(tokenID: "replay", code: F.code(0)).accepted)
        let totpNow = F.code(1_700_000_000 / 30)
        #expect(try await verifier.verify(tokenID: "totp", code: totpNow).accepted)

        let cases: [(String, String, String, RejectionReason)] = [
            ("unknown token", "nobody", "000000", .unknownToken),
            ("locked", "locked", F.code(0), .locked),
            ("wrong code", "wrong", "000000", .wrongCode),
            ("wrong length", "length", "0000000", .malformedCode),
            ("replay", "replay", F.code(0), .replay),
            ("resync started", "ahead", F.code(500), .resyncStarted),
            ("TOTP wrong code", "totp", "000000", .wrongCode),
            ("TOTP replay", "totp", totpNow, .replay),
        ]
        var costs: [String: Work] = [:]
        for (label, id, code, reason) in cases {
            costs[label] = try await Self.work(verifier, store) { () async throws in #expect(try await verifier.verify(tokenID: id, code: code) == .rejected(reason), "\(label)") }
        }
        let unknown = try #require(costs["unknown token"])
        #expect(unknown.hmacs > 1000, "a full search of the default sync window")
        #expect(unknown.reads == 1 && unknown.commits == 1)
        for (label, cost) in costs { #expect(cost == unknown, "\(label): \(cost), unknown token: \(unknown)") }
    }

    @Test(arguments: StoreKind.allCases) func everyResyncRefusalCostsTheSame(_ kind: StoreKind) async throws {
        let fixture = try await F(kind)
        for id in ["far", "length", "locked"] { try await fixture.addRFCToken(id) }
        try await fixture.addRFCToken("totp", kind: .totp(period: 30))
        for _ in 0..<10 { _ = try await fixture.verifier().verify(tokenID: "locked", code: "000000") }
        let store = CountingTokenStore(fixture.store)
        let verifier = fixture.verifier(store: store)
        let cases: [(String, String, String, String)] = [
            ("unknown token", "nobody", F.code(5), F.code(6)),
            ("locked", "locked", F.code(5), F.code(6)),
            ("not found", "far", F.code(1500), F.code(1501)),
            ("wrong length", "length", "12345", "123456"),
            ("TOTP not found", "totp", "000000", "000000"),
        ]
        var costs: [String: Work] = [:]
        for (label, id, code1, code2) in cases {
            costs[label] = try await Self.work(verifier, store) { () async throws in
                let outcome = try? await verifier.resync(tokenID: id, code1: code1, code2: code2)
                #expect(outcome == nil || outcome == .notFound, "\(label)")
            }
        }
        let unknown = try #require(costs["unknown token"])
        #expect(unknown.hmacs > 1000 && unknown.reads == 1 && unknown.commits == 1, "\(unknown)")
        for (label, cost) in costs { #expect(cost == unknown, "\(label): \(cost), unknown token: \(unknown)") }
    }
}
