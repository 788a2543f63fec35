import ServiceLifecycle
import ServiceManager

/// Sends `STOPPING=1` the moment shutdown begins (SIGTERM or SIGINT), before the listeners close and the requests in
/// flight drain: the server's last service, so the first one its graceful shutdown reaches.
struct StoppingNotice: Service {
    let notifier: ServiceManagerNotifier

    func run() async throws {
        do { try await gracefulShutdown() } catch { return }  // cancelled: the server failed to start or was torn down
        notifier.send(.stopping)
    }
}
