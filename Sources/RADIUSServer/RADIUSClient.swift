import NIOCore
import RADIUS

/// A NAS (VPN concentrator, Wi-Fi controller, PAM module, proxy) allowed to ask: where its packets come from and the
/// secret it shares with otpkit.
public struct RADIUSClient: Sendable, CustomStringConvertible {
    public var name: String
    public var network: IPNetwork
    public var sharedSecret: RADIUSSharedSecret
    /// `.required` unless the client is known never to send Message-Authenticator (then its PAP requests are exposed
    /// to BlastRADIUS, CVE-2024-3596). Status-Server always needs one (RFC 5997).
    public var messageAuthenticator: RADIUSMessageAuthenticatorRequirement

    public init(name: String, network: IPNetwork, sharedSecret: RADIUSSharedSecret,
                messageAuthenticator: RADIUSMessageAuthenticatorRequirement = .required) {
        self.name = name
        self.network = network
        self.sharedSecret = sharedSecret
        self.messageAuthenticator = messageAuthenticator
    }

    public var description: String { "RADIUSClient(\(name), \(network))" }
}

/// Finds the client a datagram comes from. The server asks once per datagram that is not a retransmit answered from
/// the cache, off the event loop, before the request takes a decision slot; a thrown error drops the request (counted as `client_lookup_failed`), so the NAS
/// retries or fails over.
public protocol RADIUSClientDirectory: Sendable {
    func client(for address: SocketAddress) async throws -> RADIUSClient?
}

/// A fixed list of clients; the most specific network (longest prefix) containing the address wins.
public struct RADIUSClientList: RADIUSClientDirectory {
    public let clients: [RADIUSClient]

    public init(_ clients: [RADIUSClient]) {
        self.clients = clients
    }

    public func client(for address: SocketAddress) async -> RADIUSClient? {
        clientMatching(address)
    }

    /// The synchronous lookup behind `client(for:)`.
    public func clientMatching(_ address: SocketAddress) -> RADIUSClient? {
        clients.filter { $0.network.contains(address) }.max { $0.network.prefixLength < $1.network.prefixLength }
    }
}
