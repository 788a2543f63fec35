import Foundation
import NIOCore
import RADIUS
import RADIUSServer
import Testing
import TestSupport

/// User-Password hiding, Response Authenticator and Message-Authenticator, against RFC 2865's own example and an
/// independent HMAC-MD5 (Python's hmac module).
@Suite struct RADIUSAuthenticatorTests {
    /// RFC 2865 section 7.1: nemo logs in with "arctangent", shared secret "xyzzy5461".
    static let rfcRequest = [UInt8](hex: "010000380f403f9473978057bd83d5cb98f4227a01066e656d6f02120dbe708d93d413ce3196e43f782a0aee0406c0a80110050600000003")
    static let rfcAccept = [UInt8](hex: "0200002686fe220e7624ba2a1005f6bf9b55e0b206060000000 10f06000000000e06c0a80103".replacingOccurrences(of: " ", with: ""))
    static let rfcSecret = try! RADIUSSharedSecret("xyzzy5461")

    @Test func rfc2865Example() throws {
        let request = try RADIUSPacket(decoding: Self.rfcRequest)
        let credentials = try RADIUSCredentials(reading: request, secret: Self.rfcSecret)
        #expect(credentials.userName == "nemo")
        #expect(credentials.password?.text == "arctangent")
        #expect(credentials.state == nil)
        // The client side hides it to the very bytes of the RFC.
        let hidden = RADIUSUserPassword.hide(try RADIUSPassword("arctangent"), secret: Self.rfcSecret, requestAuthenticator: request.authenticator)
        #expect(hidden == request.values(of: .userPassword).first)

        let accept = try RADIUSPacket(decoding: Self.rfcAccept)
        #expect(RADIUSResponseAuthenticator.isValid(accept, requestAuthenticator: request.authenticator, secret: Self.rfcSecret))
        #expect(!RADIUSResponseAuthenticator.isValid(accept, requestAuthenticator: request.authenticator, secret: try RADIUSSharedSecret("xyzzy5462")))
        // The RFC's reply predates RFC 3579: it verifies only when Message-Authenticator is not required.
        #expect(throws: RADIUSClientCodec.ReplyError.missingMessageAuthenticator) {
            try RADIUSClientCodec.verifyReply(Self.rfcAccept, identifier: 0, requestAuthenticator: request.authenticator, secret: Self.rfcSecret)
        }
        #expect(try RADIUSClientCodec.verifyReply(Self.rfcAccept, identifier: 0, requestAuthenticator: request.authenticator,
                                                  secret: Self.rfcSecret, messageAuthenticator: .notRequired).code == .accessAccept)
    }

    @Test(arguments: [0, 1, 15, 16, 17, 31, 32, 33, 100, 127, 128])
    func passwordRoundTrip(length: Int) throws {
        let secret = try RADIUSSharedSecret("s3cr3t")
        let authenticator = RADIUSClientCodec.randomAuthenticator()
        let password = try RADIUSPassword(bytes: (0..<length).map { UInt8(1 + $0 % 250) })
        let hidden = RADIUSUserPassword.hide(password, secret: secret, requestAuthenticator: authenticator)
        #expect(hidden.count == max(16, (length + 15) / 16 * 16))
        #expect(try RADIUSUserPassword.reveal(hidden, secret: secret, requestAuthenticator: authenticator) == password)
        #expect(try RADIUSUserPassword.reveal(hidden, secret: RADIUSSharedSecret("other"), requestAuthenticator: authenticator) != password)
    }

    @Test func hiddenPasswordsOfBadLengthAreRefused() throws {
        let secret = try RADIUSSharedSecret("s3cr3t")
        for count in [0, 1, 15, 17, 130, 144] {
            #expect(throws: RADIUSPasswordError.badHiddenLength(count)) {
                try RADIUSUserPassword.reveal([UInt8](repeating: 7, count: count), secret: secret, requestAuthenticator: Array(0..<16))
            }
        }
        #expect(throws: RADIUSPasswordError.tooLong) { try RADIUSPassword(bytes: [UInt8](repeating: 0x31, count: 129)) }
    }

    @Test func messageAuthenticatorMatchesPythonHMAC() async throws {
        let python = try #require(Subprocess.which("python3"), "python3 is missing: `make test` installs it (apt-get install python3)")
        let secret = try RADIUSSharedSecret("s3cr3t-shared")
        let bytes = try RADIUSClientCodec.accessRequest(identifier: 9, requestAuthenticator: Array(100..<116), userName: "bob",
                                                        password: RADIUSPassword("123456"), secret: secret)
        var zeroed = bytes
        zeroed.replaceSubrange(22..<38, with: [UInt8](repeating: 0, count: 16))
        let script = "import hmac, hashlib, sys; print(hmac.new(b's3cr3t-shared', bytes.fromhex(sys.argv[1]), hashlib.md5).hexdigest())"
        let result = try await runTool(python, ["-c", script, zeroed.hex])
        #expect(result.status == 0)
        #expect(Array(bytes[22..<38]).hex == result.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
        let packet = try RADIUSPacket(decoding: bytes)
        #expect(RADIUSMessageAuthenticator.check(request: packet, secret: secret) == .valid)
        #expect(RADIUSMessageAuthenticator.check(request: packet, secret: try RADIUSSharedSecret("wrong")) == .invalid)
    }

    @Test func messageAuthenticatorChecks() throws {
        let secret = try RADIUSSharedSecret("s3cr3t")
        let signed = try RADIUSPacket(decoding: RADIUSClientCodec.accessRequest(identifier: 1, userName: "a", password: RADIUSPassword("1"), secret: secret))
        #expect(RADIUSMessageAuthenticator.check(request: signed, secret: secret) == .valid)
        let unsigned = try RADIUSPacket(decoding: RADIUSClientCodec.accessRequest(identifier: 1, userName: "a", password: RADIUSPassword("1"),
                                                                              secret: secret, messageAuthenticator: .omit))
        #expect(RADIUSMessageAuthenticator.check(request: unsigned, secret: secret) == .absent)
        var twice = signed
        twice.attributes.append(signed.attributes[0])
        #expect(RADIUSMessageAuthenticator.check(request: twice, secret: secret) == .malformed)
        var short = unsigned
        short.attributes.insert(try RADIUSAttribute(type: .messageAuthenticator, value: [1, 2, 3]), at: 0)
        #expect(RADIUSMessageAuthenticator.check(request: short, secret: secret) == .malformed)
        // Any change to the packet breaks it.
        var changed = signed
        changed.identifier = 2
        #expect(RADIUSMessageAuthenticator.check(request: changed, secret: secret) == .invalid)
    }

    @Test func replyCarriesMessageAuthenticatorFirstAndProxyStatesInOrder() throws {
        let secret = try RADIUSSharedSecret("s3cr3t")
        let requestBytes = try RADIUSClientCodec.accessRequest(
            identifier: 77, userName: "alice", password: RADIUSPassword("123456"),
            attributes: [RADIUSAttribute(type: .proxyState, value: [1]), RADIUSAttribute(type: .nasIdentifier, text: "n"),
                         RADIUSAttribute(type: .proxyState, value: [2, 2])],
            secret: secret, messageAuthenticator: .omit)
        let request = try RADIUSPacket(decoding: requestBytes)
        for code in [RADIUSCode.accessAccept, .accessReject, .accessChallenge] {
            let attributes = [try RADIUSAttribute(type: .state, value: [5])] + RADIUSAttribute.replyMessages("hello")
            let bytes = try RADIUSReply.encode(code, attributes: attributes, to: request, secret: secret)
            let reply = try RADIUSClientCodec.verifyReply(bytes, identifier: 77, requestAuthenticator: request.authenticator, secret: secret)
            #expect(reply.code == code)
            #expect(reply.attributes.map(\.type) == [.messageAuthenticator, .state, .replyMessage, .proxyState, .proxyState])
            #expect(reply.values(of: .proxyState) == [[1], [2, 2]])
            // Tampering is detected by both authenticators.
            var tampered = bytes
            tampered[tampered.count - 1] ^= 1
            #expect(throws: RADIUSClientCodec.ReplyError.badResponseAuthenticator) {
                try RADIUSClientCodec.verifyReply(tampered, identifier: 77, requestAuthenticator: request.authenticator, secret: secret)
            }
            #expect(throws: RADIUSClientCodec.ReplyError.identifierMismatch) {
                try RADIUSClientCodec.verifyReply(bytes, identifier: 78, requestAuthenticator: request.authenticator, secret: secret)
            }
        }
        #expect(throws: RADIUSEncodingError.notAReplyCode(.accessRequest)) {
            try RADIUSReply.encode(.accessRequest, attributes: [], to: request, secret: secret)
        }
    }

    @Test func replyMessageAuthenticatorIsComputedWithTheRequestAuthenticator() throws {
        let secret = try RADIUSSharedSecret("s3cr3t")
        let request = try RADIUSPacket(decoding: RADIUSClientCodec.accessRequest(identifier: 3, userName: "a", password: RADIUSPassword("1"), secret: secret))
        let reply = try RADIUSPacket(decoding: RADIUSReply.encode(.accessReject, attributes: [], to: request, secret: secret))
        #expect(RADIUSMessageAuthenticator.check(reply: reply, requestAuthenticator: request.authenticator, secret: secret) == .valid)
        #expect(RADIUSMessageAuthenticator.check(reply: reply, requestAuthenticator: reply.authenticator, secret: secret) == .invalid)
    }

    @Test func credentialsOfMalformedRequests() throws {
        let secret = try RADIUSSharedSecret("s3cr3t")
        func request(_ attributes: [RADIUSAttribute]) throws -> RADIUSPacket {
            try RADIUSPacket(code: .accessRequest, identifier: 1, authenticator: Array(0..<16), attributes: attributes)
        }
        let name = try RADIUSAttribute(type: .userName, text: "alice")
        let password = try RADIUSAttribute(type: .userPassword, value: [UInt8](repeating: 1, count: 16))
        #expect(throws: RADIUSCredentials.Error.missingUserName) { try RADIUSCredentials(reading: request([password]), secret: secret) }
        #expect(throws: RADIUSCredentials.Error.badUserName) {
            try RADIUSCredentials(reading: request([RADIUSAttribute(type: .userName, value: [0xFF, 0xFE]), password]), secret: secret)
        }
        #expect(throws: RADIUSCredentials.Error.badUserName) {
            try RADIUSCredentials(reading: request([RADIUSAttribute(type: .userName, value: []), password]), secret: secret)
        }
        #expect(throws: RADIUSCredentials.Error.repeatedAttribute(.userName)) { try RADIUSCredentials(reading: request([name, name, password]), secret: secret) }
        #expect(throws: RADIUSCredentials.Error.repeatedAttribute(.userPassword)) {
            try RADIUSCredentials(reading: request([name, password, password]), secret: secret)
        }
        #expect(throws: RADIUSCredentials.Error.badUserPassword) {
            try RADIUSCredentials(reading: request([name, RADIUSAttribute(type: .userPassword, value: [1, 2, 3])]), secret: secret)
        }
        let chap = try RADIUSCredentials(reading: request([name, RADIUSAttribute(type: .chapPassword, value: [UInt8](repeating: 0, count: 17))]), secret: secret)
        #expect(chap.password == nil)
    }

    @Test func secretsNeverPrint() throws {
        let secret = try RADIUSSharedSecret("hunter2-shared")
        let password = try RADIUSPassword("hunter2-password")
        for text in [String(describing: secret), String(reflecting: secret), "\(secret)", dumped(secret),
                     String(describing: password), String(reflecting: password), "\(password)", dumped(password)] {
            #expect(!text.contains("hunter2"), "\(text)")
        }
        let request = RADIUSAccessRequest(clientName: "nas", userName: "alice", password: password, state: nil, nasIdentifier: nil,
                                          callingStationID: nil, source: try SocketAddress(ipAddress: "127.0.0.1", port: 1))
        let credentials = RADIUSCredentials(userName: "alice", password: password, state: nil)
        for text in ["\(request)", dumped(request), dumped(credentials), String(reflecting: credentials)] {
            #expect(!text.contains("hunter2"), "\(text)")
            #expect(!text.contains("104, 117, 110"), "no password bytes: \(text)")
        }
        #expect(throws: RADIUSSharedSecret.Error.empty) { try RADIUSSharedSecret("") }
    }

    private func dumped(_ value: Any) -> String {
        var text = ""
        dump(value, to: &text)
        return text
    }
}
