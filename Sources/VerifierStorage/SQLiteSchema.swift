import Verification

/// The SQLite dialect of the verifier's schema versions; `migrate` runs inside one write transaction
/// (BEGIN IMMEDIATE), so two processes opening a new file at once apply each version once.
enum SQLiteSchema {
    static let migrations = [
        // 1: tokens and refusals
        SchemaMigration(version: 1, statements: [
            """
            CREATE TABLE tokens (
                id TEXT PRIMARY KEY, kind TEXT NOT NULL, period INTEGER, algorithm TEXT NOT NULL,
                digits INTEGER NOT NULL, counter INTEGER NOT NULL, last_step INTEGER,
                window INTEGER NOT NULL, sync_window INTEGER NOT NULL, failures INTEGER NOT NULL,
                locked_at REAL, pending_counter INTEGER, pending_since REAL,
                key_id TEXT NOT NULL, sealed BLOB NOT NULL, issuer TEXT, version INTEGER NOT NULL)
            """,
            "CREATE TABLE refusals (at REAL NOT NULL, token TEXT NOT NULL, reason TEXT NOT NULL)",
        ]),
        // 2: API keys
        SchemaMigration(version: 2, statements: [
            """
            CREATE TABLE IF NOT EXISTS api_keys (
                id TEXT PRIMARY KEY, name TEXT NOT NULL, role TEXT NOT NULL, hash BLOB NOT NULL,
                created REAL NOT NULL, revoked INTEGER NOT NULL DEFAULT 0)
            """,
        ]),
        // 3: events: every decision, not only refusals
        SchemaMigration(version: 3, statements: [
            "ALTER TABLE refusals RENAME TO events",
            "ALTER TABLE events RENAME COLUMN reason TO event",
        ]),
        // 4: the current master key's id (checked when opening and by every insert), taken from the tokens
        SchemaMigration(version: 4, statements: [
            "CREATE TABLE master_key (singleton INTEGER PRIMARY KEY CHECK (singleton = 1), key_id TEXT NOT NULL)",
            "INSERT INTO master_key (singleton, key_id) SELECT 1, key_id FROM tokens GROUP BY key_id ORDER BY count(*) DESC, key_id LIMIT 1",
        ]),
        // 5: TOTP drift in time steps
        SchemaMigration(version: 5, statements: [
            "ALTER TABLE tokens ADD COLUMN time_drift INTEGER NOT NULL DEFAULT 0",
        ]),
        // 6: users own tokens and may have a PIN; RADIUS clients with their sealed shared secrets
        SchemaMigration(version: 6, statements: [
            "ALTER TABLE tokens ADD COLUMN user_name TEXT",
            "CREATE INDEX tokens_by_user ON tokens (user_name) WHERE user_name IS NOT NULL",
            "CREATE TABLE user_pins (user_name TEXT PRIMARY KEY, pin TEXT NOT NULL, changed REAL NOT NULL)",
            """
            CREATE TABLE radius_clients (
                name TEXT PRIMARY KEY, address TEXT NOT NULL, message_authenticator TEXT NOT NULL,
                key_id TEXT NOT NULL, sealed BLOB NOT NULL, created REAL NOT NULL)
            """,
        ]),
        // 7: a restored HOTP token accepts no code on its own until it is resynchronised
        SchemaMigration(version: 7, statements: [
            "ALTER TABLE tokens ADD COLUMN resync_required INTEGER NOT NULL DEFAULT 0",
        ]),
    ]

    static var latest: Int { migrations.last!.version }

    @discardableResult
    static func migrate(_ connection: SQLiteConnection) throws(VerifierError) -> MigrationReport {
        try connection.transaction(requiringWritable: false) { () throws(VerifierError) in
            try connection.execute("CREATE TABLE IF NOT EXISTS otpkit_schema (version INTEGER NOT NULL)")
            let query = try connection.prepare("SELECT version FROM otpkit_schema")
            query.bind([])
            let found = try query.step() ? Int(query.integer(0)) : 0
            for migration in try SchemaMigration.pending(migrations, after: found, database: connection.path) {
                for statement in migration.statements { try connection.execute(statement) }
            }
            if found == 0 {
                try connection.execute("INSERT INTO otpkit_schema (version) VALUES (\(latest))")
            } else if found < latest {
                try connection.execute("UPDATE otpkit_schema SET version = \(latest)")
            }
            return MigrationReport(from: found, to: latest)
        }
    }
}
