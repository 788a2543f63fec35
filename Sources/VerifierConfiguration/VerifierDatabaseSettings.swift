/// Where a verifier command finds its database and master key, as the configuration file, the environment and the
/// command line settle it (`VerifierConfigurationSources.database()`); unset settings keep these defaults.
public struct VerifierDatabaseSettings: Sendable, Equatable {
    /// An SQLite path (or `sqlite:PATH`) or a `postgres://` URL.
    public var location = "otpkit-verifier.sqlite"
    /// PostgreSQL: the file holding the password.
    public var passwordFile: String?
    /// PostgreSQL: connections in the pool at most.
    public var poolSize = 4
    /// PostgreSQL: seconds to wait for a connection and for one statement.
    public var timeout: Double = 5
    /// The master key file (nil: the SQLite database's path + `.key`; none for PostgreSQL).
    public var masterKeyFile: String?

    public init() {}

    init(_ values: [VerifierSetting: SettingValue]) {
        if let value = values[.databaseLocation]?.text { location = value }
        passwordFile = values[.databasePasswordFile]?.text
        if let value = values[.databasePoolSize]?.integer { poolSize = value }
        if let value = values[.databaseTimeout]?.number { timeout = value }
        masterKeyFile = values[.masterKeyFile]?.text
    }
}
