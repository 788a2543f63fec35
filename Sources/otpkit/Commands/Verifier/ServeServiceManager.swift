import Foundation
import ServiceManager
import VerifierServer

/// `serve` under systemd (`Type=notify`): the notifier for `NOTIFY_SOCKET` and the watchdog of `WATCHDOG_USEC`, both
/// absent otherwise. The server sends `STOPPING=1`, the reload messages and the watchdog pings; `READY=1` goes out
/// here, once the store is open, the master key checked and every listener bound and announced.
struct ServeServiceManager: Sendable {
    let notifier: ServiceManagerNotifier?
    let watchdog: WatchdogTimeout?

    init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        notifier = ServiceManagerNotifier(environment: environment) { note in
            writeError(JournalStream.standardError.format("otpkit: \(note)\n", priority: .warning))
        }
        watchdog = notifier == nil ? nil : WatchdogTimeout(environment: environment)
    }

    /// Hands the server the notifier and the watchdog.
    func configure(_ options: inout VerifierHTTPServer.Options) {
        options.serviceManager = notifier
        options.watchdog = watchdog
    }

    /// `READY=1`, with the bound addresses as the status `systemctl status` shows.
    func ready(_ listeners: [ListenerAnnouncements.Listener: String]) {
        let addresses = ListenerAnnouncements.Listener.allCases.compactMap { listener in listeners[listener].map { "\(listener.rawValue) \($0)" } }
        notifier?.send(.ready(status: "listening: " + addresses.joined(separator: ", ")))
    }
}
