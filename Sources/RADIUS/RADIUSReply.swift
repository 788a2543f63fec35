import Crypto
import OTPCore

/// Encodes a server's replies (Access-Accept, Access-Reject, Access-Challenge).
///
/// Every reply carries Message-Authenticator as its FIRST attribute, whatever the client sent: with it first, an
/// on-path attacker cannot forge an Access-Accept through an MD5 chosen-prefix collision (BlastRADIUS,
/// CVE-2024-3596). Then come the caller's attributes, then every Proxy-State of the request, in order (RFC 2865 5.33),
/// and the header gets the Response Authenticator MD5(Code | Identifier | Length | Request Authenticator |
/// Attributes | Secret).
public enum RADIUSReply {
    public static func encode(_ code: RADIUSCode, attributes: [RADIUSAttribute], to request: RADIUSPacket,
                              secret: RADIUSSharedSecret) throws(RADIUSEncodingError) -> [UInt8] {
        guard code.isReply else { throw .notAReplyCode(code) }
        let zeroMAC = RADIUSAttribute(unchecked: .messageAuthenticator, value: [UInt8](repeating: 0, count: RADIUSMessageAuthenticator.length))
        let proxyStates = request.attributes.filter { $0.type == .proxyState }
        let reply = try RADIUSPacket(code: code, identifier: request.identifier, authenticator: request.authenticator,
                                     attributes: [zeroMAC] + attributes.filter { $0.type != .messageAuthenticator } + proxyStates)
        var bytes = try reply.encoded()
        // The Message-Authenticator value sits right after the header and its own two header bytes.
        let macRange = (RADIUSPacket.headerLength + 2)..<(RADIUSPacket.headerLength + 2 + RADIUSMessageAuthenticator.length)
        bytes.replaceSubrange(macRange, with: RADIUSMessageAuthenticator.hmac(bytes, secret: secret))
        bytes.replaceSubrange(4..<20, with: RADIUSResponseAuthenticator.compute(bytes, secret: secret))
        return bytes
    }
}

/// The Response Authenticator of a reply (RFC 2865 section 3).
public enum RADIUSResponseAuthenticator {
    /// MD5 over `replyWithRequestAuthenticator` (the reply's wire bytes with the Request Authenticator in the header)
    /// followed by the secret.
    public static func compute(_ replyWithRequestAuthenticator: [UInt8], secret: RADIUSSharedSecret) -> [UInt8] {
        Array(Insecure.MD5.hash(data: replyWithRequestAuthenticator + secret.bytes))
    }

    /// Whether `reply` carries the Response Authenticator its request's authenticator and the secret give.
    public static func isValid(_ reply: RADIUSPacket, requestAuthenticator: [UInt8], secret: RADIUSSharedSecret) -> Bool {
        guard let bytes = try? reply.encoded(authenticator: requestAuthenticator) else { return false }
        return ConstantTime.equals(compute(bytes, secret: secret), reply.authenticator)
    }
}
