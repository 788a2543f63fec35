import ServiceLifecycle
import UnixSignals

/// Reloads on SIGHUP (`systemctl reload`, logrotate's `postrotate`), one signal after another, until shutdown.
///
/// `signals` is trapping SIGHUP before the server starts (`UnixSignalsSequence` registers on creation), so a
/// SIGHUP from then on reloads instead of ending the process, as it would by default.
struct ReloadService: Service {
    let signals: UnixSignalsSequence
    let reload: @Sendable () async -> Void

    func run() async throws {
        for await _ in signals.cancelOnGracefulShutdown() {
            await reload()
        }
    }
}
