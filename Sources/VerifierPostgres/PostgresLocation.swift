import Foundation
import PostgresNIO
import Verification

/// Where the shared database is: a `postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE[?sslmode=MODE]` URL (libpq's
/// form; `postgresql://` too). The password comes from the URL, else from `passwordFile`, else from PGPASSWORD;
/// it is never part of `description`.
public struct PostgresLocation: Sendable, CustomStringConvertible {
    public enum SSLMode: String, Sendable, CaseIterable {
        /// No TLS.
        case disable
        /// TLS when the server offers it, without checking its certificate (libpq's default).
        case prefer
        /// TLS or no connection, without checking the certificate.
        case require
        /// TLS with the server's certificate checked against the system's CAs and the host name.
        case verifyFull = "verify-full"
    }

    public let host: String
    public let port: Int
    public let user: String
    public let database: String
    public let sslMode: SSLMode
    private let password: String?

    public static func isPostgresURL(_ text: String) -> Bool {
        text.hasPrefix("postgres://") || text.hasPrefix("postgresql://")
    }

    public init(url text: String, passwordFile: String? = nil, environment: [String: String] = ProcessInfo.processInfo.environment) throws(VerifierError) {
        guard Self.isPostgresURL(text), let components = URLComponents(string: text), let host = components.host, !host.isEmpty else {
            throw .storage("not a PostgreSQL URL (postgres://USER@HOST:PORT/DATABASE): \(Self.redacted(text))")
        }
        self.host = host
        port = components.port ?? 5432
        user = components.user.flatMap { $0.removingPercentEncoding } ?? environment["PGUSER"] ?? "postgres"
        let path = String(components.path.drop(while: { $0 == "/" }))
        database = path.isEmpty ? user : path
        let mode = components.queryItems?.first { $0.name == "sslmode" }?.value ?? "prefer"
        guard let sslMode = SSLMode(rawValue: mode) else {
            throw .storage("sslmode must be one of \(SSLMode.allCases.map(\.rawValue).joined(separator: ", ")), not \(mode)")
        }
        self.sslMode = sslMode
        if let inURL = components.password?.removingPercentEncoding {
            password = inURL
        } else if let passwordFile {
            guard let contents = FileManager.default.contents(atPath: passwordFile) else {
                throw .storage("cannot read the password file \(passwordFile)")
            }
            password = String(decoding: contents, as: UTF8.self).trimmingCharacters(in: .newlines)
        } else {
            password = environment["PGPASSWORD"].flatMap { $0.isEmpty ? nil : $0 }
        }
    }

    /// The URL without its password.
    public var description: String { "postgres://\(user)@\(host):\(port)/\(database)" }

    static func redacted(_ text: String) -> String {
        text.replacingOccurrences(of: #"//([^:/@]*):[^@]*@"#, with: "//$1:***@", options: .regularExpression)
    }

    /// The TLS configuration of `sslMode` (nil: no TLS), and whether TLS is required.
    private var tlsConfiguration: (configuration: TLSConfiguration, required: Bool)? {
        switch sslMode {
        case .disable:
            return nil
        case .prefer, .require:
            var unchecked = TLSConfiguration.makeClientConfiguration()
            unchecked.certificateVerification = .none
            return (unchecked, sslMode == .require)
        case .verifyFull:
            return (.makeClientConfiguration(), true)
        }
    }

    private func clientTLS() -> PostgresClient.Configuration.TLS {
        guard let (configuration, required) = tlsConfiguration else { return .disable }
        return required ? .require(configuration) : .prefer(configuration)
    }

    /// The client's configuration: its pool of at most `connections`, each connecting within `connectTimeout` and
    /// with `statement_timeout` set at connect, so the server itself ends a statement that outlives `statementTimeout`.
    func clientConfiguration(connections: Int, connectTimeout: Duration, statementTimeout: Duration) -> PostgresClient.Configuration {
        var configuration = PostgresClient.Configuration(host: host, port: port, username: user, password: password, database: database, tls: clientTLS())
        configuration.options.connectTimeout = connectTimeout
        configuration.options.maximumConnections = max(1, connections)
        configuration.options.minimumConnections = 0
        configuration.options.keepAliveBehavior = .init(frequency: .seconds(30))
        configuration.options.additionalStartupParameters = [("statement_timeout", "\(statementTimeout.milliseconds)")]
        return configuration
    }

    /// One connection outside the pool (the start-up check, whose failure names its cause: a refused password, no TLS).
    func connectionConfiguration(connectTimeout: Duration) throws(VerifierError) -> PostgresConnection.Configuration {
        let tls: PostgresConnection.Configuration.TLS
        do {
            if let (configuration, required) = tlsConfiguration {
                let context = try NIOSSLContext(configuration: configuration)
                tls = required ? .require(context) : .prefer(context)
            } else {
                tls = .disable
            }
        } catch {
            throw .storage("cannot set up TLS for \(self): \(error)")
        }
        var configuration = PostgresConnection.Configuration(host: host, port: port, username: user, password: password, database: database, tls: tls)
        configuration.options.connectTimeout = TimeAmount.nanoseconds(connectTimeout.nanoseconds)
        return configuration
    }
}

extension Duration {
    var milliseconds: Int64 { components.seconds * 1000 + components.attoseconds / 1_000_000_000_000_000 }
    var nanoseconds: Int64 { components.seconds * 1_000_000_000 + components.attoseconds / 1_000_000_000 }
}
