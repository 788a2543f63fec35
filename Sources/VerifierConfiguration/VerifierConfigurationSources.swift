import Configuration

/// Where the verifier's settings come from, lowest first: the configuration file, the `OTPKIT_*` environment (and
/// `OTPKIT_VERIFIER_DB`, below `OTPKIT_DATABASE_LOCATION`), the command line; the later wins. Each source is checked
/// on its own first, so that a problem names where it was written; swift-configuration's `ConfigReader` then picks,
/// for each setting, the first of its providers (command line, environment, file) that has a value.
public struct VerifierConfigurationSources: Sendable {
    public let file: ConfigurationFile?
    /// The process environment's `OTPKIT_*` variables (empty values count as unset).
    public let environment: [String: String]
    /// The flags given on the command line, as text.
    public let commandLine: [VerifierSetting: String]

    public init(file: ConfigurationFile?, environment: [String: String], commandLine: [VerifierSetting: String] = [:]) {
        self.file = file
        self.environment = environment.filter { $0.key.hasPrefix("OTPKIT_") && !$0.value.isEmpty }
        self.commandLine = commandLine
    }

    /// The database settings every verifier command reads.
    public func database() throws(VerifierConfigurationError) -> VerifierDatabaseSettings {
        VerifierDatabaseSettings(try values(of: VerifierSetting.database))
    }

    /// The settings of `serve` beyond the database's, checked for settings that do not go together.
    public func serve() throws(VerifierConfigurationError) -> VerifierServeSettings {
        let settings = VerifierServeSettings(try values(of: VerifierSetting.serve))
        let conflicts = settings.conflicts
        guard conflicts.isEmpty else { throw VerifierConfigurationError(conflicts) }
        return settings
    }

    /// Each of `settings` that some source sets, from the highest source that sets it.
    public func values(of settings: [VerifierSetting]) throws(VerifierConfigurationError) -> [VerifierSetting: SettingValue] {
        var problems: [ConfigurationProblem] = []
        for setting in settings {
            for name in [setting.environmentVariable] + setting.legacyEnvironmentVariables {
                if let text = environment[name], setting.kind.parse(text) == nil {
                    problems.append(ConfigurationProblem(.badValue, source: .environment(name), key: setting.key, message: "must be \(setting.kind.expectation)"))
                }
            }
            if let text = commandLine[setting], setting.kind.parse(text) == nil {
                problems.append(ConfigurationProblem(.badValue, source: .commandLine(setting.flag), key: nil, message: "must be \(setting.kind.expectation)"))
            }
        }
        guard problems.isEmpty else { throw VerifierConfigurationError(problems) }
        let reader = ConfigReader(providers: providers)
        var values: [VerifierSetting: SettingValue] = [:]
        for setting in settings {
            if let text = reader.string(forKey: ConfigKey(setting.keyComponents)), let value = setting.kind.parse(text) {
                values[setting] = value
            }
        }
        return values
    }

    /// The command line, the environment, the older environment names, then the file.
    private var providers: [any ConfigProvider] {
        let given = commandLine.map { (AbsoluteConfigKey($0.key.keyComponents), ConfigValue(.string($0.value), isSecret: false)) }
        let legacy = VerifierSetting.allCases.compactMap { setting in
            setting.legacyEnvironmentVariables.lazy.compactMap { environment[$0] }.first
                .map { (AbsoluteConfigKey(setting.keyComponents), ConfigValue(.string($0), isSecret: false)) }
        }
        var providers: [any ConfigProvider] = [
            InMemoryProvider(name: "command line", values: Dictionary(given) { first, _ in first }),
            EnvironmentVariablesProvider(environmentVariables: environment).prefixKeys(with: ConfigKey(["otpkit"])),
            InMemoryProvider(name: "older environment names", values: Dictionary(legacy) { first, _ in first }),
        ]
        if let snapshot = file?.snapshot { providers.append(SnapshotProvider(fixed: snapshot)) }
        return providers
    }
}
