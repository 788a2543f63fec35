/// How `otpkit verifier serve` listens, limits and logs, as the configuration file, the environment and the command
/// line settle it (`VerifierConfigurationSources.serve()`); unset settings keep these defaults.
public struct VerifierServeSettings: Sendable, Equatable {
    /// The HTTP API's `HOST:PORT`.
    public var listen = "127.0.0.1:8400"
    /// Seconds a connection may idle, or take over its request.
    public var idleTimeout: Double = 15
    /// Open connections at most (nil: the descriptor limit less a reserve).
    public var maxConnections: Int?
    /// Requests a second per API key (0: no limit).
    public var rateLimit: Double = 0
    /// HTTPS: the PEM certificate chain's file.
    public var tlsCertificateFile: String?
    /// HTTPS: the PEM private key's file.
    public var tlsKeyFile: String?
    /// The `HOST:PORT` of /metrics by reason, without a key.
    public var metricsListen: String?
    /// RADIUS: `HOST` or `HOST:PORT` (UDP).
    public var radiusListen: String?
    /// RADIUS: `alice@corp` logs in as `alice`.
    public var stripRealm = false
    /// Consecutive failures that lock a token.
    public var lockoutAfterFailures = 10
    /// Seconds after which a locked token unlocks by itself (nil: only an administrator unlocks).
    public var unlockAfter: Double?
    /// The audit log's file (nil: standard error).
    public var auditLog: String?
    /// Where the bound addresses are written as JSON once every listener is bound.
    public var readyFile: String?
    /// The HTTP framework's info lines too.
    public var verbose = false
    /// Whether a start with no API key creates an admin key and prints it once (never under systemd's journal,
    /// where a printed key would stay in the logs: the package's configuration turns it off).
    public var firstAdminKey = true

    public init() {}

    init(_ values: [VerifierSetting: SettingValue]) {
        if let value = values[.httpListen]?.text { listen = value }
        if let value = values[.httpIdleTimeout]?.number { idleTimeout = value }
        maxConnections = values[.httpMaxConnections]?.integer
        if let value = values[.httpRateLimit]?.number { rateLimit = value }
        tlsCertificateFile = values[.tlsCertFile]?.text
        tlsKeyFile = values[.tlsKeyFile]?.text
        metricsListen = values[.metricsListen]?.text
        radiusListen = values[.radiusListen]?.text
        if let value = values[.radiusStripRealm]?.boolean { stripRealm = value }
        if let value = values[.lockoutAfterFailures]?.integer { lockoutAfterFailures = value }
        unlockAfter = values[.lockoutUnlockAfter]?.number
        auditLog = values[.auditLog]?.text
        readyFile = values[.readyFile]?.text
        if let value = values[.verbose]?.boolean { verbose = value }
        if let value = values[.firstAdminKey]?.boolean { firstAdminKey = value }
    }

    /// Settings that do not go together, wherever each was set.
    var conflicts: [ConfigurationProblem] {
        var problems: [ConfigurationProblem] = []
        if (tlsCertificateFile == nil) != (tlsKeyFile == nil) {
            problems.append(ConfigurationProblem(.conflict, source: nil, key: nil,
                                                 message: "tls.cert_file (--tls-cert) and tls.key_file (--tls-key) go together: set both or neither"))
        }
        if stripRealm, radiusListen == nil {
            problems.append(ConfigurationProblem(.conflict, source: nil, key: nil,
                                                 message: "radius.strip_realm (--strip-realm) applies to RADIUS: set radius.listen (--radius-listen) too"))
        }
        return problems
    }
}
