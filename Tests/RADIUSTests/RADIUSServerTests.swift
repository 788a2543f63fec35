import NIOCore
import Prometheus
import RADIUS
import RADIUSServer
import Testing

/// The UDP server in process: a real socket on 127.0.0.1, the test's own client, and a delegate that records its
/// calls. Drops are awaited through the server's counters; that a dropped request got no answer is shown by the next
/// datagram received being the reply to a later valid request.
@Suite struct RADIUSServerTests {
    typealias Codec = RADIUSClientCodec
    let secret = TestClients.secret

    func request(_ id: UInt8, user: String = "alice", password: String = "123456", state: [UInt8]? = nil,
                 attributes: [RADIUSAttribute] = [], secret: RADIUSSharedSecret? = nil,
                 messageAuthenticator: Codec.MessageAuthenticatorUse = .include) throws -> (bytes: [UInt8], authenticator: [UInt8]) {
        let authenticator = Codec.randomAuthenticator()
        let bytes = try Codec.accessRequest(identifier: id, requestAuthenticator: authenticator, userName: user, password: RADIUSPassword(password),
                                            state: state, attributes: attributes, secret: secret ?? self.secret,
                                            messageAuthenticator: messageAuthenticator)
        return (bytes, authenticator)
    }

    func verify(_ reply: [UInt8]?, _ sent: (bytes: [UInt8], authenticator: [UInt8])) throws -> RADIUSPacket {
        let bytes = try #require(reply, "no reply")
        return try Codec.verifyReply(bytes, identifier: sent.bytes[1], requestAuthenticator: sent.authenticator, secret: secret)
    }

    @Test func acceptRejectAndChallengeThenAccept() async throws {
        let authenticator = TestAuthenticator()
        try await withRADIUSServer(clients: [TestClients.loopback()], authenticator: authenticator) { server, address in
            let client = try await UDPTestClient(server: address)
            defer { Task { await client.close() } }
            let proxy = [try RADIUSAttribute(type: .proxyState, value: Array("first".utf8)),
                         try RADIUSAttribute(type: .nasIdentifier, text: "vpn-7"),
                         try RADIUSAttribute(type: .proxyState, value: Array("second".utf8))]
            let good = try request(1, attributes: proxy)
            let accept = try verify(await client.exchange(good.bytes), good)
            #expect(accept.code == .accessAccept)
            #expect(accept.attributes.first?.type == .messageAuthenticator)
            #expect(accept.values(of: .proxyState) == [Array("first".utf8), Array("second".utf8)])
            #expect(accept.values(of: .replyMessage) == [Array("Welcome".utf8)])

            let bad = try request(2, password: "000000")
            let reject = try verify(await client.exchange(bad.bytes), bad)
            #expect(reject.code == .accessReject)
            #expect(reject.attributes.first?.type == .messageAuthenticator)

            let first = try request(3, password: "challenge")
            let challenge = try verify(await client.exchange(first.bytes), first)
            #expect(challenge.code == .accessChallenge)
            #expect(challenge.values(of: .state) == [TestAuthenticator.challengeState])
            #expect(challenge.values(of: .replyMessage) == [Array("Enter the next code".utf8)])
            let next = try request(4, password: "654321", state: TestAuthenticator.challengeState)
            #expect(try verify(await client.exchange(next.bytes), next).code == .accessAccept)

            let calls = authenticator.calls
            #expect(calls.count == 4)
            #expect(calls[0].userName == "alice" && calls[0].clientName == "test-nas" && calls[0].nasIdentifier == "vpn-7")
            #expect(calls[0].state == nil && calls[3].state == TestAuthenticator.challengeState)
            #expect(calls[0].sourceText.hasPrefix("127.0.0.1:"))
            let metrics = server.metrics.snapshot()
            #expect(metrics.decisions(.accepted) == 2 && metrics.decisions(.rejected) == 1 && metrics.decisions(.challenged) == 1)
            #expect(await server.metrics.wait(timeout: .seconds(10)) { $0.repliesSent == 4 })
            #expect(metrics.droppedTotal == 0)
        }
    }

    @Test func retransmitIsAnsweredFromTheCacheWithIdenticalBytes() async throws {
        let authenticator = TestAuthenticator()
        try await withRADIUSServer(clients: [TestClients.loopback()], authenticator: authenticator) { server, address in
            let client = try await UDPTestClient(server: address)
            defer { Task { await client.close() } }
            let sent = try request(9)
            let first = try #require(await client.exchange(sent.bytes))
            let again = try #require(await client.exchange(sent.bytes))
            #expect(again == first)
            #expect(authenticator.callCount == 1)
            #expect(server.metrics.snapshot().answeredFromCache == 1)
            // The same Identifier with a new Request Authenticator is a new request, decided again.
            let fresh = try request(9)
            #expect(try verify(await client.exchange(fresh.bytes), fresh).code == .accessAccept)
            #expect(authenticator.callCount == 2)
            // So is the same request from another port.
            let other = try await UDPTestClient(server: address)
            defer { Task { await other.close() } }
            #expect(try await other.exchange(sent.bytes) != nil)
            #expect(authenticator.callCount == 3)
        }
    }

    @Test func retransmitWhileDecidingIsDroppedThenAnsweredFromTheCache() async throws {
        let authenticator = TestAuthenticator()
        try await withRADIUSServer(clients: [TestClients.loopback()], authenticator: authenticator) { server, address in
            let client = try await UDPTestClient(server: address)
            defer { Task { await client.close() } }
            let sent = try request(5, user: "slow")
            try await client.send(sent.bytes)
            #expect(await server.metrics.wait(timeout: .seconds(10)) { $0.inFlight == 1 })
            try await client.send(sent.bytes)
            #expect(await server.metrics.wait(timeout: .seconds(10)) { $0.dropped(.duplicateInProgress) == 1 })
            authenticator.release()
            let reply = try #require(await client.receive())
            #expect(try verify(reply, sent).code == .accessAccept)
            #expect(try await client.exchange(sent.bytes) == reply)
            #expect(authenticator.callCount == 1)
        }
    }

    @Test func malformedDatagramsAreDroppedAndCountedWhileTheNextIsAnswered() async throws {
        // The registries a server's owner would give it: the drops summed and by reason apart, for the two views.
        let shared = PrometheusCollectorRegistry(), total = PrometheusCollectorRegistry(), byReason = PrometheusCollectorRegistry()
        let factories = RADIUSServerMetrics.Factories(shared: PrometheusMetricsFactory(registry: shared),
                                                      droppedTotal: PrometheusMetricsFactory(registry: total),
                                                      droppedByReason: PrometheusMetricsFactory(registry: byReason))
        try await withRADIUSServer(clients: [TestClients.loopback()], metrics: factories) { server, address in
            let client = try await UDPTestClient(server: address)
            defer { Task { await client.close() } }
            let valid = try request(1).bytes
            var lengthTooLarge = valid
            lengthTooLarge[3] = UInt8(valid.count + 10)
            var lengthTooSmall = valid
            lengthTooSmall[3] = 19
            var attributeLengthZero = valid
            attributeLengthZero[21] = 0
            var attributeLengthOne = valid
            attributeLengthOne[21] = 1
            var unknownCode = valid
            unknownCode[0] = 4
            var replyCode = valid
            replyCode[0] = 2
            var tooLong = valid + [UInt8](repeating: 0, count: 4097 - valid.count)
            tooLong[2] = 0x10
            tooLong[3] = 0x00
            let sends: [([UInt8], RADIUSDropReason)] = [
                (Array(valid.prefix(10)), .malformed), (lengthTooLarge, .malformed), (lengthTooSmall, .malformed),
                (attributeLengthZero, .malformed), (attributeLengthOne, .malformed), (unknownCode, .unknownCode),
                (replyCode, .unexpectedCode), (tooLong, .tooLong), ([UInt8](repeating: 0, count: 9000), .tooLong),
            ]
            for (bytes, _) in sends { try await client.send(bytes) }
            #expect(await server.metrics.wait(timeout: .seconds(10)) { $0.droppedTotal == sends.count })
            let metrics = server.metrics.snapshot()
            #expect(metrics.dropped(.malformed) == 5)
            #expect(metrics.dropped(.unknownCode) == 1 && metrics.dropped(.unexpectedCode) == 1 && metrics.dropped(.tooLong) == 2)
            let good = try request(2)
            #expect(try verify(await client.exchange(good.bytes), good).code == .accessAccept)
            let text = shared.emitToString() + byReason.emitToString()
            #expect(text.contains("otpkit_radius_dropped_total{reason=\"malformed\"} 5"))
            #expect(text.contains("otpkit_radius_dropped_total{reason=\"too_long\"} 2"))
            #expect(text.contains("otpkit_radius_decisions_total{outcome=\"accepted\"} 1"))
            #expect(text.contains("otpkit_radius_received_total 10"))
            let summed = shared.emitToString() + total.emitToString()
            #expect(summed.contains("otpkit_radius_dropped_total 9\n"), "\(summed)")
            #expect(!summed.contains("reason="), "\(summed)")
        }
    }

    @Test func unknownClientsWrongSecretsAndMissingAuthenticatorsGetNoAnswer() async throws {
        let authenticator = TestAuthenticator()
        let clients = [TestClients.loopback("127.0.0.2", name: "strict"),
                       TestClients.loopback("127.0.0.3", name: "legacy", messageAuthenticator: .notRequired)]
        try await withRADIUSServer(clients: clients, authenticator: authenticator) { server, address in
            let stranger = try await UDPTestClient(server: address, localHost: "127.0.0.1")
            let strict = try await UDPTestClient(server: address, localHost: "127.0.0.2")
            let legacy = try await UDPTestClient(server: address, localHost: "127.0.0.3")
            defer { Task { await stranger.close(); await strict.close(); await legacy.close() } }

            try await stranger.send(try request(1).bytes)
            #expect(await server.metrics.wait(timeout: .seconds(10)) { $0.dropped(.unknownClient) == 1 })
            try await strict.send(try request(2, secret: TestClients.wrongSecret).bytes)
            #expect(await server.metrics.wait(timeout: .seconds(10)) { $0.dropped(.badMessageAuthenticator) == 1 })
            try await strict.send(try request(3, messageAuthenticator: .omit).bytes)
            #expect(await server.metrics.wait(timeout: .seconds(10)) { $0.dropped(.missingMessageAuthenticator) == 1 })
            // A client not required to send one may still send one: then it must be right.
            try await legacy.send(try request(4, secret: TestClients.wrongSecret).bytes)
            #expect(await server.metrics.wait(timeout: .seconds(10)) { $0.dropped(.badMessageAuthenticator) == 2 })
            #expect(authenticator.callCount == 0)

            let good = try request(5)
            #expect(try verify(await strict.exchange(good.bytes), good).code == .accessAccept)
            let unsigned = try request(6, messageAuthenticator: .omit)
            let reply = try verify(await legacy.exchange(unsigned.bytes), unsigned)
            #expect(reply.code == .accessAccept)
            #expect(reply.attributes.first?.type == .messageAuthenticator, "replies always carry it, first")
            #expect(authenticator.callCount == 2)
            #expect(await stranger.receive(timeout: .milliseconds(1)) == nil)
        }
    }

    @Test func statusServerIsAnsweredWithoutTheAuthenticator() async throws {
        let authenticator = TestAuthenticator()
        let clients = [TestClients.loopback(messageAuthenticator: .notRequired)]
        try await withRADIUSServer(clients: clients, authenticator: authenticator) { server, address in
            let client = try await UDPTestClient(server: address)
            defer { Task { await client.close() } }
            let requestAuthenticator = Codec.randomAuthenticator()
            let status = try Codec.statusServer(identifier: 200, requestAuthenticator: requestAuthenticator, secret: secret)
            let reply = try Codec.verifyReply(try #require(await client.exchange(status)), identifier: 200,
                                              requestAuthenticator: requestAuthenticator, secret: secret)
            #expect(reply.code == .accessAccept)
            // Each Status-Server is answered afresh, never from the cache.
            #expect(try await client.exchange(status) != nil)
            #expect(server.metrics.snapshot().statusServerAnswered == 2)
            #expect(server.metrics.snapshot().answeredFromCache == 0)
            // Without Message-Authenticator it is dropped, even from a client that need not send one on requests.
            var unsigned = try RADIUSPacket(code: .statusServer, identifier: 201, authenticator: Codec.randomAuthenticator())
            unsigned.attributes = []
            try await client.send(try unsigned.encoded())
            #expect(await server.metrics.wait(timeout: .seconds(10)) { $0.dropped(.missingMessageAuthenticator) == 1 })
            #expect(authenticator.callCount == 0)
        }
    }

    @Test func requestsWithoutUserNameOrPassword() async throws {
        let authenticator = TestAuthenticator()
        try await withRADIUSServer(clients: [TestClients.loopback()], authenticator: authenticator) { server, address in
            let client = try await UDPTestClient(server: address)
            defer { Task { await client.close() } }
            let noName = try RADIUSPacket(code: .accessRequest, identifier: 1, authenticator: Codec.randomAuthenticator(),
                                          attributes: [RADIUSAttribute(type: .userPassword, value: [UInt8](repeating: 1, count: 16))])
            try await client.send(try Codec.sign(noName, secret: secret, messageAuthenticator: .include))
            #expect(await server.metrics.wait(timeout: .seconds(10)) { $0.dropped(.missingUserName) == 1 })
            let badPassword = try RADIUSPacket(code: .accessRequest, identifier: 2, authenticator: Codec.randomAuthenticator(),
                                               attributes: [RADIUSAttribute(type: .userName, text: "alice"),
                                                            RADIUSAttribute(type: .userPassword, value: [1, 2, 3])])
            try await client.send(try Codec.sign(badPassword, secret: secret, messageAuthenticator: .include))
            #expect(await server.metrics.wait(timeout: .seconds(10)) { $0.dropped(.malformed) == 1 })
            // CHAP: rejected at once, without asking the authenticator.
            let chapAuthenticator = Codec.randomAuthenticator()
            let chap = try RADIUSPacket(code: .accessRequest, identifier: 3, authenticator: chapAuthenticator,
                                        attributes: [RADIUSAttribute(type: .userName, text: "alice"),
                                                     RADIUSAttribute(type: .chapPassword, value: [UInt8](repeating: 1, count: 17))])
            let reply = try #require(await client.exchange(try Codec.sign(chap, secret: secret, messageAuthenticator: .include)))
            #expect(try Codec.verifyReply(reply, identifier: 3, requestAuthenticator: chapAuthenticator, secret: secret).code == .accessReject)
            #expect(server.metrics.snapshot().rejectedWithoutPassword == 1)
            #expect(authenticator.callCount == 0)
        }
    }

    @Test func overloadAndNoAnswer() async throws {
        let authenticator = TestAuthenticator()
        let options = RADIUSServerOptions(maximumDecisionsInFlight: 1)
        try await withRADIUSServer(clients: [TestClients.loopback()], authenticator: authenticator, options: options) { server, address in
            let client = try await UDPTestClient(server: address)
            defer { Task { await client.close() } }
            let slow = try request(1, user: "slow")
            try await client.send(slow.bytes)
            #expect(await server.metrics.wait(timeout: .seconds(10)) { $0.inFlight == 1 })
            try await client.send(try request(2).bytes)
            #expect(await server.metrics.wait(timeout: .seconds(10)) { $0.dropped(.overloaded) == 1 })
            authenticator.release()
            #expect(try verify(await client.receive(), slow).code == .accessAccept)

            // No answer: nothing is sent or cached, so the retransmit is decided again.
            let down = try request(3, user: "down")
            try await client.send(down.bytes)
            #expect(await server.metrics.wait(timeout: .seconds(10)) { $0.dropped(.noAnswer) == 1 && $0.inFlight == 0 })
            try await client.send(down.bytes)
            #expect(await server.metrics.wait(timeout: .seconds(10)) { $0.dropped(.noAnswer) == 2 })
            #expect(authenticator.callCount == 3)
            let good = try request(4)
            #expect(try verify(await client.exchange(good.bytes), good).code == .accessAccept)
        }
    }

    @Test func realmIsStrippedWhenAsked() async throws {
        let authenticator = TestAuthenticator()
        try await withRADIUSServer(clients: [TestClients.loopback()], authenticator: authenticator,
                                   options: RADIUSServerOptions(realm: .strip)) { _, address in
            let client = try await UDPTestClient(server: address)
            defer { Task { await client.close() } }
            let sent = try request(1, user: "alice@corp.example")
            #expect(try verify(await client.exchange(sent.bytes), sent).code == .accessAccept)
            #expect(authenticator.calls.map(\.userName) == ["alice"])
        }
    }

    @Test func aSecondServerCannotShareThePort() async throws {
        try await withRADIUSServer(clients: []) { _, address in
            let second = RADIUSServer(host: "127.0.0.1", port: address.port!, clients: RADIUSClientList([]), authenticator: TestAuthenticator())
            await #expect(throws: (any Error).self) { try await second.run() }
        }
    }

    @Test func stopEndsRunAndASecondRunIsRefused() async throws {
        let server = RADIUSServer(host: "127.0.0.1", port: 0, clients: RADIUSClientList([]), authenticator: TestAuthenticator())
        let (bound, listening) = AsyncStream<SocketAddress>.makeStream()
        async let running: Void = server.run { listening.yield($0) }
        var iterator = bound.makeAsyncIterator()
        #expect(await iterator.next()?.port ?? 0 > 0)
        await #expect(throws: RADIUSServer.Error.self) { try await server.run() }
        server.stop()
        try await running
    }
}
