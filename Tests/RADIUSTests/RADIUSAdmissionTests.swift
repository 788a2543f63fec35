import NIOCore
import RADIUS
import RADIUSServer
import Synchronization
import Testing

/// What a datagram must pass before it costs the server anything that a real client needs (issue 20, items 5 and
/// 10): a decision slot is taken only after the client and its Message-Authenticator were checked, and Status-Server
/// follows the node's health.
@Suite struct RADIUSAdmissionTests {
    typealias Codec = RADIUSClientCodec
    let secret = TestClients.secret

    /// Knows the client at 127.0.0.1; a lookup for any other address waits until `release()` (a client directory
    /// re-reading its store), so that unknown datagrams stay "being checked" for as long as the test wants.
    final class GatedDirectory: RADIUSClientDirectory {
        private let gate = ReleaseGate()
        let known = RADIUSClientList([TestClients.loopback()])

        func release() { gate.release() }

        func client(for address: SocketAddress) async -> RADIUSClient? {
            if let client = known.clientMatching(address) { return client }
            await gate.pass()
            return nil
        }
    }

    /// Unknown-client datagrams stuck in their client lookup hold no decision slot: with room for two decisions,
    /// twenty of them still leave the real client's request to be decided, never dropped as overloaded.
    @Test func aFloodFromAnUnknownClientTakesNoDecisionSlot() async throws {
        let directory = GatedDirectory()
        try await withRADIUSServer(directory: directory, options: RADIUSServerOptions(maximumDecisionsInFlight: 2)) { server, address in
            let stranger = try await UDPTestClient(server: address, localHost: "127.0.0.2")
            let client = try await UDPTestClient(server: address)
            defer { Task { await stranger.close(); await client.close() } }
            for identifier in 0..<20 {
                try await stranger.send(try Codec.accessRequest(identifier: UInt8(identifier), userName: "alice",
                                                                password: RADIUSPassword("123456"), secret: secret))
            }
            #expect(await server.metrics.wait(timeout: .seconds(10)) { $0.received == 20 })
            // Received and handed on to be checked (their lookups wait): none holds a slot.
            #expect(server.metrics.snapshot().inFlight == 0)

            let authenticator = Codec.randomAuthenticator()
            let request = try Codec.accessRequest(identifier: 99, requestAuthenticator: authenticator, userName: "alice",
                                                  password: RADIUSPassword("123456"), secret: secret)
            let reply = try Codec.verifyReply(try #require(await client.exchange(request)), identifier: 99,
                                              requestAuthenticator: authenticator, secret: secret)
            #expect(reply.code == .accessAccept)
            #expect(server.metrics.snapshot().dropped(.overloaded) == 0)

            directory.release()
            #expect(await server.metrics.wait(timeout: .seconds(10)) { $0.dropped(.unknownClient) == 20 })
            #expect(server.metrics.snapshot().dropped(.overloaded) == 0)
        }
    }

    /// A datagram with a wrong authenticator takes no duplicate-cache entry: the real request with the same source,
    /// Identifier and Request Authenticator is decided, not dropped as "in progress" nor answered from a cache.
    @Test func aForgedAuthenticatorTakesNoCacheEntry() async throws {
        try await withRADIUSServer(directory: RADIUSClientList([TestClients.loopback()])) { server, address in
            let client = try await UDPTestClient(server: address)
            defer { Task { await client.close() } }
            let authenticator = Codec.randomAuthenticator()
            let forged = try Codec.accessRequest(identifier: 7, requestAuthenticator: authenticator, userName: "alice",
                                                 password: RADIUSPassword("123456"), secret: TestClients.wrongSecret)
            try await client.send(forged)
            #expect(await server.metrics.wait(timeout: .seconds(10)) { $0.dropped(.badMessageAuthenticator) == 1 })
            let real = try Codec.accessRequest(identifier: 7, requestAuthenticator: authenticator, userName: "alice",
                                               password: RADIUSPassword("123456"), secret: secret)
            let reply = try Codec.verifyReply(try #require(await client.exchange(real)), identifier: 7,
                                              requestAuthenticator: authenticator, secret: secret)
            #expect(reply.code == .accessAccept)
            #expect(server.metrics.snapshot().answeredFromCache == 0)
        }
    }

    /// Status-Server is answered while the health input says ready, and dropped (counted `not_ready`) while not.
    @Test func statusServerFollowsHealth() async throws {
        let health = HealthSwitch()
        try await withRADIUSServer(directory: RADIUSClientList([TestClients.loopback()]), isReady: { health.isReady }) { server, address in
            let client = try await UDPTestClient(server: address)
            defer { Task { await client.close() } }
            func status(_ identifier: UInt8) async throws -> RADIUSPacket? {
                let authenticator = Codec.randomAuthenticator()
                try await client.send(try Codec.statusServer(identifier: identifier, requestAuthenticator: authenticator, secret: secret))
                guard let bytes = await client.receive(timeout: .seconds(10)) else { return nil }
                return try Codec.verifyReply(bytes, identifier: identifier, requestAuthenticator: authenticator, secret: secret)
            }
            #expect(try await status(1)?.code == .accessAccept)
            health.set(false)
            let authenticator = Codec.randomAuthenticator()
            try await client.send(try Codec.statusServer(identifier: 2, requestAuthenticator: authenticator, secret: secret))
            #expect(await server.metrics.wait(timeout: .seconds(10)) { $0.dropped(.notReady) == 1 })
            health.set(true)
            // The next datagram received answers the third probe: the second got nothing.
            let answered = try #require(try await status(3))
            #expect(answered.code == .accessAccept)
            #expect(server.metrics.snapshot().statusServerAnswered == 2)
        }
    }

    final class HealthSwitch: Sendable {
        private let ready = Atomic<Bool>(true)
        var isReady: Bool { ready.load(ordering: .relaxed) }
        func set(_ value: Bool) { ready.store(value, ordering: .relaxed) }
    }
}
