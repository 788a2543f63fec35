import DispatchExecutors
import TokenDrivers

/// Lists the tokens a program can reach: this machine's USB and the local USB/IP server, or the servers named.
public enum TokenDiscovery {
    /// The USB/IP server asked when none is named (an `otpkit emulate` or usbipd on this machine).
    public static let defaultServer = (host: "127.0.0.1", port: DeviceAddress.defaultUSBIPPort)

    /// The tokens found, and the places that could not be searched (said, never fatal: the others still count).
    public struct Listing: Sendable {
        public var candidates: [TokenCandidate]
        /// E.g. "local USB not searched: ..." in a container without udev.
        public var notes: [String]
    }

    /// Without `servers`: local USB plus the default USB/IP server when one runs. With servers (`usbip://HOST:PORT`):
    /// only their tokens; a server that cannot be reached is an error.
    public static func list(servers: [DeviceAddress] = []) throws(TransportError) -> Listing {
        var listing = Listing(candidates: [], notes: [])
        if servers.isEmpty {
            do {
                listing.candidates += try TokenTransports.listLocal()
            } catch {
                // No udev here (a container): local USB cannot be searched, the USB/IP server still can.
                listing.notes.append("local USB not searched: \(error)")
            }
            do {
                listing.candidates += try TokenTransports.listUSBIP(host: defaultServer.host, port: defaultServer.port)
            } catch .notFound {
                // No emulator or usbipd on this machine: nothing more to list.
            }
        }
        for case .usbip(let host, let port, _) in servers {
            listing.candidates += try TokenTransports.listUSBIP(host: host, port: port)
        }
        return listing
    }

    /// Where listings run from async code: libusb's enumeration and the USB/IP requests block, so they take this
    /// queue's thread, one listing at a time, never a cooperative one.
    private static let home = SerialQueueExecutor(label: "otpkit.token-discovery")

    /// `list(servers:)` from async code, on a queue of its own.
    public static func find(servers: [DeviceAddress] = []) async throws(TransportError) -> Listing {
        try await home.run { () throws(TransportError) -> Listing in try list(servers: servers) }
    }
}
