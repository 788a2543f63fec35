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

    /// A login by user name on a warm node is one statement too: the user's tokens and PIN come from what the node
    /// keeps, and the compare-and-set checks in the same statement that the user is unchanged.
    @Test func anAcceptedLoginByUserNameOnAWarmNodeIsOneStatement() async throws {
        let fixture = try await F(.postgres)
        let verifier = fixture.verifier()
        try await verifier.add([try verifier.makeToken(id: "alice-0", secret: F.rfcSecret, user: "alice")])
        #expect(try await verifier.verify(user: "alice", password: F.code(0)).outcome == .accepted(counter: 0), "warms the node")
        let cluster = try PostgresCluster.shared.get()
        let database = PostgresCluster.databaseName(in: fixture.location)
        let before = try cluster.statements(in: database)
        let logins = 40
        for counter in 1...UInt64(logins) {
            #expect(try await verifier.verify(user: "alice", password: F.code(counter)).outcome == .accepted(counter: counter))
        }
        let statements = try cluster.statements(in: database) - before
        #expect(statements == logins, "\(statements) statements for \(logins) accepted logins")
        #expect(try await verifier.verify(user: "alice", password: F.code(UInt64(logins))).outcome == .rejected(.replay))
    }

    /// A user kept by one node and changed on another (a token assigned, a PIN set, a token unassigned, a name that
    /// owned nothing given a token) is read again before anything is decided on the kept user: no code of a token
    /// the user no longer owns, no login without the PIN now set, and no refusal of a token just assigned.
    @Test func aUserChangedOnAnotherNodeIsReadAgain() async throws {
        let fixture = try await F(.postgres)
        let first = fixture.verifier()
        let second = fixture.verifier(store: try await fixture.anotherStore())
        try await first.add([try first.makeToken(id: "a", secret: F.rfcSecret, user: "alice"), try first.makeToken(id: "b", secret: Self.other)])
        #expect(try await first.verify(user: "alice", password: F.code(0)).outcome == .accepted(counter: 0), "alice kept on the first node")
        #expect(try await first.verify(user: "bob", password: F.code(0)).outcome == .rejected(.unknownUser), "bob kept as owning nothing")

        try await second.administration.assign(tokenID: "b", to: "alice")
        #expect(try await first.verify(user: "alice", password: try HOTP(secret: Self.other).code(counter: 0)).outcome == .accepted(counter: 0),
                "the token assigned on the second node")

        try await second.administration.setPIN("2468", user: "alice")
        #expect(try await first.verify(user: "alice", password: F.code(1)).outcome == .rejected(.wrongPIN), "the PIN set on the second node")
        #expect(try await first.verify(user: "alice", password: "2468" + F.code(2)).outcome == .accepted(counter: 2))

        try await second.administration.unassign(tokenID: "a")
        #expect(try await first.verify(user: "alice", password: "2468" + F.code(3)).outcome.accepted == false, "a token unassigned on the second node")

        try await second.administration.assign(tokenID: "a", to: "bob")
        #expect(try await first.verify(user: "bob", password: F.code(3)).outcome == .accepted(counter: 3), "bob owns a token now")
    }

    static let other = try! Secret(bytes: Array("another secret of twenty bytes".utf8))
}
