import Foundation
import Testing
import TestSupport
import Verifier
import VerifierStorage

/// Every decision leaves one event row, written with the decision itself; refusals that change no token too.
@Suite struct EventRowTests {
    typealias F = VerifierFixture

    @Test(arguments: StoreKind.allCases) func everyDecisionLeavesOneEventRow(_ kind: StoreKind) throws {
        let fixture = try F(kind)
        let verifier = try fixture.addRFCToken()
        _ = try verifier.verify(tokenID: "rfc", code: F.code(0))
        _ = try verifier.verify(tokenID: "rfc", code: F.code(0))
        _ = try verifier.verify(tokenID: "rfc", code: "000000")
        _ = try verifier.verify(tokenID: "nobody", code: F.code(1))
        try verifier.unlock(tokenID: "rfc")
        #expect(try fixture.events() == ["rfc verify:accepted", "rfc verify:replay", "rfc verify:wrong_code", "nobody verify:unknown_token",
                                         "rfc unlock"])
    }

    /// A database of schema version 2 (refusals only) is migrated to 3 on open, keeping its rows.
    @Test func anOlderSQLiteSchemaIsMigratedKeepingItsRows() throws {
        let fixture = try F(.sqlite)
        let old = fixture.folder.appendingPathComponent("v2.sqlite").path
        let python = """
            import sqlite3, sys
            db = sqlite3.connect(sys.argv[1])
            db.executescript('''
              CREATE TABLE otpkit_schema (version INTEGER NOT NULL); INSERT INTO otpkit_schema VALUES (2);
              CREATE TABLE tokens (id TEXT PRIMARY KEY, kind TEXT NOT NULL, period INTEGER, algorithm TEXT NOT NULL,
                digits INTEGER NOT NULL, counter INTEGER NOT NULL, last_step INTEGER, window INTEGER NOT NULL,
                sync_window INTEGER NOT NULL, failures INTEGER NOT NULL, locked_at REAL, pending_counter INTEGER,
                pending_since REAL, key_id TEXT NOT NULL, sealed BLOB NOT NULL, issuer TEXT, version INTEGER NOT NULL);
              CREATE TABLE refusals (at REAL NOT NULL, token TEXT NOT NULL, reason TEXT NOT NULL);
              INSERT INTO refusals VALUES (1.0, 'old', 'unknown_token');
              CREATE TABLE api_keys (id TEXT PRIMARY KEY, name TEXT NOT NULL, role TEXT NOT NULL, hash BLOB NOT NULL,
                created REAL NOT NULL, revoked INTEGER NOT NULL DEFAULT 0);
            ''')
            db.commit()
            """
        #expect(try Subprocess.run("/usr/bin/python3", ["-c", python, old]).status == 0)
        let store = try SQLiteTokenStore(path: old)
        #expect(try store.migrate() == MigrationReport(from: 3, to: 3), "opening migrated it")
        try store.recordEvent(tokenID: "new", event: "verify:unknown_token")
        let rows = try Subprocess.run("/usr/bin/python3", ["-c", "import sqlite3,sys; print([r for r in sqlite3.connect(sys.argv[1]).execute('SELECT token, event FROM events')])", old])
        #expect(rows.stdout.contains("('old', 'unknown_token')") && rows.stdout.contains("('new', 'verify:unknown_token')"), "\(rows.stdout)\(rows.stderr)")
    }
}
