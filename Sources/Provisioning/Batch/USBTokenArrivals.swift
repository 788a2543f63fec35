import Foundation
import OTPCore
import TokenDrivers
import USBTransport

/// Tokens on this machine's USB (and the local USB/IP server), noticed through libudev's hotplug events; or the
/// tokens of named USB/IP servers, whose lists are polled.
public final class USBTokenArrivals: TokenArrivalSource {
    public let servers: [DeviceAddress]
    private let hotplug: UDevMonitor?
    private let notice: (String) -> Void

    /// - Parameters:
    ///   - servers: USB/IP servers (`usbip://HOST:PORT`) to take tokens from; empty for local USB.
    ///   - watchHotplug: listen for udev events (local USB only): arrivals are noticed at once instead of by polling.
    ///   - notice: told about places that could not be searched (e.g. no udev in a container).
    public init(servers: [DeviceAddress] = [], watchHotplug: Bool = true, notice: @escaping (String) -> Void = { _ in }) {
        self.servers = servers
        hotplug = servers.isEmpty && watchHotplug ? try? UDevMonitor() : nil
        self.notice = notice
    }

    public func presentTokens() throws(TransportError) -> [TokenCandidate] {
        let listing = try TokenDiscovery.list(servers: servers)
        listing.notes.forEach(notice)
        return listing.candidates
    }

    public func open(_ candidate: TokenCandidate) throws(TokenDriverError) -> ConnectedToken {
        let address: DeviceAddress
        do { address = try DeviceAddress(parsing: candidate.address) } catch { throw .transport(.notFound(error.description)) }
        return try ConnectedToken.open(address)
    }

    public func waitForArrival(timeout: Duration) {
        if let hotplug {
            _ = hotplug.next(timeout: timeout.seconds)
        } else {
            Thread.sleep(forTimeInterval: min(0.2, max(timeout.seconds, 0)))
        }
    }
}
