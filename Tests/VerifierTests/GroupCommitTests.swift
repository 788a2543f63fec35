import Foundation
import Testing
import Verification
import VerifierStorage

/// The SQLite writer's group commit: decisions of one batch are each their own compare-and-set, in arrival order,
/// under one commit.
@Suite struct GroupCommitTests {
    typealias F = VerifierFixture

    private static func sqliteStore(_ fixture: F) throws -> SQLiteTokenStore {
        try #require(fixture.store as? SQLiteTokenStore)
    }

    /// Two compare-and-sets of one token from the same version in one batch: the first matches, the second finds
    /// the version moved; one commit holds them, with one event row.
    @Test func twoCompareAndSetsOfOneTokenInOneBatchAcceptExactlyOne() async throws {
        let fixture = try await F()
        try await fixture.addRFCToken()
        let store = try Self.sqliteStore(fixture)
        let read = try #require(try await store.token(id: "rfc"))
        var first = read, second = read
        first.counter = 1
        second.counter = 2
        let before = store.figures
        let eventsBefore = try await fixture.events().count
        let matched = try await store.update([(first, "verify:accepted"), (second, "verify:accepted")])
        #expect(matched == [true, false])
        let after = store.figures
        #expect(after.decisionCommits - before.decisionCommits == 1, "one commit for the batch")
        #expect(after.decisions - before.decisions == 1, "one caller's decision, whatever rows it wrote")
        let stored = try #require(try await store.token(id: "rfc"))
        #expect(stored.counter == 1 && stored.version == read.version + 1)
        #expect(try await fixture.events().count == eventsBefore + 1, "an event row only for the compare-and-set that matched")
    }

    /// A lost compare-and-set answers false for itself only: the other decisions of its batch commit.
    @Test func aLostCompareAndSetRollsBackNothingElse() async throws {
        let fixture = try await F()
        try await fixture.addRFCToken("a")
        try await fixture.addRFCToken("b")
        let store = try Self.sqliteStore(fixture)
        var stale = try #require(try await store.token(id: "a"))
        #expect(try await store.update(stale, event: "verify:accepted"), "moves a's version on")
        stale.counter = 7
        var b = try #require(try await store.token(id: "b"))
        b.counter = 3
        let matched = try await store.update([(stale, "verify:accepted"), (b, "verify:accepted")])
        #expect(matched == [false, true])
        #expect(try await store.token(id: "a")?.counter == 0)
        #expect(try await store.token(id: "b")?.counter == 3)
    }

    /// Many callers at once: every decision is committed and answered, in fewer commits than decisions when they
    /// queued behind one another (not asserted: that depends on the disk; the benchmark shows it).
    @Test func concurrentDecisionsAreAllCommitted() async throws {
        let fixture = try await F()
        let verifier = try await fixture.addRFCToken("t0")
        for index in 1..<32 { try await fixture.addRFCToken("t\(index)") }
        let store = try Self.sqliteStore(fixture)
        let before = store.figures
        let accepted = await withTaskGroup(of: Bool.self) { group in
            for index in 0..<32 { group.addTask { (try? await verifier.verify(tokenID: "t\(index)", code: F.code(0)).accepted) ?? false } }
            return await group.reduce(0) { $0 + ($1 ? 1 : 0) }
        }
        #expect(accepted == 32)
        let after = store.figures
        #expect(after.decisions - before.decisions == 32)
        #expect(after.decisionCommits - before.decisionCommits <= 32)
        for index in 0..<32 { #expect(try await store.token(id: "t\(index)")?.counter == 1) }
    }

    /// Reads and writes of a store opened on the same file by the API key store share its threads.
    @Test func apiKeysShareTheTokenStoresWriter() async throws {
        let fixture = try await F()
        let store = try Self.sqliteStore(fixture)
        let keys = SQLiteAPIKeyStore(sharing: store)
        let before = store.figures.commits
        let created = try await keys.create(name: "x", role: .verify)
        #expect(try await keys.authenticate(created.text)?.id == created.key.id)
        #expect(store.figures.commits == before + 1)
    }
}
