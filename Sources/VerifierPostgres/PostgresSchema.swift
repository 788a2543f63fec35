import PostgresNIO
import Verification

/// The PostgreSQL dialect of the verifier's schema versions (the numbering of `SQLiteSchema`).
///
/// `migrate` takes a transaction-scoped advisory lock first, so nodes starting at once on an empty database queue
/// behind each other: the first applies the versions, the others then find them applied.
enum PostgresSchema {
    /// "otpk" in ASCII: the advisory lock key that serialises migrations.
    static let lockKey: Int64 = 0x6F74_706B

    static let migrations = [
        // 1: tokens and refusals
        SchemaMigration(version: 1, statements: [
            """
            CREATE TABLE tokens (
                id TEXT PRIMARY KEY, kind TEXT NOT NULL, period INTEGER, algorithm TEXT NOT NULL,
                digits INTEGER NOT NULL, counter BIGINT NOT NULL, last_step BIGINT,
                "window" INTEGER NOT NULL, sync_window INTEGER NOT NULL, failures INTEGER NOT NULL,
                locked_at DOUBLE PRECISION, pending_counter BIGINT, pending_since DOUBLE PRECISION,
                key_id TEXT NOT NULL, sealed BYTEA NOT NULL, issuer TEXT, version BIGINT NOT NULL)
            """,
            "CREATE TABLE refusals (id BIGSERIAL PRIMARY KEY, at DOUBLE PRECISION NOT NULL, token TEXT NOT NULL, reason TEXT NOT NULL)",
        ]),
        // 2: API keys
        SchemaMigration(version: 2, statements: [
            """
            CREATE TABLE api_keys (
                id TEXT PRIMARY KEY, name TEXT NOT NULL, role TEXT NOT NULL, hash BYTEA NOT NULL,
                created DOUBLE PRECISION NOT NULL, revoked BOOLEAN NOT NULL DEFAULT FALSE)
            """,
        ]),
        // 3: events: every decision, not only refusals
        SchemaMigration(version: 3, statements: [
            "ALTER TABLE refusals RENAME TO events",
            "ALTER TABLE events RENAME COLUMN reason TO event",
        ]),
        // 4: the current master key's id (checked when opening and by every insert), taken from the tokens
        SchemaMigration(version: 4, statements: [
            "CREATE TABLE master_key (singleton BOOLEAN PRIMARY KEY DEFAULT TRUE CHECK (singleton), key_id TEXT NOT NULL)",
            "INSERT INTO master_key (singleton, key_id) SELECT TRUE, key_id FROM tokens GROUP BY key_id ORDER BY count(*) DESC, key_id LIMIT 1",
        ]),
        // 5: TOTP drift in time steps
        SchemaMigration(version: 5, statements: [
            "ALTER TABLE tokens ADD COLUMN time_drift BIGINT NOT NULL DEFAULT 0",
        ]),
        // 6: users own tokens and may have a PIN; RADIUS clients with their sealed shared secrets
        SchemaMigration(version: 6, statements: [
            "ALTER TABLE tokens ADD COLUMN user_name TEXT",
            "CREATE INDEX tokens_by_user ON tokens (user_name) WHERE user_name IS NOT NULL",
            "CREATE TABLE user_pins (user_name TEXT PRIMARY KEY, pin TEXT NOT NULL, changed DOUBLE PRECISION NOT NULL)",
            """
            CREATE TABLE radius_clients (
                name TEXT PRIMARY KEY, address TEXT NOT NULL, message_authenticator TEXT NOT NULL,
                key_id TEXT NOT NULL, sealed BYTEA NOT NULL, created DOUBLE PRECISION NOT NULL)
            """,
        ]),
        // 7: a restored HOTP token accepts no code on its own until it is resynchronised
        SchemaMigration(version: 7, statements: [
            "ALTER TABLE tokens ADD COLUMN resync_required BOOLEAN NOT NULL DEFAULT FALSE",
        ]),
    ]

    static var latest: Int { migrations.last!.version }

    static func migrate(_ client: PostgresStoreClient) async throws(VerifierError) -> MigrationReport {
        try await client.checkConnection()
        let database = client.location.description
        return try await client.withSession { (session) throws(VerifierError) in
            try await session.transaction { () throws(VerifierError) in
                try await session.query("SELECT pg_advisory_xact_lock(\(lockKey))")
                try await session.query("CREATE TABLE IF NOT EXISTS otpkit_schema (version INTEGER NOT NULL, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())")
                let rows = try await session.query("SELECT coalesce(max(version), 0)::bigint FROM otpkit_schema")
                let found = try PostgresRows.int(rows.first, 0)
                for migration in try SchemaMigration.pending(migrations, after: Int(found), database: database) {
                    for statement in migration.statements { try await session.query(PostgresQuery(unsafeSQL: statement)) }
                    try await session.query("INSERT INTO otpkit_schema (version) VALUES (\(Int64(migration.version)))")
                }
                return MigrationReport(from: Int(found), to: latest)
            }
        }
    }
}
