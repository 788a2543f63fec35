import ServiceLifecycle

/// The import threads as a service: started before the listener binds (through `Application.beforeServerStarts`),
/// stopped at graceful shutdown after the HTTP listener and RADIUS have finished what was in flight (services stop
/// in the reverse of their order, and this one comes first).
struct ImportThreadsService: Service {
    let imports: ImportGate

    func start() { imports.start() }

    func run() async throws {
        try? await gracefulShutdown()
        imports.shutdown()
    }
}
