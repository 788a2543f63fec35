import VerifierConfiguration

/// The verifier's configuration file: the text guard, Yams and the schema's checks over any bytes, then, for a file
/// they accept, the settings layered from it through swift-configuration (which reads the same bytes again).
enum ConfigurationFuzzing {
    static func run(_ input: [UInt8]) {
        guard let file = try? ConfigurationFile(parsing: input, path: "fuzz.yaml") else { return }
        let sources = VerifierConfigurationSources(file: file, environment: [:])
        _ = try? sources.database()
        _ = try? sources.serve()
    }

    static func seeds() -> [[UInt8]] {
        [
            """
            database:
              location: /var/lib/otpkit/verifier.sqlite
              pool_size: 4
              timeout: 5
            master_key_file: /var/lib/otpkit/verifier.key
            http: {listen: "127.0.0.1:8400", idle_timeout: 15, max_connections: 100, rate_limit: 0}
            tls:
              cert_file: /etc/otpkit/tls/verifier.crt
              key_file: /etc/otpkit/tls/verifier.key
            metrics:
              listen: 127.0.0.1:9400
            radius:
              listen: 0.0.0.0:1812
              strip_realm: true
            lockout: {after_failures: 10, unlock_after: 900}
            audit_log: /var/log/otpkit/audit.log
            ready_file: /run/otpkit/verifier-ready.json
            verbose: false
            """,
            "http:\n  lisen: x\n  idle_timeout: 0\ndb_password: x\nradius: [a, b]\n",
            "a: &a [x, x]\nb: [*a, *a]\n? *b\n: 1\n",
            "database: {location: \"postgres://otpkit:x@db/otpkit\"}\nhttp:\n  listen: 1\n  listen: 2\n",
        ].map { Array($0.utf8) }
    }
}
