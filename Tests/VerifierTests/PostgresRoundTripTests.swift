import Foundation
import OTPCore
import Testing
import TestSupport
import Verification

/// One round trip per decision on PostgreSQL, counted by PostgreSQL itself (`pg_stat_statements`): a node that has
/// read a token decides on the row it keeps and sends only the compare-and-set with its event row, one statement (in
/// autocommit: one commit).
@Suite struct PostgresRoundTripTests {
    typealias F = VerifierFixture

    @Test func anAcceptedVerifyOnAWarmNodeIsOneStatement() async throws {
        let fixture = try await F(.postgres)
        let verifier = try await fixture.addRFCToken()
        #expect(try await verifier.verify(tokenID: "rfc", code: F.code(0)) == .accepted(counter: 0), "warms the node: the row is kept")
        let cluster = try PostgresCluster.shared.get()
        let database = PostgresCluster.databaseName(in: fixture.location)
        let before = try cluster.statements(in: database)
        let verifies = 40
        for counter in 1...UInt64(verifies) {
            #expect(try await verifier.verify(tokenID: "rfc", code: F.code(counter)) == .accepted(counter: counter))
        }
        let statements = try cluster.statements(in: database) - before
        #expect(statements == verifies, "\(statements) statements for \(verifies) accepted verifies")
        #expect(try await fixture.events().filter { $0 == "rfc verify:accepted" }.count == verifies + 1, "each with its event row")
    }

    /// A row kept by one node and moved by another (a decision, an unlock, a rotation of the master key, a delete and
    /// a new import under the same id) is caught by the compare-and-set: the kept row is never decided on twice.
    @Test func aRowMovedByAnotherNodeIsReadAgain() async throws {
        let fixture = try await F(.postgres)
        let first = try await fixture.addRFCToken()
        let second = fixture.verifier(store: try await fixture.anotherStore())
        #expect(try await first.verify(tokenID: "rfc", code: F.code(0)) == .accepted(counter: 0))
        #expect(try await second.verify(tokenID: "rfc", code: F.code(1)) == .accepted(counter: 1))
        #expect(try await first.verify(tokenID: "rfc", code: F.code(1)) == .rejected(.replay), "the first node's kept row was at 1")
        #expect(try await first.verify(tokenID: "rfc", code: F.code(2)) == .accepted(counter: 2))

        // Deleted and imported again under the same id by the second node, at counter 0 with another secret: the
        // first node's kept row (same id, maybe the same version) must not be decided on.
        #expect(try await second.administration.delete(tokenID: "rfc"))
        let other = try Secret(bytes: Array("another secret of twenty bytes".utf8))
        try await second.add([try second.makeToken(id: "rfc", secret: other)])
        let otherCode = try HOTP(secret: other).code(counter: 0)
        #expect(try await first.verify(tokenID: "rfc", code: F.code(3)) != .accepted(counter: 3), "the old secret's code is refused")
        #expect(try await first.verify(tokenID: "rfc", code: otherCode) == .accepted(counter: 0), "the new token, read again")

        #expect(try await second.administration.delete(tokenID: "rfc"))
        #expect(try await first.verify(tokenID: "rfc", code: try HOTP(secret: other).code(counter: 1)) == .rejected(.unknownToken))
    }
}
