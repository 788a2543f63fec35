import NIOCore
import RADIUS

/// An authenticated Access-Request as the authenticator sees it: the Message-Authenticator checked (or not required
/// of this client), the password de-obfuscated. Its `description` names the user and client, never the password.
public struct RADIUSAccessRequest: Sendable, CustomStringConvertible {
    /// The name of the client (NAS) it came from.
    public let clientName: String
    /// User-Name as sent (after stripping the realm when the server is set to).
    public let userName: String
    public let password: RADIUSPassword
    /// The State of the Access-Challenge this request answers, as the client echoed it.
    public let state: [UInt8]?
    public let nasIdentifier: String?
    public let callingStationID: String?
    /// Where the datagram came from.
    public let source: SocketAddress

    public init(clientName: String, userName: String, password: RADIUSPassword, state: [UInt8]?, nasIdentifier: String?,
                callingStationID: String?, source: SocketAddress) {
        self.clientName = clientName
        self.userName = userName
        self.password = password
        self.state = state
        self.nasIdentifier = nasIdentifier
        self.callingStationID = callingStationID
        self.source = source
    }

    /// `address:port` (`[v6]:port`) of the source, for audit lines.
    public var sourceText: String { RADIUSAccessRequest.text(of: source) }

    public var description: String { "RADIUSAccessRequest(user \(userName), client \(clientName), from \(sourceText))" }

    static func text(of address: SocketAddress) -> String {
        guard let ip = address.ipAddress, let port = address.port else { return "\(address)" }
        return ip.contains(":") ? "[\(ip)]:\(port)" : "\(ip):\(port)"
    }
}

/// What to answer an Access-Request.
public enum RADIUSDecision: Sendable, Equatable {
    case accept(replyMessage: String?)
    case reject(replyMessage: String?)
    /// Ask for more (the next code of an auto-resync): the client sends a new Access-Request echoing `state`.
    case challenge(state: [UInt8], replyMessage: String)
    /// Send nothing, and cache nothing: for when no decision could be made (the store is down), so the NAS retries or
    /// fails over to another server.
    case noAnswer
}

/// Decides Access-Requests. Called off the event loop, at most `RADIUSServerOptions.maximumDecisionsInFlight`
/// times at once, and once per request: retransmits are answered from the server's duplicate cache.
public protocol RADIUSAuthenticator: Sendable {
    func decide(_ request: RADIUSAccessRequest) async -> RADIUSDecision
}
