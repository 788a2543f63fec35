/// One setting of the verifier: its key in the configuration file, its `OTPKIT_*` environment variable and its
/// command-line flag. Every `otpkit verifier serve` option is one of these, as is every database option the other
/// verifier commands take; a test holds `serve --help` and `packaging/verifier.yaml` to this list.
public enum VerifierSetting: String, CaseIterable, Sendable, Hashable {
    case databaseLocation = "database.location"
    case databasePasswordFile = "database.password_file"
    case databasePoolSize = "database.pool_size"
    case databaseTimeout = "database.timeout"
    case masterKeyFile = "master_key_file"
    case httpListen = "http.listen"
    case httpIdleTimeout = "http.idle_timeout"
    case httpMaxConnections = "http.max_connections"
    case httpRateLimit = "http.rate_limit"
    case tlsCertFile = "tls.cert_file"
    case tlsKeyFile = "tls.key_file"
    case metricsListen = "metrics.listen"
    case radiusListen = "radius.listen"
    case radiusStripRealm = "radius.strip_realm"
    case lockoutAfterFailures = "lockout.after_failures"
    case lockoutUnlockAfter = "lockout.unlock_after"
    case auditLog = "audit_log"
    case readyFile = "ready_file"
    case verbose = "verbose"
    case firstAdminKey = "first_admin_key"

    /// The settings every verifier command reads (where the database and the master key are).
    public static let database: [VerifierSetting] = [.databaseLocation, .databasePasswordFile, .databasePoolSize, .databaseTimeout, .masterKeyFile]

    /// The settings of `serve` beyond the database's.
    public static let serve: [VerifierSetting] = allCases.filter { !database.contains($0) }

    /// The file's key as written: `http.listen` is `listen` under `http:`.
    public var key: String { rawValue }

    /// The key's parts: the section (if any), then the name.
    public var keyComponents: [String] { rawValue.split(separator: ".").map(String.init) }

    /// The sections of the file (`database`, `http`, ...): mappings whose keys are settings.
    public static let sections: Set<String> = Set(allCases.compactMap { $0.keyComponents.count > 1 ? $0.keyComponents[0] : nil })

    /// `OTPKIT_` and the key in upper case, dots and all as underscores: `OTPKIT_HTTP_LISTEN`.
    public var environmentVariable: String { "OTPKIT_" + String(rawValue.uppercased().map { $0 == "." ? "_" : $0 }) }

    /// Older environment names still read, below the new one.
    public var legacyEnvironmentVariables: [String] { self == .databaseLocation ? ["OTPKIT_VERIFIER_DB"] : [] }

    /// The command-line flag that sets it (it wins over the file and the environment).
    public var flag: String {
        switch self {
        case .databaseLocation: "--db"
        case .databasePasswordFile: "--db-password-file"
        case .databasePoolSize: "--db-pool-size"
        case .databaseTimeout: "--db-timeout"
        case .masterKeyFile: "--key-file"
        case .httpListen: "--listen"
        case .httpIdleTimeout: "--idle-timeout"
        case .httpMaxConnections: "--max-connections"
        case .httpRateLimit: "--rate-limit"
        case .tlsCertFile: "--tls-cert"
        case .tlsKeyFile: "--tls-key"
        case .metricsListen: "--metrics-listen"
        case .radiusListen: "--radius-listen"
        case .radiusStripRealm: "--strip-realm"
        case .lockoutAfterFailures: "--lockout-after"
        case .lockoutUnlockAfter: "--lockout-seconds"
        case .auditLog: "--audit-log"
        case .readyFile: "--ready-file"
        case .verbose: "--verbose"
        case .firstAdminKey: "--first-admin-key"
        }
    }

    /// What its values may be.
    public var kind: SettingKind {
        switch self {
        case .databaseLocation: .databaseLocation
        case .databasePasswordFile, .masterKeyFile, .tlsCertFile, .tlsKeyFile, .auditLog, .readyFile: .path
        case .databasePoolSize: .integer(1...1000)
        case .databaseTimeout, .lockoutUnlockAfter: .seconds(maximum: SettingKind.secondsLimit, zeroAllowed: true)
        case .httpListen, .metricsListen: .address(defaultPort: nil)
        case .radiusListen: .address(defaultPort: 1812)
        case .httpIdleTimeout: .seconds(maximum: 86_400, zeroAllowed: false)
        case .httpMaxConnections: .integer(1...1_000_000)
        case .httpRateLimit: .number(0...1_000_000_000)
        case .radiusStripRealm, .verbose, .firstAdminKey: .boolean
        case .lockoutAfterFailures: .integer(1...1_000_000)
        }
    }

    /// The value when no source sets it, as the file would write it (nil: unset, with the meaning `summary` says).
    public var defaultValue: String? {
        switch self {
        case .databaseLocation: "otpkit-verifier.sqlite"
        case .databasePoolSize: "4"
        case .databaseTimeout: "5"
        case .httpListen: "127.0.0.1:8400"
        case .httpIdleTimeout: "15"
        case .httpRateLimit: "0"
        case .radiusStripRealm, .verbose: "false"
        case .firstAdminKey: "true"
        case .lockoutAfterFailures: "10"
        case .databasePasswordFile, .masterKeyFile, .httpMaxConnections, .tlsCertFile, .tlsKeyFile, .metricsListen,
             .radiusListen, .lockoutUnlockAfter, .auditLog, .readyFile: nil
        }
    }

    /// What it does, in one line (the documentation's and the example file's).
    public var summary: String {
        switch self {
        case .databaseLocation: "The database: an SQLite file (PATH or sqlite:PATH) or postgres://USER@HOST:PORT/DB[?sslmode=...] (never with a password)."
        case .databasePasswordFile: "PostgreSQL: a file holding the database password (else PGPASSWORD)."
        case .databasePoolSize: "PostgreSQL: connections in this process's pool at most."
        case .databaseTimeout: "PostgreSQL: seconds to wait for a pooled connection, to connect, and for one statement."
        case .masterKeyFile: "The master key file that seals the seeds (default for SQLite: the database's path + .key)."
        case .httpListen: "Address and port of the HTTP API (port 0 picks a free one)."
        case .httpIdleTimeout: "Close a connection idle, or slow with its request, for this many seconds."
        case .httpMaxConnections: "Open connections at most (default: the descriptor limit less a reserve)."
        case .httpRateLimit: "Requests a second allowed per API key, bursts of twice that (0: no limit); per process."
        case .tlsCertFile: "Serve HTTPS with this PEM certificate chain (with tls.key_file)."
        case .tlsKeyFile: "The PEM private key file for tls.cert_file."
        case .metricsListen: "Also serve /metrics with decisions by reason here, without a key (keep it off the public network)."
        case .radiusListen: "Also answer RADIUS on this UDP address (port 1812 when omitted)."
        case .radiusStripRealm: "Make a RADIUS user name's realm no part of the name: alice@corp logs in as alice."
        case .lockoutAfterFailures: "Lock a token after this many consecutive failures."
        case .lockoutUnlockAfter: "Unlock a locked token by itself after this many seconds (unset: only an administrator unlocks)."
        case .auditLog: "Append audit lines to this file (unset: standard error, the journal under systemd)."
        case .readyFile: "Once every listener is bound, write their addresses here as JSON (removed when the server stops)."
        case .verbose: "Also log the HTTP framework's info lines on standard error (by default only its warnings)."
        case .firstAdminKey: "On a start with no API key at all, create an admin key and print it once on standard output (false: none; make one with `otpkit verifier keys create --role admin`)."
        }
    }
}
