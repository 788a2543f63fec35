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

    /// A socket that cannot be bound ends the server with `ListenerUnavailable`.
    func run() async throws {
        let listening = ListeningFlag()
        do {
            try await cancelWhenGracefulShutdown {
                try await server.run { address in
                    listening.value.store(true, ordering: .relaxed)
                    onListening(address.port.map { "\(address.ipAddress ?? "?"):\($0)" } ?? "\(address)")
                }
            }
        } catch where !listening.value.load(ordering: .relaxed) && !(error is CancellationError) {
            throw ListenerUnavailable(.radius, host: server.host, port: server.port, error: error)
        }
    }
}
