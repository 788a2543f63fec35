import VerifierConfiguration

extension VerifierOptions {
    /// Fills in the database options the command line left out from `--config` and the `OTPKIT_*` environment (the
    /// flags given win over both), so that the rest of the command reads them as if they had been typed.
    mutating func applyConfiguration() throws {
        var given: [VerifierSetting: String] = [:]
        given[.databaseLocation] = db
        given[.masterKeyFile] = keyFile
        given[.databasePasswordFile] = dbPasswordFile
        given[.databasePoolSize] = dbPoolSize.map { String($0) }
        given[.databaseTimeout] = dbTimeout.map { String($0.value) }
        let settings = try VerifierConfigurationLoading.settle { () throws(VerifierConfigurationError) in
            try VerifierConfigurationLoading.sources(config: config, commandLine: given).database()
        }
        db = settings.location
        keyFile = settings.masterKeyFile
        dbPasswordFile = settings.passwordFile
        dbPoolSize = settings.poolSize
        dbTimeout = Seconds(settings.timeout)
    }

    /// The pool size and timeout as settled (their defaults, before `applyConfiguration` has run).
    var settledPoolSize: Int { dbPoolSize ?? VerifierDatabaseSettings().poolSize }
    var settledTimeout: Double { dbTimeout?.value ?? VerifierDatabaseSettings().timeout }
}
