import NIOCore
import NIOPosix
import ServiceLifecycle
import ServiceManager
import UnixSignals

/// The server's side of its service manager: reload on SIGHUP, `STOPPING=1` when shutdown begins, watchdog pings
/// while the node answers (`READY=1` at start is the caller's, once it has announced the listeners).
extension VerifierHTTPServer {
    /// The services that run beside the application in the group that gets the shutdown signals, in the group's
    /// order: the watchdog and the reloads first (stopped last), the application, then `STOPPING=1` (reached first
    /// by a graceful shutdown, so it goes out before the listeners close).
    func lifecycleServices(around app: some Service, eventLoops: any EventLoopGroup, reloads: UnixSignalsSequence) -> [any Service] {
        var services: [any Service] = []
        if let notifier = options.serviceManager, let watchdog = options.watchdog {
            services.append(WatchdogService(notifier: notifier, timeout: watchdog, probe: livenessProbe(eventLoops: eventLoops)))
        }
        services.append(ReloadService(signals: reloads, reload: { await self.reload() }))
        services.append(app)
        if let notifier = options.serviceManager { services.append(StoppingNotice(notifier: notifier)) }
        return services
    }

    /// What the watchdog asks before each ping: every event loop runs a trivial task, then the readiness check that
    /// `/healthz` answers passes (the store answers, can be written, the master key opens its secrets).
    func livenessProbe(eventLoops: any EventLoopGroup) -> @Sendable () async -> String? {
        { [readiness] in
            for loop in eventLoops.makeIterator() {
                do { try await loop.submit {}.get() } catch { return "an event loop refused a task: \(error)" }
            }
            do { try await readiness.check() } catch { return Self.cause(of: error) }
            return nil
        }
    }

    /// SIGHUP: opens the audit log file again at its path (logrotate moved it away), reads the TLS certificate and
    /// key again for new connections, and says in one line what was reloaded and what needs a restart; between
    /// `RELOADING=1` and `READY=1` to the service manager. What fails to reload stays as it was.
    func reload() async {
        options.serviceManager?.send(.reloading())
        var reloaded: [String] = [], failed: [String] = []
        if let reopening = options.auditLogReopening {
            do {
                audit.replace(with: try await NIOThreadPool.singleton.runIfActive { try reopening.open(reopening.path) })
                reloaded.append("audit log reopened at \(reopening.path)")
            } catch {
                failed.append("audit log not reopened (\(error)): its lines still go to the file opened before")
            }
        }
        if let tls {
            do {
                try await NIOThreadPool.singleton.runIfActive { try tls.load() }
                reloaded.append("TLS certificate and key read again from \(tls.certificatePath) and \(tls.keyPath) for new connections (open ones keep theirs)")
            } catch {
                failed.append("TLS certificate and key not reloaded (\(error)): new connections still get the pair read before")
            }
        }
        let outcome = reloaded + failed
        let done = outcome.isEmpty ? "nothing to reload (audit lines on stderr, no TLS)" : outcome.joined(separator: "; ")
        OperatorNotes.write("reload (SIGHUP): \(done); a restart is needed for anything else "
                            + "(listen addresses, database and pool size, master key, limits and timeouts, RADIUS options)",
                            priority: failed.isEmpty ? .notice : .error)
        options.serviceManager?.send(.ready())
    }
}
