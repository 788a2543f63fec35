import NIOPosix
import ServiceLifecycle

/// The server's own threads (blocking store work, imports) as a service: started before the listener binds (through
/// `Application.beforeServerStarts`), stopped at graceful shutdown after the HTTP listener and RADIUS have finished
/// what was in flight (services stop in the reverse of their order, and this one comes first).
struct WorkThreadsService: Service {
    let threads: NIOThreadPool
    let imports: ImportGate

    func start() {
        threads.start()
        imports.start()
    }

    func run() async throws {
        try? await gracefulShutdown()
        imports.shutdown()
        try await threads.shutdownGracefully()
    }
}
