import Foundation
import MasterKeys

/// A RADIUS client (a NAS: VPN concentrator, Wi-Fi controller, pam_radius host, a FreeRADIUS proxy) as the store
/// keeps it, so that every node serving RADIUS on the store knows it. The shared secret is sealed under the master
/// key, bound to the client's name, like a token's seed.
public struct RADIUSClientRecord: Sendable, Equatable {
    /// Whether the client signs its Access-Requests with a Message-Authenticator (RFC 3579).
    public enum MessageAuthenticator: String, Sendable {
        /// Requests without a valid Message-Authenticator are dropped (the default: the BlastRADIUS defence).
        case required
        /// The client cannot send one (Debian 12's pam_radius_auth 2.0): its requests are open to CVE-2024-3596.
        case notSent = "not_sent"
    }

    public var name: String
    /// An address or a CIDR network, as the operator wrote it.
    public var address: String
    public var sealedSecret: SealedSecret
    public var messageAuthenticator: MessageAuthenticator
    public var created: Date

    public init(name: String, address: String, sealedSecret: SealedSecret, messageAuthenticator: MessageAuthenticator, created: Date = Date()) {
        self.name = name
        self.address = address
        self.sealedSecret = sealedSecret
        self.messageAuthenticator = messageAuthenticator
        self.created = created
    }

    /// The associated data a client's secret is sealed with: a sealed secret moved to another client does not open.
    public static func sealingName(_ name: String) -> String { "radius-client " + name }
}

/// Where RADIUS clients live: beside the tokens, in the same database.
public protocol RADIUSClientStore: Sendable {
    func radiusClients() async throws(VerifierError) -> [RADIUSClientRecord]
    /// Adds a client whose secret is sealed under `masterKeyID`, checked against the store's current key in the same
    /// transaction as a token insert is. A name in use: `duplicateRADIUSClient`.
    func addRADIUSClient(_ client: RADIUSClientRecord, sealedUnder masterKeyID: String) async throws(VerifierError)
    func removeRADIUSClient(name: String) async throws(VerifierError) -> Bool
}
