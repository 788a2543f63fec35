import Foundation
import Testing
import TestSupport
import Verification
import VerifierPostgres
import VerifierStorage

/// The versioned schema: SQLite, and PostgreSQL from version 3 (its concurrent migration runs in VerifierClusterTests).
@Suite struct SchemaMigrationTests {
    typealias F = VerifierFixture

    /// A database of schema version 2 (refusals only) is migrated to the latest on open, keeping its rows; its tokens'
    /// master key becomes the recorded current key, and TOTP drift starts at 0.
    @Test func anOlderSQLiteSchemaIsMigratedKeepingItsRows() async throws {
        let fixture = try await F(.sqlite)
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
              INSERT INTO tokens VALUES ('t', 'totp', 30, 'SHA1', 6, 0, NULL, 1, 1000, 0, NULL, NULL, NULL, 'abcd', x'00', NULL, 3);
              CREATE TABLE api_keys (id TEXT PRIMARY KEY, name TEXT NOT NULL, role TEXT NOT NULL, hash BLOB NOT NULL,
                created REAL NOT NULL, revoked INTEGER NOT NULL DEFAULT 0);
            ''')
            db.commit()
            """
        #expect(try Subprocess.run("/usr/bin/python3", ["-c", python, old]).status == 0)
        let store = try SQLiteTokenStore(path: old)
        #expect(store.migration == MigrationReport(from: 2, to: 7), "opening migrated it")
        #expect(try await store.masterKeyID() == "abcd", "the tokens' key is recorded as the current one")
        #expect(try await store.token(id: "t")?.timeDrift == 0)
        #expect(try await store.token(id: "t")?.user == nil, "an old token belongs to nobody (6)")
        #expect(try await store.token(id: "t")?.resyncRequired == false, "an old token needs no resync (7)")
        #expect(try await store.login(user: UserName("alice")).tokens.isEmpty)
        #expect(try await store.radiusClients().isEmpty)
        try await store.recordEvent(tokenID: "new", event: "verify:unknown_token")
        let rows = try Subprocess.run("/usr/bin/python3", ["-c", "import sqlite3,sys; print([r for r in sqlite3.connect(sys.argv[1]).execute('SELECT token, event FROM events')])", old])
        #expect(rows.stdout.contains("('old', 'unknown_token')") && rows.stdout.contains("('new', 'verify:unknown_token')"), "\(rows.stdout)\(rows.stderr)")
    }

    @Test func aNewerSQLiteSchemaIsRefusedUnchanged() async throws {
        let fixture = try await F(.sqlite)
        let path = fixture.folder.appendingPathComponent("newer.sqlite").path
        let script = "import sqlite3,sys; db = sqlite3.connect(sys.argv[1]); db.execute('CREATE TABLE otpkit_schema (version INTEGER NOT NULL)'); db.execute('INSERT INTO otpkit_schema VALUES (99)'); db.commit()"
        #expect(try Subprocess.run("/usr/bin/python3", ["-c", script, path]).status == 0)
        #expect(throws: VerifierError.storage("\(path) has schema version 99, newer than this otpkit knows (7); upgrade otpkit on this node")) {
            try SQLiteTokenStore(path: path)
        }
        let tables = try Subprocess.run("/usr/bin/python3", ["-c", "import sqlite3,sys; print([r[0] for r in sqlite3.connect(sys.argv[1]).execute(\"SELECT name FROM sqlite_master\")])", path])
        #expect(tables.stdout == "['otpkit_schema']\n", "nothing was changed: \(tables.stdout)")
    }

    /// A PostgreSQL database at version 3 with a token gets the token's key recorded (4), a drift column (5), users
    /// and RADIUS clients (6) and the resync flag (7).
    @Test func aPostgresDatabaseAtVersion3RecordsItsTokensKey() async throws {
        let cluster = try PostgresCluster.shared.get()
        let url = try cluster.createDatabase()
        let setup = try cluster.psql(PostgresCluster.databaseName(in: url), """
            CREATE TABLE otpkit_schema (version INTEGER NOT NULL, applied_at TIMESTAMPTZ NOT NULL DEFAULT now());
            INSERT INTO otpkit_schema (version) VALUES (1), (2), (3);
            CREATE TABLE tokens (id TEXT PRIMARY KEY, kind TEXT NOT NULL, period INTEGER, algorithm TEXT NOT NULL,
                digits INTEGER NOT NULL, counter BIGINT NOT NULL, last_step BIGINT, "window" INTEGER NOT NULL,
                sync_window INTEGER NOT NULL, failures INTEGER NOT NULL, locked_at DOUBLE PRECISION, pending_counter BIGINT,
                pending_since DOUBLE PRECISION, key_id TEXT NOT NULL, sealed BYTEA NOT NULL, issuer TEXT, version BIGINT NOT NULL);
            CREATE TABLE events (id BIGSERIAL PRIMARY KEY, at DOUBLE PRECISION NOT NULL, token TEXT NOT NULL, event TEXT NOT NULL);
            CREATE TABLE api_keys (id TEXT PRIMARY KEY, name TEXT NOT NULL, role TEXT NOT NULL, hash BYTEA NOT NULL,
                created DOUBLE PRECISION NOT NULL, revoked BOOLEAN NOT NULL DEFAULT FALSE);
            INSERT INTO tokens VALUES ('t', 'totp', 30, 'SHA1', 6, 0, NULL, 1, 1000, 0, NULL, NULL, NULL, 'abcd', '\\x00', NULL, 3);
            """)
        #expect(setup.status == 0, "\(setup.stderr)")
        let store = PostgresTokenStore(client: PostgresStoreClient(try PostgresLocation(url: url, environment: cluster.environment),
                                                                       executor: VerifierFixture.poolExecutor).startInBackground())
        #expect(try await store.migrate() == MigrationReport(from: 3, to: 7))
        #expect(try await store.masterKeyID() == "abcd")
        #expect(try await store.token(id: "t")?.timeDrift == 0)
        #expect(try await store.token(id: "t")?.user == nil)
        #expect(try await store.token(id: "t")?.resyncRequired == false)
        #expect(try await store.login(user: UserName("alice")).tokens.isEmpty)
        #expect(try await store.radiusClients().isEmpty)
    }

    /// A PostgreSQL database written by a newer otpkit is refused, naming both versions, and left unchanged.
    @Test func aNewerPostgresSchemaIsRefusedUnchanged() async throws {
        let cluster = try PostgresCluster.shared.get()
        let url = try cluster.createDatabase()
        let database = PostgresCluster.databaseName(in: url)
        let setup = try cluster.psql(database, """
            CREATE TABLE otpkit_schema (version INTEGER NOT NULL, applied_at TIMESTAMPTZ NOT NULL DEFAULT now());
            INSERT INTO otpkit_schema (version) VALUES (1), (2), (3), (4), (5), (6), (7), (99);
            """)
        #expect(setup.status == 0, "\(setup.stderr)")
        let location = try PostgresLocation(url: url, environment: cluster.environment)
        let store = PostgresTokenStore(client: PostgresStoreClient(location, executor: VerifierFixture.poolExecutor).startInBackground())
        await #expect(throws: VerifierError.storage("\(location.description) has schema version 99, newer than this otpkit knows (7); upgrade otpkit on this node")) {
            try await store.migrate()
        }
        let tables = try cluster.psql(database, "SELECT string_agg(tablename, ',') FROM pg_tables WHERE schemaname = 'public'")
        #expect(tables.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "otpkit_schema", "nothing was created: \(tables.stdout)")
    }
}
