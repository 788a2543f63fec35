import RADIUS

/// A datagram as the RADIUS server receives it: decoded, and when it decodes, taken through what the server does
/// next with a fixed shared secret (Message-Authenticator check, credentials, a reply). A decoded packet must encode
/// back to exactly its first Length bytes: a trap here is a codec that reads and writes differently.
enum RADIUSPacketFuzzing {
    static let secret = try! RADIUSSharedSecret("fuzzing-secret")

    static func run(_ input: [UInt8]) {
        guard let packet = try? RADIUSPacket(decoding: input) else { return }
        let length = Int(input[2]) << 8 | Int(input[3])
        precondition((try? packet.encoded()) == Array(input[0..<length]), "a decoded RADIUS packet encodes differently")
        _ = RADIUSMessageAuthenticator.check(request: packet, secret: secret)
        _ = try? RADIUSCredentials(reading: packet, secret: secret)
        if !packet.code.isReply {
            _ = try? RADIUSReply.encode(.accessChallenge, attributes: [try! RADIUSAttribute(type: .state, value: [1, 2, 3])]
                + RADIUSAttribute.replyMessages("Enter the next code"), to: packet, secret: secret)
        } else {
            _ = try? RADIUSClientCodec.verifyReply(input, identifier: packet.identifier, requestAuthenticator: [UInt8](repeating: 0, count: 16),
                                                    secret: secret)
        }
    }

    /// Requests and replies as otpkit's own codec writes them.
    static func seeds() -> [[UInt8]] {
        let authenticator = Array(UInt8(1)...UInt8(16))
        let password = try! RADIUSPassword("123456")
        let nas = try! RADIUSAttribute(type: .nasIdentifier, text: "vpn-1")
        let proxyState = try! RADIUSAttribute(type: .proxyState, value: Array("proxy".utf8))
        let request = try! RADIUSClientCodec.accessRequest(identifier: 7, requestAuthenticator: authenticator, userName: "alice",
                                                           password: password, attributes: [nas, proxyState], secret: secret)
        let withState = try! RADIUSClientCodec.accessRequest(identifier: 8, requestAuthenticator: authenticator, userName: "alice@corp",
                                                             password: password, state: [9, 9, 9], secret: secret, messageAuthenticator: .omit)
        let status = try! RADIUSClientCodec.statusServer(identifier: 9, requestAuthenticator: authenticator, secret: secret)
        let decoded = try! RADIUSPacket(decoding: request)
        let challenge = try! RADIUSReply.encode(.accessChallenge, attributes: [try! RADIUSAttribute(type: .state, value: [1, 2])]
            + RADIUSAttribute.replyMessages("Enter the next code"), to: decoded, secret: secret)
        let accept = try! RADIUSReply.encode(.accessAccept, attributes: [], to: decoded, secret: secret)
        return [request, withState, status, challenge, accept]
    }
}
