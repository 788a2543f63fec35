/// The client's side of the codec: Access-Request and Status-Server packets, and the checks of their replies, so
/// tests and load generators speak RADIUS through the same code the server uses.
public enum RADIUSClientCodec {
    /// Whether a request carries Message-Authenticator (placed first when it does).
    public enum MessageAuthenticatorUse: Sendable {
        case include
        case omit
    }

    /// Why a reply is not accepted.
    public enum ReplyError: Error, Sendable, Equatable, CustomStringConvertible {
        case undecodable(RADIUSDecodingError)
        case notAReply(RADIUSCode)
        case identifierMismatch
        case badResponseAuthenticator
        case missingMessageAuthenticator
        case badMessageAuthenticator

        public var description: String {
            switch self {
            case .undecodable(let error): "the reply does not decode: \(error)"
            case .notAReply(let code): "\(code) is not a reply"
            case .identifierMismatch: "the reply answers another Identifier"
            case .badResponseAuthenticator: "wrong Response Authenticator"
            case .missingMessageAuthenticator: "the reply has no Message-Authenticator"
            case .badMessageAuthenticator: "wrong or malformed Message-Authenticator"
            }
        }
    }

    /// 16 bytes from the system's cryptographically secure generator, for a Request Authenticator.
    public static func randomAuthenticator() -> [UInt8] {
        var generator = SystemRandomNumberGenerator()
        return (0..<RADIUSPacket.authenticatorLength).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
    }

    /// An Access-Request with User-Name, the hidden User-Password, State when given, then `attributes`
    /// (NAS-Identifier, Proxy-State, ...), and Message-Authenticator first unless omitted.
    public static func accessRequest(identifier: UInt8, requestAuthenticator: [UInt8] = randomAuthenticator(), userName: String,
                                     password: RADIUSPassword, state: [UInt8]? = nil, attributes: [RADIUSAttribute] = [],
                                     secret: RADIUSSharedSecret, messageAuthenticator: MessageAuthenticatorUse = .include)
        throws(RADIUSEncodingError) -> [UInt8] {
        var body = [try RADIUSAttribute(type: .userName, text: userName),
                    RADIUSAttribute(unchecked: .userPassword,
                                    value: RADIUSUserPassword.hide(password, secret: secret, requestAuthenticator: requestAuthenticator))]
        if let state { body.append(try RADIUSAttribute(type: .state, value: state)) }
        body += attributes
        let packet = try RADIUSPacket(code: .accessRequest, identifier: identifier, authenticator: requestAuthenticator, attributes: body)
        return try sign(packet, secret: secret, messageAuthenticator: messageAuthenticator)
    }

    /// A Status-Server (RFC 5997), which always carries Message-Authenticator.
    public static func statusServer(identifier: UInt8, requestAuthenticator: [UInt8] = randomAuthenticator(), attributes: [RADIUSAttribute] = [],
                                    secret: RADIUSSharedSecret) throws(RADIUSEncodingError) -> [UInt8] {
        let packet = try RADIUSPacket(code: .statusServer, identifier: identifier, authenticator: requestAuthenticator, attributes: attributes)
        return try sign(packet, secret: secret, messageAuthenticator: .include)
    }

    /// `request`'s wire bytes with a Message-Authenticator inserted first (any other removed), or as it is.
    public static func sign(_ request: RADIUSPacket, secret: RADIUSSharedSecret, messageAuthenticator: MessageAuthenticatorUse)
        throws(RADIUSEncodingError) -> [UInt8] {
        var packet = request
        packet.attributes.removeAll { $0.type == .messageAuthenticator }
        guard messageAuthenticator == .include else { return try packet.encoded() }
        packet.attributes.insert(RADIUSAttribute(unchecked: .messageAuthenticator, value: [UInt8](repeating: 0, count: 16)), at: 0)
        var bytes = try packet.encoded()
        bytes.replaceSubrange(22..<38, with: RADIUSMessageAuthenticator.hmac(bytes, secret: secret))
        return bytes
    }

    /// Decodes `datagram` as the reply to a request with `identifier` and `requestAuthenticator`, checking its
    /// Response Authenticator and its Message-Authenticator.
    public static func verifyReply(_ datagram: [UInt8], identifier: UInt8, requestAuthenticator: [UInt8], secret: RADIUSSharedSecret,
                                   messageAuthenticator: RADIUSMessageAuthenticatorRequirement = .required) throws(ReplyError) -> RADIUSPacket {
        let reply: RADIUSPacket
        do { reply = try RADIUSPacket(decoding: datagram) } catch { throw .undecodable(error) }
        guard reply.code.isReply else { throw .notAReply(reply.code) }
        guard reply.identifier == identifier else { throw .identifierMismatch }
        guard RADIUSResponseAuthenticator.isValid(reply, requestAuthenticator: requestAuthenticator, secret: secret) else {
            throw .badResponseAuthenticator
        }
        switch RADIUSMessageAuthenticator.check(reply: reply, requestAuthenticator: requestAuthenticator, secret: secret) {
        case .valid: break
        case .absent: if messageAuthenticator == .required { throw .missingMessageAuthenticator }
        case .invalid, .malformed: throw .badMessageAuthenticator
        }
        return reply
    }
}
