#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// Tells systemd how the service is doing over `NOTIFY_SOCKET`, as sd_notify(3) does, in Swift (no libsystemd):
/// readiness, reloads, shutdown, watchdog pings, status.
///
/// Each message is one datagram from a socket of its own, opened non-blocking, so a send never waits (a full queue
/// is `EAGAIN`). A send that fails (the socket gone, refused, full) costs nothing but that message: the failure is
/// reported once, and again only after a send succeeded in between.
public final class ServiceManagerNotifier: Sendable {
    public let address: NotifySocketAddress
    private let report: @Sendable (String) -> Void
    private struct State {
        var failing = false
        var readySent = false
    }

    private let state = Mutex(State())

    /// `report` gets one line per burst of failed sends (never a message's content).
    public init(address: NotifySocketAddress, report: @escaping @Sendable (String) -> Void) {
        self.address = address
        self.report = report
    }

    /// The notifier for `NOTIFY_SOCKET` in `environment`; nil when it is unset or empty (not started by systemd with
    /// `Type=notify`), and nil after reporting once when it names something this process cannot send to.
    public convenience init?(environment: [String: String], report: @escaping @Sendable (String) -> Void) {
        guard let text = environment["NOTIFY_SOCKET"], !text.isEmpty else { return nil }
        do {
            self.init(address: try NotifySocketAddress(text), report: report)
        } catch {
            report("\(error); not notifying the service manager")
            return nil
        }
    }

    /// Whether `READY=1` was sent (or tried: a ping after a lost READY=1 is no worse than none); watchdog pings wait
    /// for it.
    public var hasSentReady: Bool { state.withLock { $0.readySent } }

    /// Sends `notification` in one datagram; false when it could not be sent (reported as described above).
    @discardableResult
    public func send(_ notification: ServiceNotification) -> Bool {
        let failure = Self.sendDatagram(Array(notification.description.utf8), to: address)
        let note: String? = state.withLock { state in
            if notification.assignments.contains("READY=1") { state.readySent = true }
            guard let failure else {
                state.failing = false
                return nil
            }
            defer { state.failing = true }
            return state.failing ? nil : "cannot notify the service manager at \(address) (\(failure)); going on without it"
        }
        if let note { report(note) }
        return failure == nil
    }

    /// The reason a datagram could not be sent, or nil once it was.
    private static func sendDatagram(_ bytes: [UInt8], to address: NotifySocketAddress) -> String? {
        let descriptor = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
        guard descriptor >= 0 else { return "socket: " + String(cString: strerror(errno)) }
        defer { close(descriptor) }
        let sent = address.withSocketAddress { socketAddress, length in
            bytes.withUnsafeBytes { buffer in
                sendto(descriptor, buffer.baseAddress, buffer.count, Int32(MSG_NOSIGNAL), socketAddress, length)
            }
        }
        if sent < 0 { return String(cString: strerror(errno)) }
        return sent == bytes.count ? nil : "sent \(sent) of \(bytes.count) bytes"
    }
}
