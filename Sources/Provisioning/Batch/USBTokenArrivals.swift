import DispatchExecutors
import Foundation
import OTPCore
import TokenDrivers
import USBTransport

/// Tokens on this machine's USB (and the local USB/IP server), noticed through libudev's hotplug events; or the
/// tokens of named USB/IP servers, whose lists are polled.
public final class USBTokenArrivals: TokenArrivalSource {
    /// The USB/IP servers asked; empty: this machine's USB and the local USB/IP server.
    public let servers: [DeviceAddress]
    private let hotplug: HotplugEvents?
    private let notice: @Sendable (String) -> Void

    /// - Parameters:
    ///   - servers: USB/IP servers (`usbip://HOST:PORT`) to take tokens from; empty for local USB.
    ///   - watchHotplug: listen for udev events (local USB only): arrivals are noticed at once instead of by polling.
    ///   - notice: told about places that could not be searched (e.g. no udev in a container).
    public init(servers: [DeviceAddress] = [], watchHotplug: Bool = true, notice: @escaping @Sendable (String) -> Void = { _ in }) {
        self.servers = servers
        hotplug = servers.isEmpty && watchHotplug ? try? HotplugEvents() : nil
        self.notice = notice
    }

    public func presentTokens() async throws(TransportError) -> [TokenCandidate] {
        let listing = try await TokenDiscovery.find(servers: servers)
        listing.notes.forEach(notice)
        return listing.candidates
    }

    public func open(_ candidate: TokenCandidate) async throws(TokenDriverError) -> TokenSession {
        let address: DeviceAddress
        do { address = try DeviceAddress(parsing: candidate.address) } catch { throw .transport(.notFound(error.description)) }
        return try await TokenSession.open(address)
    }

    public func arrivalSignals() -> AsyncStream<Void> {
        let hotplug = self.hotplug
        return AsyncStream(unfolding: {
            if let hotplug {
                await hotplug.next(within: 0.5)
            } else {
                // A USB/IP server announces nothing: its list is looked at again five times a second.
                do { try await Task.sleep(for: .milliseconds(200)) } catch { return nil }
            }
            return Task.isCancelled ? nil : ()
        })
    }

    /// libudev's hotplug monitor, on a queue of its own: its wait blocks.
    private actor HotplugEvents {
        private let executor = SerialQueueExecutor(label: "otpkit.hotplug")
        private let monitor: UDevMonitor

        nonisolated var unownedExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }

        init() throws(TransportError) { monitor = try UDevMonitor() }

        /// Returns after a token event or `seconds`.
        func next(within seconds: TimeInterval) {
            _ = monitor.next(timeout: seconds)
        }
    }
}
