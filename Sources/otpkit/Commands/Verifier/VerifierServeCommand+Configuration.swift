import VerifierConfiguration

extension VerifierServeCommand {
    /// The server's settings: `--config`, then the `OTPKIT_*` environment, then the flags given, the later winning;
    /// checked (values, and settings that go together) before anything starts. The file is read again here (the
    /// database options read it as the command line was validated), and checked whole again.
    func serveSettings() throws -> VerifierServeSettings {
        var given: [VerifierSetting: String] = [:]
        given[.httpListen] = listen
        given[.httpIdleTimeout] = idleTimeout.map { String($0) }
        given[.httpMaxConnections] = maxConnections.map { String($0) }
        given[.httpRateLimit] = rateLimit.map { String($0) }
        given[.tlsCertFile] = tlsCert
        given[.tlsKeyFile] = tlsKey
        given[.metricsListen] = metricsListen
        given[.radiusListen] = radiusListen
        given[.radiusStripRealm] = stripRealm.map { String($0) }
        given[.lockoutAfterFailures] = lockoutAfter.map { String($0) }
        given[.lockoutUnlockAfter] = lockoutSeconds.map { String($0.value) }
        given[.auditLog] = auditLog
        given[.readyFile] = readyFile
        given[.verbose] = verbose.map { String($0) }
        given[.firstAdminKey] = firstAdminKey.map { String($0) }
        return try VerifierConfigurationLoading.settle { () throws(VerifierConfigurationError) in
            try VerifierConfigurationLoading.sources(config: verifier.config, commandLine: given).serve()
        }
    }
}
