import Crypto
import OTPCore

/// Message-Authenticator (RFC 3579 section 3.2): HMAC-MD5 keyed with the shared secret over the whole packet with
/// this attribute's value zeroed. In a request the header holds the Request Authenticator; in a reply it is computed
/// with the Request Authenticator of the request in the header, before the Response Authenticator is filled in.
public enum RADIUSMessageAuthenticator {
    public static let length = 16

    /// What a received packet's Message-Authenticator shows.
    public enum Check: Sendable, Equatable {
        /// The packet has none.
        case absent
        /// Present once, 16 bytes, and right.
        case valid
        /// Present once, 16 bytes, and wrong (another secret, or a forged packet).
        case invalid
        /// Present more than once, or not 16 bytes long.
        case malformed
    }

    /// Checks a request's (Access-Request, Status-Server) Message-Authenticator.
    public static func check(request: RADIUSPacket, secret: RADIUSSharedSecret) -> Check {
        check(request, headerAuthenticator: request.authenticator, secret: secret)
    }

    /// Checks a reply's Message-Authenticator against the Request Authenticator of the request it answers.
    public static func check(reply: RADIUSPacket, requestAuthenticator: [UInt8], secret: RADIUSSharedSecret) -> Check {
        check(reply, headerAuthenticator: requestAuthenticator, secret: secret)
    }

    /// The Message-Authenticator value for `packet` as it stands (any Message-Authenticator in it counts as zeros),
    /// with `headerAuthenticator` in the header; nil when the packet cannot be encoded.
    public static func compute(_ packet: RADIUSPacket, headerAuthenticator: [UInt8], secret: RADIUSSharedSecret) -> [UInt8]? {
        var zeroed = packet
        zeroed.attributes = packet.attributes.map {
            $0.type == .messageAuthenticator ? RADIUSAttribute(unchecked: .messageAuthenticator, value: [UInt8](repeating: 0, count: $0.value.count)) : $0
        }
        guard let bytes = try? zeroed.encoded(authenticator: headerAuthenticator) else { return nil }
        return hmac(bytes, secret: secret)
    }

    static func hmac(_ bytes: [UInt8], secret: RADIUSSharedSecret) -> [UInt8] {
        Array(HMAC<Insecure.MD5>.authenticationCode(for: bytes, using: SymmetricKey(data: secret.bytes)))
    }

    private static func check(_ packet: RADIUSPacket, headerAuthenticator: [UInt8], secret: RADIUSSharedSecret) -> Check {
        let received: [UInt8]
        switch packet.singleValue(of: .messageAuthenticator) {
        case .absent: return .absent
        case .repeated: return .malformed
        case .present(let value): received = value
        }
        guard received.count == length else { return .malformed }
        guard let expected = compute(packet, headerAuthenticator: headerAuthenticator, secret: secret) else { return .invalid }
        return ConstantTime.equals(expected, received) ? .valid : .invalid
    }
}
