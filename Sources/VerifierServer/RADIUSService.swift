import NIOCore
import RADIUSServer
import ServiceLifecycle

/// Where the verification server answers RADIUS: a UDP address and what to do with realms in user names.
public struct RADIUSListener: Sendable {
    public var host: String
    public var port: Int
    public var realm: RADIUSServerOptions.Realm

    public init(host: String, port: Int = RADIUSServer.defaultPort, realm: RADIUSServerOptions.Realm = .keep) {
        self.host = host
        self.port = port
        self.realm = realm
    }
}

/// The RADIUS front end as one of the server's services: it runs beside the HTTP listeners and stops with them
/// (SIGINT/SIGTERM start a graceful shutdown: the socket closes, decisions under way finish).
struct RADIUSService: Service {
    let server: RADIUSServer
    let onListening: @Sendable (String) -> Void

    func run() async throws {
        try await cancelWhenGracefulShutdown {
            try await server.run { address in
                onListening(address.port.map { "\(address.ipAddress ?? "?"):\($0)" } ?? "\(address)")
            }
        }
    }
}
