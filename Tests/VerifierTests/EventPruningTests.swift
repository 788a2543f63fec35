import Foundation
import Testing
import TestSupport
import Verification

/// Item 19 of issue 11: the event rows have a retention (`otpkit verifier prune-events`), in both stores.
@Suite struct EventPruningTests {
    @Test(arguments: StoreKind.allCases) func eventsOlderThanTheCutoffAreDeleted(_ kind: StoreKind) async throws {
        let fixture = try await VerifierFixture(kind)
        // An event from 1970 (at = 1 s), written beside the store, and one now.
        switch kind {
        case .sqlite:
            let script = "import sqlite3,sys; db = sqlite3.connect(sys.argv[1]); db.execute(\"INSERT INTO events VALUES (1.0, 'old', 'verify:accepted')\"); db.commit()"
            #expect(try Subprocess.run("/usr/bin/python3", ["-c", script, fixture.location]).status == 0)
        case .postgres:
            let database = PostgresCluster.databaseName(in: fixture.location)
            _ = try PostgresCluster.shared.get().psql(database, "INSERT INTO events (at, token, event) VALUES (1.0, 'old', 'verify:accepted')")
        }
        try await fixture.store.recordEvent(tokenID: "new", event: "verify:unknown_token")
        #expect(try await fixture.events() == ["old verify:accepted", "new verify:unknown_token"])
        #expect(try await fixture.store.pruneEvents(before: Date().addingTimeInterval(-90 * 86_400)) == 1)
        #expect(try await fixture.events() == ["new verify:unknown_token"])
        #expect(try await fixture.store.pruneEvents(before: Date().addingTimeInterval(-90 * 86_400)) == 0)
    }
}
